// Change control scenarios against the real server (C1 acceptance): risk-
// based approvals, segregation of duties, approvals voided by edits,
// standard changes, emergencies going overdue, closure and console gates,
// and the policy itself. Every scenario ends with an intact audit chain.
#include <algorithm>

#include "tests/api/change_api_fixture.h"

namespace cl::testing {
namespace {

TEST_F(ChangeApiTest, NormalHighRiskIamChangeNeedsServiceOwnerAndSecurity) {
  const std::string key = Create(NormalChange("production", /*iam=*/true));
  ASSERT_EQ(key, "CHG-1");
  EXPECT_EQ(Get(key)["state"], "draft");

  Reply submitted = Act(key, "submit", p().alice);
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  const nlohmann::json a = submitted.json()["assessment"];
  EXPECT_EQ(submitted.json()["risk"], "high");
  EXPECT_EQ(a["required_roles"], nlohmann::json({"security", "service_owner"}));
  EXPECT_EQ(a["min_distinct_approvers"], 2);
  EXPECT_EQ(a["risk_rules"][0]["id"], "iam") << "the response explains which rule fired";
  EXPECT_EQ(submitted.json()["policy_version"], 1);

  // carol approves changes, but is neither the payments owner nor security.
  EXPECT_TRUE(IsProblem(Decide(key, p().carol), 403, "forbidden"));

  Reply owner = Decide(key, p().bob);
  ASSERT_EQ(owner.status, 201) << owner.body;
  EXPECT_EQ(owner.json()["role"], "service_owner");
  EXPECT_EQ(owner.json()["material_sha256"], submitted.json()["material_sha256"]);
  nlohmann::json after_one = Get(key);
  EXPECT_EQ(after_one["state"], "submitted");
  EXPECT_EQ(after_one["approval"]["outstanding"][0], "an approval as security");

  Reply sec = Decide(key, p().sam);
  ASSERT_EQ(sec.status, 201) << sec.body;
  EXPECT_EQ(sec.json()["role"], "security");
  nlohmann::json approved = Get(key);
  EXPECT_EQ(approved["state"], "approved");
  EXPECT_TRUE(approved["approval"]["complete"].get<bool>());
  // A second approval from the same person is refused.
  EXPECT_TRUE(IsProblem(Decide(key, p().bob), 409, "conflict"));

  ASSERT_EQ(Act(key, "schedule", p().alice).status, 200);
  // Only the assigned implementer starts it.
  EXPECT_TRUE(IsProblem(Act(key, "start", p().alice), 403, "forbidden"));
  ASSERT_EQ(Act(key, "start", p().ivan).status, 200);
  // Normal changes take no approvals once implementation started (R001-14).
  Reply late = Decide(key, p().carol);
  EXPECT_TRUE(IsProblem(late, 409, "conflict"));
  EXPECT_TRUE(Has(late.body, "approvals after implementation started are not possible"));
  ASSERT_EQ(Act(key, "complete", p().ivan).status, 200);
  Evidence(key, "test_result");
  // The verification attests the evidence: it waits for the policy's closure evidence.
  Reply early = Act(key, "verify", p().alice, VerificationChecklist());
  EXPECT_TRUE(IsProblem(early, 409, "requirements-not-met")) << "iac changes need a config diff";
  EXPECT_TRUE(Has(early.body, "/evidence/config_diff"));
  Evidence(key, "config_diff");
  ASSERT_EQ(Act(key, "verify", p().alice, VerificationChecklist()).status, 200);
  Reply closed = Act(key, "close", p().alice);
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.json()["state"], "closed");

