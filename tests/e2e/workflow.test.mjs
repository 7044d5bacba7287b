// The change workflow in a real browser (issue U1): a requester creates a
// high-risk change and sees why it is high risk, an approver approves, an
// edit voids the approval (seen by a third user), the implementer cannot
// approve their own change (no button; the API refuses), evidence is
// uploaded, the change is closed, and the audit page verifies the chain.
// Then every role visits the main pages: the UI must not make one request
// the API refuses for that role. Screenshots land in build/e2e-screenshots/.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { Client, launch, layoutProblems, personPage, ROOT, shot, startServer } from "./harness.mjs";

let server;
let browser;
const people = {};  // username -> { password, roles }

function localInput(d) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

before(async () => {
  server = await startServer();
  browser = await launch();
  const admin = new Client(server.url);
  await admin.login("admin", server.password);
  const adminPassword = "correct horse battery staple 1";
  await admin.call("POST", "/api/v1/me/password", { current_password: server.password, new_password: adminPassword });
  people.admin = { password: adminPassword, roles: ["admin"] };
  const wanted = {
    alice: ["change_manager"],  // requests the change
    bob: ["approver"],          // service owner
    sam: ["admin"],             // security reviewer (the default policy's security role)
    carol: ["auditor"],         // the third user
    dave: ["implementer", "approver"],  // implements it, may approve others' changes
  };
  for (const [username, roles] of Object.entries(wanted)) {
    const r = await admin.call("POST", "/api/v1/users", { username, display_name: username[0].toUpperCase() + username.slice(1), roles });
    people[username] = { otp: r.one_time_password, roles };
    if (username === "alice") continue;  // alice sets her own password in the browser
    const c = new Client(server.url);
    await c.login(username, r.one_time_password);
    const password = `correct horse battery ${username.length}${username.length}x`;
    await c.call("POST", "/api/v1/me/password", { current_password: r.one_time_password, new_password: password });
    people[username].password = password;
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(page, username, { keyboard = false } = {}) {
  await page.goto("/");
  await page.getByRole("heading", { name: "Sign in to Changeledger" }).waitFor();
  if (keyboard) {
    await page.getByLabel("User name").focus();
    await page.keyboard.type(username);
    await page.keyboard.press("Tab");
    await page.keyboard.type(people[username].password);
    await page.keyboard.press("Enter");
  } else {
    await page.getByLabel("User name").fill(username);
    await page.getByLabel("Password").fill(people[username].password);
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
}

async function openChange(page, key) {
  await page.goto(`/changes/${key}`);
  await page.getByRole("heading", { name: new RegExp(`^${key}:`) }).waitFor();
}

async function act(page, label) {
  await page.getByRole("button", { name: label, exact: true }).click();
  await page.getByRole("status").filter({ hasText: "done." }).waitFor();
}

test("the change workflow from request to close, in Chromium", async (t) => {
  const alice = await personPage(browser, server.url);
  const key = "CHG-1";

  await t.test("log in with a one-time password, choose a password", async () => {
    const { page } = alice;
    await page.goto("/");
    await shot(page, "01-login");
    await page.getByLabel("User name").fill("alice");
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "The user name or password is wrong." }).waitFor();
    await page.getByLabel("Password").fill(people.alice.otp);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Choose your password" }).waitFor();
    people.alice.password = "correct horse battery staple 2";
    await page.getByLabel("One-time password").fill(people.alice.otp);
    await page.getByLabel("New password", { exact: true }).fill(people.alice.password);
    await page.getByLabel("New password again").fill(people.alice.password);
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  });

  await t.test("create a high-risk change and see why it is high risk", async () => {
    const { page } = alice;
    await page.getByRole("link", { name: "New change" }).click();
    await page.getByRole("heading", { name: "New change" }).waitFor();
    const preview = page.getByRole("complementary", { name: "Risk preview" });
    await preview.getByText("Still missing to submit").waitFor();
    await page.getByLabel(/^Title/).fill("Grant the deploy role access to the payments database");
    await page.getByLabel(/^Service/).fill("payments");
    await page.getByLabel(/^Environment/).selectOption("production");
    await page.getByLabel(/^Category/).selectOption("technical");
    await page.getByLabel(/^Implementer/).fill("dave");
    const texts = {
      Justification: "The release pipeline needs read access to run migrations.",
      "Implementation plan": "Attach the read-only policy to the deploy role with Terraform.",
      "Rollback plan": "Detach the policy; the previous plan is kept.",
      "Test plan": "Applied and exercised in staging first.",
      "Failure conditions": "Any access-denied error in the pipeline or application.",
      "Success criteria": "The migration job connects with the new role.",
      "Monitoring plan": "Watch the database audit log for the deploy role for a day.",
    };
    for (const [label, value] of Object.entries(texts)) await page.getByLabel(new RegExp(`^${label}`)).fill(value);
    const now = new Date();
    await page.getByLabel(/^Planned start/).fill(localInput(new Date(now.getTime() - 30 * 60e3)));
    await page.getByLabel(/^Planned end/).fill(localInput(new Date(now.getTime() + 3 * 3600e3)));
    await page.getByLabel(/^Responsibility/).selectOption("customer");
    await page.getByLabel(/^Responsible contact/).fill("Payments platform team");
    for (const q of ["identity_access", "network_exposure", "internet_exposure", "encryption_secrets", "logging_monitoring", "sensitive_data", "data_protection", "availability"]) {
      await page.locator(`input[name="impact-${q}"][value="${q === "identity_access" ? "yes" : "no"}"]`).check();
    }
    await preview.getByText("high risk").waitFor();
    await preview.getByText("Identity, authentication or access control changes.").waitFor();
    await preview.getByText("Nothing: it can be submitted.").waitFor();
    assert.match(await preview.innerText(), /service owner, security|security, service owner/);
    await shot(page, "02-new-change-risk-preview");
    assert.deepEqual(await layoutProblems(page), []);
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByRole("heading", { name: new RegExp(`^${key}:`) }).waitFor();
  });

  await t.test("submit it: the assessment shows the risk and the rules that fired", async () => {
    const { page } = alice;
    await act(page, "Submit for approval");
    await page.locator(".badges").getByText("submitted").waitFor();
    const risk = page.getByRole("region", { name: "Risk and why" });
    await risk.getByText("high risk").waitFor();
    await risk.getByText("Identity, authentication or access control changes.").waitFor();
    await shot(page, "03-change-submitted");
  });

  const bob = await personPage(browser, server.url);
  await t.test("a second user logs in (keyboard only) and approves", async () => {
    const { page } = bob;
    await signIn(page, "bob", { keyboard: true });
    await page.getByRole("link", { name: "Awaiting my approval: 1" }).click();
    await page.getByText("Changes awaiting your decision.").waitFor();
    await page.getByRole("link", { name: key, exact: true }).click();
    await page.getByRole("heading", { name: new RegExp(`^${key}:`) }).waitFor();
    await page.getByLabel("Comment").fill("Read-only, scoped to the deploy role.");
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "You approved" }).waitFor();
    const row = page.getByRole("region", { name: "Approvals" }).getByRole("row", { name: /bob/ });
    assert.match(await row.innerText(), /approved[\s\S]*valid/);
  });

  await t.test("an edit voids the approval", async () => {
    const { page } = alice;
    await openChange(page, key);
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    await page.getByRole("heading", { name: `Edit ${key}` }).waitFor();
    await page.getByRole("note").filter({ hasText: "voids them" }).waitFor();
    await page.getByLabel(/^Implementation plan/).fill("Attach the read-only policy to the deploy role and to the migration role.");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("heading", { name: new RegExp(`^${key}:`) }).waitFor();
  });

  const carol = await personPage(browser, server.url);
  await t.test("a third user sees the approval voided by the edit", async () => {
    const { page } = carol;
    await signIn(page, "carol");
    await openChange(page, key);
    const approvals = page.getByRole("region", { name: "Approvals" });
    await approvals.getByText("voided by edit").waitFor();
    assert.equal(await page.getByRole("button", { name: "Approve", exact: true }).count(), 0, "an auditor has no approve button");
    await shot(page, "04-approval-voided-by-edit");
  });

  const dave = await personPage(browser, server.url);
  await t.test("the implementer cannot approve their own change: no button, and the API refuses", async () => {
    const { page } = dave;
    await signIn(page, "dave");
    await openChange(page, key);
    await page.getByRole("region", { name: "Approvals" }).getByText("voided by edit").waitFor();
    assert.equal(await page.getByRole("button", { name: "Approve", exact: true }).count(), 0);
    // In place of the button, the page says why (the same check the API makes).
    await page.getByTestId("withheld-approve").getByText(/not open to you .*implement/).waitFor();
    const status = await page.evaluate(async (k) => {
      const s = await (await fetch("/api/v1/session")).json();
      const r = await fetch(`/api/v1/changes/${k}/approvals`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf_token },
        body: JSON.stringify({ decision: "approve" }),
      });
      return { status: r.status, body: await r.json() };
    }, key);
    assert.equal(status.status, 403, JSON.stringify(status.body));
    assert.match(status.body.detail, /implementer/);
  });

  await t.test("the owner and security approve the edited version", async () => {
    await openChange(bob.page, key);
    await bob.page.getByRole("button", { name: "Approve", exact: true }).click();
    await bob.page.getByRole("status").filter({ hasText: "You approved" }).waitFor();
    const sam = await personPage(browser, server.url);
    await signIn(sam.page, "sam");
    await openChange(sam.page, key);
    await sam.page.getByLabel("Comment").fill("Security review: least privilege holds.");
    await sam.page.getByRole("button", { name: "Approve", exact: true }).click();
    await sam.page.getByRole("status").filter({ hasText: "You approved" }).waitFor();
    await sam.page.locator(".badges").getByText("approved").waitFor();
    await sam.context.close();
  });

  await t.test("the approver was told: the Notifications page lists it and the count clears when read", async () => {
    const { page } = bob;
    await page.goto("/");
    await page.getByTestId("unread-count").waitFor();
    await page.getByRole("link", { name: /Notifications/ }).click();
    await page.getByRole("heading", { name: "Notifications" }).waitFor();
    await page.getByTestId("notification").filter({ hasText: `${key} awaits your approval` }).first().waitFor();
    await page.getByText("not e-mailed: e-mail is not configured on this server").first().waitFor();
    await shot(page, "05a-notifications");
    await page.getByRole("button", { name: "Mark all read" }).click();
    await page.getByText("Nothing unread.").waitFor();
    await page.getByTestId("unread-count").waitFor({ state: "detached" });
    // E-mail settings: mute one kind, saved.
    await page.getByLabel("A change I have a stake in was scheduled, started, completed, failed or rolled back").uncheck();
    await page.getByRole("button", { name: "Save e-mail settings" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  });

  await t.test("schedule, implement with uploaded evidence, verify and close", async () => {
    await openChange(alice.page, key);
    await act(alice.page, "Schedule");
    await openChange(dave.page, key);
    // Tested before production: the default policy wants a successful test result before the start.
    const evidence = dave.page.getByRole("form", { name: "Add evidence" });
    await evidence.getByLabel("Kind").selectOption("test_result");
    await evidence.getByLabel("File").setInputFiles({ name: "migration-test.txt", mimeType: "text/plain", buffer: Buffer.from("migration job: connected as deploy role in staging\nall 14 checks passed\n") });
    await evidence.getByLabel("Note").fill("Pipeline output in staging");
    await evidence.getByRole("button", { name: "Add evidence" }).click();
    await evidence.getByRole("alert").filter({ hasText: "succeeded" }).waitFor();
    await evidence.getByLabel("Outcome").selectOption("success");
    await evidence.getByRole("button", { name: "Add evidence" }).click();
    await dave.page.getByRole("status").filter({ hasText: "Evidence added" }).waitFor();
    await dave.page.getByRole("link", { name: /migration-test\.txt/ }).waitFor();
    await act(dave.page, "Start implementation");
    await act(dave.page, "Mark implemented");
    // The implementer does not verify their own work: no button for dave, and the page says why.
    assert.equal(await dave.page.getByRole("button", { name: "Record verification" }).count(), 0);
    await dave.page.getByTestId("withheld-verify").getByText(`you implemented ${key}`, { exact: false }).waitFor();

    const page = alice.page;
    await openChange(page, key);
    await page.getByRole("button", { name: "Record verification" }).click();
    await page.getByLabel("Implemented as approved (no scope creep)").check();
    await page.getByLabel("Security controls verified working").check();
    await page.getByLabel("Incidents or near misses").fill("none");
    await page.getByLabel("Lessons learned").fill("Scope the role per job from the start.");
    await page.getByRole("button", { name: "Confirm: Record verification" }).click();
    await page.getByRole("status").filter({ hasText: "done." }).waitFor();
    await page.getByRole("region", { name: "Closure checklist" }).getByText("Everything closing needs is there.").waitFor();
    await act(page, "Close");
    await page.locator(".badges").getByText("closed").waitFor();
    await shot(page, "05-change-closed");
  });

  await t.test("the audit page verifies the chain", async () => {
    const { page } = carol;
    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByRole("heading", { name: "Audit" }).waitFor();
    await page.getByRole("button", { name: "Verify chain" }).click();
    const result = page.getByTestId("verification");
    await result.getByText("Chain intact.").waitFor();
    assert.match(await result.innerText(), /\d+ events checked/);
    // The basis of trust is stated: this server pins no key, so the log's first key is trusted on first use.
    assert.match(await result.getByTestId("trust-basis").innerText(), /No key is pinned/);
    const keyRows = result.getByRole("table", { name: "Signing keys" }).locator("tbody tr");
    assert.equal(await keyRows.count(), 1);
    assert.match(await keyRows.first().innerText(), /first key of the log[\s\S]*current, trusted/);
    await shot(page, "06-audit-verified");
  });

  await t.test("the requester attaches a Terraform plan and sees it classified per resource", async () => {
    const api = new Client(server.url);
    await api.login("alice", people.alice.password);
    const draft = await api.call("POST", "/api/v1/changes", { title: "Deployer role for payments", type: "normal", service: "payments-api", environment: "production" });
    const { page } = alice;
    await openChange(page, draft.key);
    const form = page.getByRole("form", { name: "Attach a plan or manifests" });
    // A truncated plan: the server's reason, and nothing attached.
    await form.getByLabel("Plan or manifest file").setInputFiles({ name: "broken.json", mimeType: "application/json", buffer: Buffer.from('{"format_version": "1.2", "resource_changes": [') });
    await form.getByRole("button", { name: "Attach and classify" }).click();
    const problem = form.getByRole("alert");
    await problem.waitFor();
    assert.match(await problem.innerText(), /not a valid|truncated|JSON/i);
    assert.equal((await api.call("GET", `/api/v1/changes/${draft.key}`)).iac.length, 0, "a refused file attaches nothing");
    await form.getByLabel("What it is").selectOption("plan");
    await form.getByLabel("Plan or manifest file").setInputFiles(path.join(ROOT, "tests/fixtures/iac/payments-iam-sg.plan.json"));
    await form.getByRole("button", { name: "Attach and classify" }).click();
    await page.getByRole("status").filter({ hasText: "payments-iam-sg.plan.json classified: identity" }).waitFor();
    const iac = page.getByRole("region", { name: "Plan and manifest classification" });
    await iac.getByRole("cell", { name: "aws_iam_role.deployer", exact: true }).waitFor();
    assert.match(await iac.innerText(), /\d+ of \d+ resources change, \d+ with findings/);
    const detail = await api.call("GET", `/api/v1/changes/${draft.key}`);
    assert.equal(detail.iac.length, 1);
    assert.match(detail.content.plan_digest, /^sha256:[0-9a-f]{64}$/, "the plan's digest is part of the content");
    assert.equal(detail.content.security_impact.identity_access.answer, "yes", "the classification raised the impact answer");
    await shot(page, "08-plan-classified");
    // The auditor sees the classification and is offered no upload.
    await openChange(carol.page, draft.key);
    await carol.page.getByRole("cell", { name: "aws_iam_role.deployer", exact: true }).waitFor();
    assert.equal(await carol.page.getByRole("form", { name: "Attach a plan or manifests" }).count(), 0);
  });

  await t.test("a change manager declares a freeze on the calendar and lifts it", async () => {
    const { page } = alice;
    await page.goto("/calendar");
    const form = page.getByRole("form", { name: "Declare a freeze" });
    await form.getByLabel("Reason").fill("Year-end close");
    await form.getByLabel("production").check();
    await form.getByRole("button", { name: "Declare freeze" }).click();
    await page.getByRole("status").filter({ hasText: "Freeze declared: Year-end close." }).waitFor();
    const list = page.getByRole("region", { name: "Ad-hoc freezes" });
    await list.getByText("Year-end close").waitFor();
    const api = new Client(server.url);
    await api.login("bob", people.bob.password);
    const freezes = (await api.call("GET", "/api/v1/freezes")).items;
    assert.equal(freezes.length, 1);
    assert.deepEqual(freezes[0].environments, ["production"]);
    assert.deepEqual(freezes[0].allow_types, ["emergency"], "emergencies pass, flagged, by default");
    // An approver sees it and may neither declare nor lift one.
    await bob.page.goto("/calendar");
    await bob.page.getByRole("region", { name: "Ad-hoc freezes" }).getByText("Year-end close").waitFor();
    assert.equal(await bob.page.getByRole("form", { name: "Declare a freeze" }).count(), 0);
    assert.equal(await bob.page.getByRole("button", { name: /^Lift freeze/ }).count(), 0);
    await shot(page, "09-calendar-freeze");
    await list.getByRole("button", { name: "Lift freeze: Year-end close" }).click();
    await page.getByRole("status").filter({ hasText: "Freeze lifted: Year-end close." }).waitFor();
    await list.getByText("None in force or announced.").waitFor();
    assert.equal((await api.call("GET", "/api/v1/freezes")).items.length, 0);
  });

  await t.test("an administrator creates a user, changes their roles and issues a token shown once", async () => {
    const admin = await personPage(browser, server.url);
    const { page } = admin;
    await signIn(page, "admin");
    await page.getByRole("link", { name: "Admin" }).click();
    const form = page.getByRole("form", { name: "Create a user" });
    await form.getByLabel("User name").fill("erin");
    await form.getByLabel("Display name").fill("Erin");
    await form.getByLabel("approver").check();
    await form.getByLabel("implementer").uncheck();
    await form.getByRole("button", { name: "Create user" }).click();
    const secret = page.getByTestId("secret");
    await secret.waitFor();
    assert.ok((await secret.innerText()).length >= 16, "the one-time password is shown");
    const row = page.getByRole("row", { name: /erin/ });
    await row.getByText("approver").first().click();  // opens the role editor
    await row.getByLabel("auditor").check();
    await row.getByRole("button", { name: /Save roles/ }).click();
    await row.locator("summary").filter({ hasText: "approver, auditor" }).waitFor();
    await page.getByRole("link", { name: "API tokens" }).click();
    const tokenForm = page.getByRole("form", { name: "Create an API token" });
    await tokenForm.getByLabel("What it is for").fill("release pipeline");
    await tokenForm.getByLabel("gate:check").check();
    await tokenForm.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("secret").innerText()).trim();
    const me = await fetch(`${server.url}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200, "the token shown once works");
    assert.deepEqual((await me.json()).permissions.sort(), ["changes:read", "gate:check"]);
    await page.reload();
    await page.getByRole("row", { name: /release pipeline/ }).waitFor();
    assert.equal(await page.getByTestId("secret").count(), 0, "the secret is not shown again");
    await shot(page, "07-admin-tokens");
    await admin.context.close();
  });

  await t.test("each role's pages make no request the API refuses, and lay out at 1280x800 and 390x844", async () => {
    const pages = ["/", "/changes", `/changes/${key}`, "/calendar", "/audit", "/admin", "/admin/tokens", "/admin/policy", `/changes/${key}/edit`, "/changes/new"];
    for (const username of ["admin", "alice", "bob", "carol", "dave"]) {
      for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
        const p = await personPage(browser, server.url, viewport);
        await signIn(p.page, username);
        for (const target of pages) {
          // Only pages the navigation offers this role (or the change it can read).
          const section = target.split("/").slice(0, 2).join("/") || "/";
          const nav = p.page.locator("header nav");
          const offered =
            target === "/" || target.startsWith("/changes/CHG") || (await nav.locator(`a[href="${target}"]`).count()) > 0 || (await nav.locator(`a[href="${section}"]`).count()) > 0;
          if (!offered) continue;
          if (target.endsWith("/edit") && (await p.page.goto(`/changes/${key}`), await p.page.getByRole("link", { name: "Edit", exact: true }).count()) === 0) continue;
          if (target === "/changes/new" && !people[username].roles.some((r) => ["admin", "change_manager", "implementer"].includes(r))) continue;
          await p.page.goto(target);
          await p.page.locator("main h1").first().waitFor();
          await p.page.waitForLoadState("networkidle");
          const problems = await layoutProblems(p.page);
          assert.deepEqual(problems, [], `${username} ${target} at ${viewport.width}px`);
          if (username === "admin" && viewport.width === 390) await shot(p.page, `mobile-${target.replace(/\W+/g, "-").replace(/^-|-$/g, "") || "dashboard"}`);
          if (username === "admin" && viewport.width === 1280 && !target.includes(key)) await shot(p.page, `page-${target.replace(/\W+/g, "-").replace(/^-|-$/g, "") || "dashboard"}`);
        }
        const refused = p.answers.filter((a) => a.status === 401 || a.status === 403);
        // The only 401 allowed: the session probe before signing in.
        const unexpected = refused.filter((a) => !(a.status === 401 && a.path === "/api/v1/session" && a.method === "GET"));
        assert.deepEqual(unexpected, [], `${username} (${people[username].roles.join(", ")}) got refusals`);
        assert.deepEqual(p.errors, [], `${username}: script errors`);
        await p.context.close();
      }
    }
  });

  for (const p of [alice, bob, carol, dave]) await p.context.close();
});
