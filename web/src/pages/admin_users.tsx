// Admin, users: create (the one-time password shown once), reset a password,
// disable, and edit roles. Needs users:read (users:write to change).
import { useState } from "preact/hooks";
import { api, ifMatch } from "../api";
import { can, type User } from "../session";
import { ErrorBanner, Field, Loading, Secret, useLoad } from "../ui";

const ROLES = ["admin", "change_manager", "approver", "implementer", "auditor", "ci"];

export function Users() {
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