  const nlohmann::json done = Get(key);
  std::vector<std::string> path;
  for (const auto& t : done["transitions"]) path.push_back(t["to"]);
  EXPECT_EQ(path, (std::vector<std::string>{"submitted", "approved", "scheduled", "in_progress", "implemented",
                                            "verified", "closed"}));
  const std::string actions = AuditActions(server());
  for (const char* action : {"change.create", "change.submit", "approval.approve", "change.approve", "change.schedule",
                             "change.start", "change.complete", "evidence.add", "change.verify", "change.close"}) {
    EXPECT_TRUE(Has(actions, action)) << action;
  }
}

TEST_F(ChangeApiTest, ImplementerCannotBeTheOnlyApprover) {
  const std::string key = Create(NormalChange("staging", false));
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  // ivan owns payments but is the assigned implementer.
  Reply self = Decide(key, p().ivan);
  EXPECT_TRUE(IsProblem(self, 403, "segregation-of-duties")) << self.body;
  EXPECT_TRUE(Has(self.body, "independent approver must approve first"));
  EXPECT_EQ(Get(key)["approvals"].size(), 0u) << "a refused approval stores nothing";
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  EXPECT_EQ(Get(key)["state"], "approved");

  // Unassigned change: ivan approves alone, then tries to implement it.
  nlohmann::json open = NormalChange("staging", false);
  open.erase("implementer");
  const std::string key2 = Create(open);
  ASSERT_EQ(Act(key2, "submit", p().alice).status, 200);
  ASSERT_EQ(Decide(key2, p().ivan).status, 201);
  ASSERT_EQ(Act(key2, "schedule", p().alice).status, 200);
  Reply start = Act(key2, "start", p().ivan);
  EXPECT_TRUE(IsProblem(start, 403, "segregation-of-duties")) << start.body;
  EXPECT_EQ(Get(key2)["state"], "scheduled");
}

TEST_F(ChangeApiTest, MaterialEditVoidsApprovalsButDescriptionDoesNot) {
  const std::string key = Create(NormalChange("staging", false));
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  ASSERT_EQ(Get(key)["state"], "approved");

  Reply cosmetic = http().Edit("/api/v1/changes/" + key, {{"description", "typo fixed"}}, p().alice.token);
  ASSERT_EQ(cosmetic.status, 200) << cosmetic.body;
  nlohmann::json still = Get(key);
  EXPECT_EQ(still["state"], "approved");
  EXPECT_EQ(still["approvals"][0]["status"], "valid");
  EXPECT_EQ(still["content_version"], 2);

  const std::string approved_hash = still["material_sha256"];
  Reply edit =
      http().Edit("/api/v1/changes/" + key, {{"rollback_plan", "Restore the snapshot instead"}}, p().alice.token);
  ASSERT_EQ(edit.status, 200) << edit.body;
  nlohmann::json after = Get(key);
  EXPECT_EQ(after["state"], "submitted") << "needs approval again";
  EXPECT_NE(after["material_sha256"], approved_hash);
  EXPECT_EQ(after["approvals"][0]["status"], "void");
  EXPECT_EQ(after["approvals"][0]["material_sha256"], approved_hash);
  EXPECT_TRUE(Has(after["approvals"][0]["voided_reason"].get<std::string>(), "content changed in version 3"));
  EXPECT_FALSE(after["approval"]["complete"].get<bool>());
  EXPECT_EQ(after["versions"].size(), 3u);
  EXPECT_TRUE(Has(AuditActions(server()), "approval.void"));

  // The same approver may approve the new content.
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  EXPECT_EQ(Get(key)["state"], "approved");

  // Stale If-Match is refused.
  Reply stale = http().Send(
      "PATCH", "/api/v1/changes/" + key, R"({"title":"x"})",
      {{"Authorization", "Bearer " + p().alice.token}, {"Content-Type", "application/json"}, {"If-Match", "\"1\""}});
  EXPECT_TRUE(IsProblem(stale, 409, "conflict")) << stale.body;
}

TEST_F(ChangeApiTest, StandardChangeFromTemplateSkipsApprovalButIsStillVerified) {
  nlohmann::json in = {
      {"title", "ignored"},
      {"type", "standard"},
      {"service", "payments"},
      {"environment", "production"},
      {"planned_window", {{"start", "2026-09-21T22:00:00+02:00"}, {"end", "2026-09-21T23:00:00+02:00"}}},
      {"template", {{"id", "restart-workers"}, {"parameters", {{"pool", "blue"}}}}}};
  in.erase("title");
  in["title"] = nullptr;
  Reply bad = http().Json("POST", "/api/v1/changes",
                          {{"title", "x"},
                           {"type", "standard"},
                           {"service", "payments"},
                           {"environment", "production"},
                           {"template", {{"id", "restart-workers"}, {"parameters", {{"pool", "purple"}}}}}},
                          p().alice.token);
  EXPECT_TRUE(IsProblem(bad, 422, "validation-failed")) << bad.body;
  EXPECT_TRUE(Has(bad.body, "/template/parameters/pool"));

  const std::string key = Create({{"title", "Restart"},
                                  {"type", "standard"},
                                  {"service", "payments"},
                                  {"environment", "production"},
                                  {"planned_window", in["planned_window"]},
                                  {"template", in["template"]}});
  nlohmann::json c = Get(key);
  EXPECT_EQ(c["content"]["implementation_plan"], "Rolling restart of pool blue");
  Reply submitted = Act(key, "submit", p().alice);
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  EXPECT_EQ(submitted.json()["state"], "approved");
  EXPECT_TRUE(submitted.json()["assessment"]["pre_approved"].get<bool>());
  EXPECT_TRUE(IsProblem(Decide(key, p().bob), 409, "conflict"));
  EXPECT_TRUE(IsProblem(Act(key, "start", p().ivan), 409, "conflict")) << "no skipping: schedule first";
  // A submitted standard change is fixed by its template: no edit or plan is
  // offered, and the API refuses both.
  const nlohmann::json fixed = http().Get("/api/v1/changes/" + key, p().alice.token).json()["permits"];
  EXPECT_FALSE(fixed["edit"].get<bool>()) << fixed;
  EXPECT_FALSE(fixed["attach_plan"].get<bool>()) << fixed;
  EXPECT_TRUE(
      IsProblem(http().Edit("/api/v1/changes/" + key, {{"description", "more"}}, p().alice.token), 409, "conflict"));
  EXPECT_TRUE(IsProblem(
      http().Send(
          "POST", "/api/v1/changes/" + key + "/plans",
          R"({"format_version":"1.2","resource_changes":[{"address":"aws_s3_bucket.b","mode":"managed","type":"aws_s3_bucket","name":"b","change":{"actions":["create"],"before":null,"after":{}}}]})",
          {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + p().alice.token}}),
      409, "conflict"));
  ASSERT_EQ(Act(key, "schedule", p().alice).status, 200);
  ASSERT_EQ(Act(key, "start", p().ivan).status, 200);
  ASSERT_EQ(Act(key, "complete", p().ivan).status, 200);
  EXPECT_TRUE(IsProblem(Act(key, "close", p().alice), 409, "conflict")) << "verification first";
  Reply incomplete = Act(key, "verify", p().alice, {{"checklist", {{"implemented_as_approved", true}}}});
  EXPECT_TRUE(IsProblem(incomplete, 422, "validation-failed"));
  EXPECT_TRUE(Has(incomplete.body, "/checklist/lessons_learned"));
  ASSERT_EQ(Act(key, "verify", p().alice, VerificationChecklist()).status, 200);
  ASSERT_EQ(Act(key, "close", p().alice).status, 200);
}

