// Admin, API tokens: create one scoped to your own permissions (the secret
// shown once), list and revoke.
import { useState } from "preact/hooks";
import { api } from "../api";
import { formatTime } from "../model";
import { can, useSession } from "../session";
import { ErrorBanner, Field, Loading, Secret, useLoad } from "../ui";

const SCOPES = ["self:manage", "users:read", "users:write", "tokens:admin", "audit:read", "audit:export", "system:metrics", "changes:read", "changes:write", "changes:approve", "changes:implement", "changes:manage", "policy:write", "gate:check", "evidence:write"];

export interface Token {
  id: string;
  name: string;
  user_id: string;
  scopes: string[];
  status: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
}

export function Tokens() {
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
