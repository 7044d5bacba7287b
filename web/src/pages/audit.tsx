// The audit log: events with filters and paging, a button that verifies the
// whole hash chain and its signed checkpoints on the server, and findings.
import { useState } from "preact/hooks";
import { api } from "../api";
import { formatTime, type AuditItem } from "../model";
import { navigate, useLocation, withQuery } from "../router";
import { ErrorBanner, Field, Loading, PageTitle, Pager, useLoad } from "../ui";

export interface Verification {
  ok: boolean;
  events_checked: number;
  checkpoints_verified: number;
  head_seq: number;
  head_hash: string;
  last_signed_seq: number;
  witnessed_checkpoints: number;
  pinned: boolean;
  keys: VerifiedKey[];
  first_bad_seq: number | null;
  problem: string | null;
}
export interface VerifiedKey {
  key_id: string;
  registered_seq: number;
  endorsed_by: string | null;
  retired_seq: number | null;
  pinned: boolean;
  first: boolean;
  trusted: boolean;
}
export interface Finding {
  id: string;
  kind: string;
  severity: string;
  summary: string;
  object_type: string;
  object_id: string;
  status: string;
  created_at: string;
}

const FILTERS = ["action", "object_type", "object_id", "actor_id", "after"] as const;

export function AuditPage() {
  const { query } = useLocation();
  const tab = query.get("tab") === "findings" ? "findings" : "events";
  return (
    <section>
      <PageTitle>Audit</PageTitle>
      <div class="tabs" role="tablist" aria-label="Audit">
        <button type="button" role="tab" aria-selected={tab === "events"} onClick={() => navigate("/audit")}>
          Events
        </button>
        <button type="button" role="tab" aria-selected={tab === "findings"} onClick={() => navigate("/audit?tab=findings")}>
          Findings
        </button>
      </div>
      {tab === "events" ? <Events /> : <Findings />}
    </section>
  );
}

function Events() {
  const { query } = useLocation();
  const f: Record<string, string> = {};
  for (const k of FILTERS) f[k] = query.get(k) ?? "";
  const { data, error } = useLoad(() => api<{ items: AuditItem[]; next_after: number | null }>("GET", withQuery("/api/v1/audit/events", { ...f, limit: "50" })), [JSON.stringify(f)]);
  const [verification, setVerification] = useState<Verification | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const [verifying, setVerifying] = useState(false);
  const set = (k: string, v: string) => navigate(withQuery("/audit", { ...f, [k]: v, ...(k !== "after" ? { after: undefined } : {}) }), true);
  return (
    <>
      <div class="verify">
        <button
          type="button"
          class="primary"
          disabled={verifying}
          onClick={async () => {
            setVerifying(true);
            setVerifyError(null);
            try {
              setVerification(await api<Verification>("GET", "/api/v1/audit/verification"));
            } catch (e) {
              setVerifyError(e);
            } finally {
              setVerifying(false);
            }
          }}
        >
          {verifying ? "Verifying…" : "Verify chain"}
        </button>
        <ErrorBanner error={verifyError} />
        {verification && (
          <div class={`banner ${verification.ok ? "ok" : "error"}`} role="status" data-testid="verification">
            {verification.ok ? (
              <strong>Chain intact.</strong>
            ) : (
              <strong>Chain broken{verification.first_bad_seq != null ? ` at event ${verification.first_bad_seq}` : ""}: {verification.problem}</strong>
            )}{" "}
            {verification.events_checked} events checked, {verification.checkpoints_verified} signed checkpoints verified
            {verification.witnessed_checkpoints > 0 ? ` (${verification.witnessed_checkpoints} also held by a witness)` : ""}; head #
            {verification.head_seq} <code class="hash">{verification.head_hash.slice(0, 16)}…</code>
            {verification.last_signed_seq < verification.head_seq && ` Events after #${verification.last_signed_seq} await the next checkpoint.`}
            <p class="small" data-testid="trust-basis">
              {verification.pinned
                ? "Keys are pinned by this server's configuration: only pinned keys and keys they endorsed are trusted."
                : "No key is pinned: the log's first key is trusted on first use. Pin its id (serve --trusted-audit-key) so a rewritten database cannot bring its own key."}
            </p>
            {verification.keys.length > 0 && <KeyTable keys={verification.keys} />}
          </div>
        )}
      </div>
      <form class="filters" role="search" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        {(["action", "object_type", "object_id", "actor_id"] as const).map((k) => (
          <Field key={k} label={k.replace("_", " ")}>
            {(id) => <input id={id} value={f[k]} onChange={(e) => set(k, e.currentTarget.value)} />}
          </Field>
        ))}
      </form>
      <ErrorBanner error={error} />
      {!data && !error && <Loading />}
      {data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Object</th>
                <th scope="col">Changed</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((a) => (
                <tr key={a.seq}>
                  <td>{a.seq}</td>
                  <td>{formatTime(a.event.time)}</td>
                  <td>
                    <code>{a.event.action}</code>
                  </td>
                  <td>
                    {a.event.actor.name} <span class="muted small">({a.event.actor.via})</span>
                  </td>
                  <td>
                    {a.event.object.type} <code class="small">{a.event.object.id}</code>
                  </td>
                  <td class="small">{Object.keys(a.event.changes ?? {}).join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        first={f.after ? () => set("after", "") : undefined}
        next={data?.next_after != null && data.items.length === 50 ? () => set("after", String(data.next_after)) : undefined}
      />
    </>
  );
}

function KeyTable({ keys }: { keys: VerifiedKey[] }) {
  return (
    <div class="table-wrap">
      <table aria-label="Signing keys">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Registered at</th>
            <th scope="col">Endorsed by</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.key_id}>
              <td>
                <code class="hash">{k.key_id}</code>
              </td>
              <td>event #{k.registered_seq}</td>
              <td>{k.endorsed_by ? <code class="hash">{k.endorsed_by}</code> : k.first ? "first key of the log" : "—"}</td>
              <td>
                {[k.retired_seq != null ? `retired at event #${k.retired_seq}` : "current", k.pinned ? "pinned" : null, k.trusted ? "trusted" : "not trusted"]
                  .filter(Boolean)
                  .join(", ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Findings() {
  const { data, error } = useLoad(() => api<{ items: Finding[] }>("GET", "/api/v1/findings?limit=200"), []);
  if (error) return <ErrorBanner error={error} />;
  if (!data) return <Loading />;
  if (data.items.length === 0) return <p>No findings.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Raised</th>
            <th scope="col">Severity</th>
            <th scope="col">Kind</th>
            <th scope="col">Summary</th>
            <th scope="col">Object</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {data.items.map((x) => (
            <tr key={x.id}>
              <td>{formatTime(x.created_at)}</td>
              <td>{x.severity}</td>
              <td>{x.kind.replace(/_/g, " ")}</td>
              <td>{x.summary}</td>
              <td>
                {x.object_type} <code class="small">{x.object_id}</code>
              </td>
              <td>{x.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