TEST_F(ChangeApiTest, EmergencyGoesOverdueWithoutRetrospectiveAndRaisesAFinding) {
  nlohmann::json in = NormalChange("production", false);
  in["type"] = "emergency";
  const std::string key = Create(in);
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  Reply start = Act(key, "start", p().ivan);
  ASSERT_EQ(start.status, 200) << start.body;
  EXPECT_EQ(start.json()["state"], "in_progress");
  ASSERT_FALSE(start.json()["review_deadline"].is_null());
  EXPECT_FALSE(Get(key)["overdue"].get<bool>());
  EXPECT_EQ(http().Get("/api/v1/findings", p().admin.token).json()["items"].size(), 0u);

  manual_clock_.Advance(73LL * 3600 * kMicrosPerSecond);
  EXPECT_TRUE(Get(key)["overdue"].get<bool>());
  Reply findings = http().Get("/api/v1/findings?status=open", p().admin.token);
  ASSERT_EQ(findings.status, 200) << findings.body;
  ASSERT_EQ(findings.json()["items"].size(), 1u);
  const nlohmann::json f = findings.json()["items"][0];
  EXPECT_EQ(f["kind"], "emergency_review_overdue");
  EXPECT_EQ(f["object_id"], key);
  EXPECT_TRUE(Has(f["summary"].get<std::string>(), "approvals and retrospective review"));
  EXPECT_EQ(http().Get("/api/v1/findings", p().admin.token).json()["items"].size(), 1u) << "raised once";

  // Late approval is recorded as retrospective; the retrospective needs the CAB.
  Reply approval = Decide(key, p().bob);
  ASSERT_EQ(approval.status, 201) << approval.body;
  EXPECT_TRUE(approval.json()["retrospective"].get<bool>());
  nlohmann::json review = {{"kind", "retrospective"}, {"outcome", "accepted"}, {"notes", "Root cause understood"}};
  // The permits say who may hold it (what the UI offers), and the API agrees.
  auto review_permits = [&](const TestUser& who) {
    return http().Get("/api/v1/changes/" + key, who.token).json()["permits"]["reviews"];
  };
  EXPECT_EQ(review_permits(p().carol), nlohmann::json({"retrospective"}));
  EXPECT_EQ(review_permits(p().sam), nlohmann::json::array()) << "sam is not on the CAB";
  EXPECT_EQ(review_permits(p().ivan), nlohmann::json::array()) << "the implementer is not independent";
  EXPECT_TRUE(
      IsProblem(http().Json("POST", "/api/v1/changes/" + key + "/reviews", review, p().sam.token), 403, "forbidden"));
  ASSERT_EQ(http().Json("POST", "/api/v1/changes/" + key + "/reviews", review, p().carol.token).status, 201);
  EXPECT_FALSE(Get(key)["overdue"].get<bool>());
  EXPECT_TRUE(Has(AuditActions(server()), "finding.create"));
}

