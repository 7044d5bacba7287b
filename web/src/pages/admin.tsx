// Administration: users and roles, API tokens (the secret shown once), and
// the change policy with its version history. Each tab needs its permission.
import { useState } from "preact/hooks";
import { api, ifMatch } from "../api";
import { formatTime } from "../model";
import { Link, useLocation } from "../router";
import { can, useSession, type User } from "../session";
import { ErrorBanner, Field, Loading, Notice, PageTitle, useLoad } from "../ui";

const ROLES = ["admin", "change_manager", "approver", "implementer", "auditor", "ci"];
const SCOPES = ["self:manage", "users:read", "users:write", "tokens:admin", "audit:read", "audit:export", "system:metrics", "changes:read", "changes:write", "changes:approve", "changes:implement", "changes:manage", "policy:write", "gate:check", "evidence:write"];

export function AdminPage() {
  const { path } = useLocation();
  const tabs = [
    { href: "/admin", label: "Users", show: can("users:read") },
    { href: "/admin/tokens", label: "API tokens", show: can("self:manage") },
    { href: "/admin/policy", label: "Policy", show: can("changes:read") },
  ].filter((t) => t.show);
  const current = tabs.find((t) => t.href === path) ?? tabs[0];
  return (
    <section>
      <PageTitle>Admin</PageTitle>
      <nav class="tabs" aria-label="Admin sections">
        {tabs.map((t) => (
          <Link key={t.href} href={t.href} aria-current={t === current ? "page" : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
      {current?.href === "/admin" && <Users />}
      {current?.href === "/admin/tokens" && <Tokens />}
      {current?.href === "/admin/policy" && <PolicyView />}
    </section>
  );
}

function Secret({ label, value }: { label: string; value: string }) {
  return (
    <div class="banner ok" role="status">
      <p>
        <strong>{label}</strong> It is shown only now; copy it.
      </p>
      <code class="secret" data-testid="secret">{value}</code>
    </div>
  );
}

function Users() {
  const { data, error, reload } = useLoad(() => api<{ items: User[] }>("GET", "/api/v1/users?include_disabled=true&limit=500"), []);
  const [form, setForm] = useState({ username: "", display_name: "", email: "", roles: ["implementer"] as string[] });
  const [created, setCreated] = useState<{ user: string; password: string } | null>(null);
  const [formError, setFormError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const writable = can("users:write");
  return (
    <>
      <ErrorBanner error={error} />
      <ErrorBanner error={actionError} />
      {created && <Secret label={`One-time password for ${created.user}:`} value={created.password} />}
      {!data && !error && <Loading />}
      {data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">User name</th>
                <th scope="col">Name</th>
                <th scope="col">Roles</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                {writable && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {data.items.map((u) => (
                <tr key={u.id}>
                  <td>{u.username}</td>
                  <td>{u.display_name}</td>
                  <td>{writable ? <RoleEditor user={u} onSaved={reload} onError={setActionError} /> : u.roles.join(", ")}</td>
                  <td>{u.kind}</td>
                  <td>{u.disabled ? "disabled" : u.must_change_password ? "must set password" : "active"}</td>
                  {writable && (
                    <td class="buttons">
                      <button
                        type="button"
                        onClick={async () => {
                          setActionError(null);
                          try {
                            const r = await api<{ one_time_password: string }>("POST", `/api/v1/users/${u.id}/password-reset`, {});
                            setCreated({ user: u.username, password: r.one_time_password });
                            reload();
                          } catch (e) {
                            setActionError(e);
                          }
                        }}
                      >
                        Reset password<span class="sr-only"> of {u.username}</span>
                      </button>
                      <button
                        type="button"
                        onClick={async () => {
                          setActionError(null);
                          try {
                            await api("PATCH", `/api/v1/users/${u.id}`, { disabled: !u.disabled }, ifMatch(u.version));
                            reload();
                          } catch (e) {
                            setActionError(e);
                          }
                        }}
                      >
                        {u.disabled ? "Enable" : "Disable"}
                        <span class="sr-only"> {u.username}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {writable && (
        <form
          class="card"
          aria-label="Create a user"
          onSubmit={async (e) => {
            e.preventDefault();
            setFormError(null);
            try {
              const r = await api<{ one_time_password: string; user: User }>("POST", "/api/v1/users", {
                username: form.username.trim(),
                display_name: form.display_name.trim(),
                roles: form.roles,
                ...(form.email.trim() ? { email: form.email.trim() } : {}),
              });
              setCreated({ user: r.user.username, password: r.one_time_password });
              setForm({ username: "", display_name: "", email: "", roles: ["implementer"] });
              reload();
            } catch (err) {
              setFormError(err);
            }
          }}
        >
          <h2>Create a user</h2>
          <ErrorBanner error={formError} />
          <div class="row">
            <Field label="User name" help="Lower-case letters, digits, '.', '_' and '-'.">
              {(id, d) => <input id={id} name="new-username" aria-describedby={d} required value={form.username} onInput={(e) => setForm({ ...form, username: e.currentTarget.value })} />}
            </Field>
            <Field label="Display name">
              {(id) => <input id={id} name="new-display-name" required value={form.display_name} onInput={(e) => setForm({ ...form, display_name: e.currentTarget.value })} />}
            </Field>
            <Field label="E-mail">
              {(id) => <input id={id} type="email" value={form.email} onInput={(e) => setForm({ ...form, email: e.currentTarget.value })} />}
            </Field>
          </div>
          <fieldset>
            <legend>Roles</legend>
            <div class="choices">
              {ROLES.map((r) => (
                <label key={r}>
                  <input
                    type="checkbox"
                    name={`role-${r}`}
                    checked={form.roles.includes(r)}
                    onChange={(e) => setForm({ ...form, roles: e.currentTarget.checked ? [...form.roles, r] : form.roles.filter((x) => x !== r) })}
                  />
                  {r.replace("_", " ")}
                </label>
              ))}
            </div>
          </fieldset>
          <button type="submit" class="primary">
            Create user
          </button>
        </form>
      )}
    </>
  );
}

// A user's roles, changed in place (PATCH /api/v1/users/{id}); audited by the server.
function RoleEditor({ user, onSaved, onError }: { user: User; onSaved: () => void; onError: (e: unknown) => void }) {
  const [roles, setRoles] = useState(user.roles);
  const changed = roles.slice().sort().join() !== user.roles.slice().sort().join();
  return (
    <details>
      <summary>{user.roles.join(", ")}</summary>
      <fieldset>
        <legend class="sr-only">Roles of {user.username}</legend>
        {ROLES.map((r) => (
          <label key={r} class="check">
            <input type="checkbox" checked={roles.includes(r)} onChange={(e) => setRoles(e.currentTarget.checked ? [...roles, r] : roles.filter((x) => x !== r))} />
            {r.replace("_", " ")}
          </label>
        ))}
        <button
          type="button"
          disabled={!changed || roles.length === 0}
          onClick={async () => {
            onError(null);
            try {
              await api("PATCH", `/api/v1/users/${user.id}`, { roles }, ifMatch(user.version));
              onSaved();
            } catch (e) {
              onError(e);
            }
          }}
        >
          Save roles<span class="sr-only"> of {user.username}</span>
        </button>
      </fieldset>
    </details>
  );
}

interface Token {
  id: string;
  name: string;
  user_id: string;
  scopes: string[];
  status: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
}

function Tokens() {
  const { user } = useSession();
  const all = can("tokens:admin");
  const { data, error, reload } = useLoad(() => api<{ items: Token[] }>("GET", all ? "/api/v1/tokens?all=true" : "/api/v1/tokens"), [all]);
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const [scopes, setScopes] = useState<string[]>(["changes:read"]);
  const [secret, setSecret] = useState<string | null>(null);
  const [formError, setFormError] = useState<unknown>(null);
  const [revokeError, setRevokeError] = useState<unknown>(null);
  const mine = useSession().permissions;
  return (
    <>
      <ErrorBanner error={error} />
      <ErrorBanner error={revokeError} />
      {secret && <Secret label="Your new token:" value={secret} />}
      {!data && !error && <Loading />}
      {data && data.items.length === 0 && <p>No API tokens.</p>}
      {data && data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                {all && <th scope="col">Owner</th>}
                <th scope="col">Scopes</th>
                <th scope="col">Status</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  {all && <td>{t.user_id === user?.id ? "me" : t.user_id}</td>}
                  <td class="small">{t.scopes.join(", ")}</td>
                  <td>{t.status}</td>
                  <td>{formatTime(t.expires_at)}</td>
                  <td>{formatTime(t.last_used_at) || "never"}</td>
                  <td>
                    {t.status === "active" && (t.user_id === user?.id || all) && (
                      <button
                        type="button"
                        class="danger"
                        onClick={async () => {
                          setRevokeError(null);
                          try {
                            await api("DELETE", `/api/v1/tokens/${t.id}`);
                            reload();
                          } catch (e) {
                            setRevokeError(e);
                          }
                        }}
                      >
                        Revoke<span class="sr-only"> {t.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form
        class="card"
        aria-label="Create an API token"
        onSubmit={async (e) => {
          e.preventDefault();
          setFormError(null);
          try {
            const r = await api<{ secret: string }>("POST", "/api/v1/tokens", { name: name.trim(), scopes, expires_in_days: Number(days) });
            setSecret(r.secret);
            setName("");
            reload();
          } catch (err) {
            setFormError(err);
          }
        }}
      >
        <h2>Create an API token</h2>
        <p class="help">The token acts as you, narrowed to the scopes you pick (only scopes your roles have).</p>
        <ErrorBanner error={formError} />
        <div class="row">
          <Field label="What it is for">
            {(id) => <input id={id} required value={name} onInput={(e) => setName(e.currentTarget.value)} />}
          </Field>
          <Field label="Expires in days">
            {(id) => <input id={id} type="number" min={1} max={366} required value={days} onInput={(e) => setDays(e.currentTarget.value)} />}
          </Field>
        </div>
        <fieldset>
          <legend>Scopes</legend>
          <div class="choices">
            {SCOPES.filter((s) => mine.includes(s)).map((s) => (
              <label key={s}>
                <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} />
                {s}
              </label>
            ))}
          </div>
        </fieldset>
        <button type="submit" class="primary" disabled={scopes.length === 0}>
          Create token
        </button>
      </form>
    </>
  );
}

interface PolicyVersion {
  version: number;
  name: string;
  sha256: string;
  origin: string;
  created_by: string;
  created_at: string;
  source?: string;
}

function PolicyView() {
  const [shown, setShown] = useState<number | null>(null);
  const { data, error } = useLoad(async () => {
    const [current, versions] = await Promise.all([api<PolicyVersion>("GET", "/api/v1/policy"), api<{ items: PolicyVersion[] }>("GET", "/api/v1/policy/versions")]);
    return { current, versions: versions.items };
  }, []);
  const version = useLoad(async () => (shown == null ? null : api<PolicyVersion>("GET", `/api/v1/policy/versions/${shown}`)), [shown]);
  if (error) return <ErrorBanner error={error} />;
  if (!data) return <Loading />;
  const doc = shown != null ? version.data : data.current;
  return (
    <>
      <p>
        Active: <strong>{data.current.name}</strong>, version {data.current.version} ({data.current.origin}, {formatTime(data.current.created_at)}).{" "}
        {can("policy:write") && <span class="muted">Publish a new version with <code>changeledger policy</code> or PUT /api/v1/policy.</span>}
      </p>
      <div class="table-wrap">
        <table>
          <caption>Version history</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Name</th>
              <th scope="col">Origin</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
              <th scope="col">SHA-256</th>
              <th scope="col">YAML</th>
            </tr>
          </thead>
          <tbody>
            {data.versions.map((v) => (
              <tr key={v.version}>
                <td>{v.version}</td>
                <td>{v.name}</td>
                <td>{v.origin}</td>
                <td>{v.created_by}</td>
                <td>{formatTime(v.created_at)}</td>
                <td>
                  <code class="small">{v.sha256.slice(0, 16)}…</code>
                </td>
                <td>
                  <button type="button" aria-pressed={(shown ?? data.current.version) === v.version} onClick={() => setShown(v.version === data.current.version ? null : v.version)}>
                    Show<span class="sr-only"> version {v.version}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {version.error && <ErrorBanner error={version.error} />}
      {doc && (
        <>
          <h2>Version {doc.version}</h2>
          <pre class="yaml" tabIndex={0} aria-label={`Policy version ${doc.version} YAML`}>
            {doc.source}
          </pre>
        </>
      )}
      {shown != null && !doc && <Notice>Loading version {shown}…</Notice>}
    </>
  );
}