TEST_F(ChangeApiTest, RepeatEmergenciesAreProposedAsStandardChanges) {
  for (int i = 0; i < 3; ++i) {
    nlohmann::json in = NormalChange("production", false);
    in["type"] = "emergency";
    Create(in);
  }
  Reply r = http().Get("/api/v1/reports/emergency-patterns", p().admin.token);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json()["items"].size(), 1u);
  EXPECT_EQ(r.json()["items"][0]["count"], 3);
  EXPECT_EQ(r.json()["items"][0]["changes"], nlohmann::json({"CHG-1", "CHG-2", "CHG-3"}));
}

TEST_F(ChangeApiTest, ClosureIsRefusedUntilThePolicysEvidenceIsThere) {
  const std::string key = Create(NormalChange("staging", false));
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  ASSERT_EQ(Act(key, "schedule", p().alice).status, 200);
  ASSERT_EQ(Act(key, "start", p().ivan).status, 200);
  ASSERT_EQ(Act(key, "complete", p().ivan).status, 200);
  std::vector<std::string> missing;
  const nlohmann::json completed = Get(key);
  for (const auto& m : completed["closure_missing"]) missing.push_back(m["pointer"]);
  EXPECT_EQ(missing, (std::vector<std::string>{"/evidence/test_result", "/verification"}));
  Reply refused = Act(key, "verify", p().alice, VerificationChecklist());
  EXPECT_TRUE(IsProblem(refused, 409, "requirements-not-met")) << refused.body;
  EXPECT_EQ(refused.json()["errors"][0]["pointer"], "#/evidence/test_result") << refused.body;
  EXPECT_TRUE(Has(refused.body, "no successful test_result evidence")) << refused.body;

  // Superseded evidence does not count.
  Reply ev = http().Json("POST", "/api/v1/changes/" + key + "/evidence",
                         {{"kind", "test_result"}, {"outcome", "success"}, {"url", "https://ci.example.com/runs/1"}},
                         p().alice.token);
  ASSERT_EQ(ev.status, 201);
  EXPECT_EQ(ev.json()["outcome"], "success");
  EXPECT_TRUE(ev.json()["satisfies"].get<bool>());
  const std::string id = ev.json()["id"];
  ASSERT_EQ(http()
                .Json("PATCH", "/api/v1/changes/" + key + "/evidence/" + id,
                      {{"status", "superseded"}, {"reason", "wrong run"}}, p().bob.token, {{"If-Match", "\"valid\""}})
                .status,
            200);
  EXPECT_TRUE(IsProblem(Act(key, "verify", p().alice, VerificationChecklist()), 409, "requirements-not-met"));
  // Neither does a failed test: it is kept and shown, and it blocks until a successful one follows.
  manual_clock_.Advance(kMicrosPerSecond);
  Evidence(key, "test_result", "failure");
  const nlohmann::json failed = Get(key);
  EXPECT_EQ(failed["evidence"].back()["outcome"], "failure");
  EXPECT_FALSE(failed["evidence"].back()["satisfies"].get<bool>());
  Reply still = Act(key, "verify", p().alice, VerificationChecklist());
  EXPECT_TRUE(IsProblem(still, 409, "requirements-not-met")) << still.body;
  EXPECT_TRUE(Has(still.body, "failed; attach a successful one")) << still.body;
  manual_clock_.Advance(kMicrosPerSecond);
  Evidence(key, "test_result");
  ASSERT_EQ(Act(key, "verify", p().alice, VerificationChecklist()).status, 200);
  ASSERT_EQ(Act(key, "close", p().alice).status, 200);
}

TEST_F(ChangeApiTest, ConsoleChangeNeedsSnapshotsAndASignOff) {
  nlohmann::json in = NormalChange("staging", false);
  in["category"] = "console_admin";
  const std::string key = Create(in);
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  ASSERT_EQ(Act(key, "schedule", p().alice).status, 200);
  Reply start = Act(key, "start", p().ivan);
  EXPECT_TRUE(IsProblem(start, 409, "requirements-not-met")) << start.body;
  EXPECT_EQ(start.json()["errors"][0]["pointer"], "#/evidence/before_snapshot");

  const std::string before = R"({"security_group":"sg-1","ingress":[]})";
  Reply upload = http().Json("POST", "/api/v1/changes/" + key + "/evidence",
                             {{"kind", "before_snapshot"},
                              {"filename", "before.json"},
                              {"content_type", "application/json"},
                              {"content_base64", Base64(before)}},
                             p().alice.token);
  ASSERT_EQ(upload.status, 201) << upload.body;
  const std::string sha = upload.json()["sha256"];
  Reply file = http().Get("/api/v1/files/" + sha, p().admin.token);
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, before);
  // A PDF label on JSON bytes is refused.
  EXPECT_TRUE(IsProblem(
      http().Json("POST", "/api/v1/changes/" + key + "/evidence",
                  {{"kind", "after_snapshot"}, {"content_type", "application/pdf"}, {"content_base64", Base64(before)}},
                  p().alice.token),
      422, "validation-failed"));

  ASSERT_EQ(Act(key, "start", p().ivan).status, 200);
  EXPECT_TRUE(IsProblem(Act(key, "complete", p().ivan), 409, "requirements-not-met"));
  ASSERT_EQ(http()
                .Json("POST", "/api/v1/changes/" + key + "/evidence",
                      {{"kind", "after_snapshot"},
                       {"filename", "after.json"},
                       {"content_type", "application/json"},
                       {"content_base64", Base64(R"({"security_group":"sg-1","ingress":[443]})")}},
                      p().alice.token)
                .status,
            201);
  ASSERT_EQ(Act(key, "complete", p().ivan).status, 200);
  Evidence(key, "test_result");
  ASSERT_EQ(Act(key, "verify", p().alice, VerificationChecklist()).status, 200);
  Reply refused = Act(key, "close", p().alice);
  EXPECT_TRUE(IsProblem(refused, 409, "requirements-not-met"));
  EXPECT_TRUE(Has(refused.body, "/reviews/console_signoff")) << refused.body;
  nlohmann::json signoff = {{"kind", "console_signoff"}, {"outcome", "accepted"}, {"notes", "Diff matches the plan"}};
  EXPECT_TRUE(IsProblem(http().Json("POST", "/api/v1/changes/" + key + "/reviews", signoff, p().ivan.token), 403,
                        "segregation-of-duties"));
  ASSERT_EQ(http().Json("POST", "/api/v1/changes/" + key + "/reviews", signoff, p().sam.token).status, 201);
  ASSERT_EQ(Act(key, "close", p().alice).status, 200);
}

TEST_F(ChangeApiTest, SubmitListsEveryMissingField) {
  const std::string key = Create(
      {{"title", "Tune the pool"}, {"service", "payments"}, {"environment", "staging"}, {"category", "technical"}});
  Reply r = Act(key, "submit", p().alice);
  ASSERT_TRUE(IsProblem(r, 422, "validation-failed")) << r.body;
  std::vector<std::string> pointers;
  const nlohmann::json body = r.json();
  for (const auto& e : body["errors"]) pointers.push_back(e["pointer"]);
  EXPECT_EQ(pointers, (std::vector<std::string>{"#/justification", "#/security_impact", "#/implementation_plan",
                                                "#/rollback_plan", "#/test_plan", "#/planned_window"}));
  EXPECT_EQ(Get(key)["state"], "draft");
}

TEST_F(ChangeApiTest, PolicyVersionsAreValidatedStoredAndRecordedOnChanges) {
  Reply broken =
      http().Json("PUT", "/api/v1/policy",
                  {{"source", "format: 1\nname: x\nenvironments: [prod]\nrisk: {default: severe}\n"}}, p().admin.token);
  ASSERT_TRUE(IsProblem(broken, 422, "validation-failed")) << broken.body;
  EXPECT_TRUE(Has(broken.body, "line 4")) << broken.body;
  EXPECT_TRUE(Has(broken.body, "'severe' is not one of low, medium, high, critical"));
  EXPECT_TRUE(IsProblem(http().Json("PUT", "/api/v1/policy", {{"source", kScenarioPolicy}}, p().alice.token), 403,
                        "forbidden"));

  std::string next = kScenarioPolicy;
  next.replace(next.find("name: Scenario policy"), 21, "name: Scenario policy v2");
  Reply published = http().Json("PUT", "/api/v1/policy", {{"source", next}}, p().admin.token);
  ASSERT_EQ(published.status, 201) << published.body;
  EXPECT_EQ(published.json()["version"], 2);
  EXPECT_TRUE(IsProblem(http().Json("PUT", "/api/v1/policy", {{"source", next}}, p().admin.token), 409, "conflict"));
  EXPECT_EQ(http().Get("/api/v1/policy/versions", p().alice.token).json()["items"].size(), 2u);
  EXPECT_EQ(http().Get("/api/v1/policy", p().alice.token).json()["name"], "Scenario policy v2");

  const std::string key = Create(NormalChange("staging", false));
  EXPECT_EQ(Act(key, "submit", p().alice).json()["policy_version"], 2);
  Reply eval = http().Json("POST", "/api/v1/policy/evaluate", NormalChange("production", true), p().alice.token);
  ASSERT_EQ(eval.status, 200) << eval.body;
  EXPECT_EQ(eval.json()["assessment"]["risk"], "high");
}

TEST_F(ChangeApiTest, ListFiltersSortsAndPages) {
  for (int i = 0; i < 5; ++i) Create(NormalChange(i % 2 ? "production" : "staging", false));
  Reply all = http().Get("/api/v1/changes?limit=2", p().admin.token);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json()["items"][0]["key"], "CHG-5") << "newest first";
  std::vector<std::string> keys;
  std::string after;
  for (int page = 0; page < 5; ++page) {
    Reply r =
        http().Get("/api/v1/changes?sort=number&limit=2" + (after.empty() ? "" : "&after=" + after), p().admin.token);
    ASSERT_EQ(r.status, 200) << r.body;
    const nlohmann::json page_body = r.json();
    for (const auto& c : page_body["items"]) keys.push_back(c["key"]);
    if (page_body["next_after"].is_null()) break;
    after = page_body["next_after"];
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"CHG-1", "CHG-2", "CHG-3", "CHG-4", "CHG-5"}));
  Reply prod = http().Get("/api/v1/changes?environment=production&state=draft", p().admin.token);
  EXPECT_EQ(prod.json()["items"].size(), 2u);
  EXPECT_TRUE(IsProblem(http().Get("/api/v1/changes?state=bogus", p().admin.token), 422, "validation-failed"));
  EXPECT_TRUE(IsProblem(http().Get("/api/v1/changes?after=x.y", p().admin.token), 422, "validation-failed"));
  EXPECT_TRUE(IsProblem(http().Get("/api/v1/changes/CHG-99", p().admin.token), 404, "not-found"));
}

}  // namespace
}  // namespace cl::testing
