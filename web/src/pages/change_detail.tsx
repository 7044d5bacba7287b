// One change: fields, risk and why, approvals (voided ones marked), the
// decision form and lifecycle buttons that exist only when the server's
// permits allow them, evidence with upload, IaC findings, deployments, the
// closure checklist and the timeline from the audit log.
import { useState } from "preact/hooks";
import { api } from "../api";
import { formatTime, IMPACT_QUESTIONS, TEXT_FIELDS, words, type AuditItem, type ChangeDetail } from "../model";
import { Link } from "../router";
import { can } from "../session";
import { ErrorBanner, Field, Loading, Notice, PageTitle, RiskBadge, StateBadge, useLoad } from "../ui";
import { Approvals } from "./change_approvals";
import { EvidenceSection } from "./change_evidence";
import { IacSection, Reviews, Timeline, WhoWasTold } from "./change_sections";

const ACTION_LABELS: Record<string, string> = {
  submit: "Submit for approval",
  schedule: "Schedule",
  start: "Start implementation",
  complete: "Mark implemented",
  verify: "Record verification",
  close: "Close",
  cancel: "Cancel change",
  fail: "Record failure",
  rollback: "Record rollback",
  approve: "Approve",
};
const NEEDS_NOTE = new Set(["cancel", "fail", "rollback"]);

export function ChangeDetailPage({ changeKey }: { changeKey: string }) {
  const { data, error, loading, reload } = useLoad(async () => {
    const c = await api<ChangeDetail>("GET", `/api/v1/changes/${encodeURIComponent(changeKey)}`);
    const audit = can("audit:read")
      ? (await api<{ items: AuditItem[] }>("GET", `/api/v1/audit/events?object_type=change&object_id=${encodeURIComponent(c.key)}&limit=500`)).items
      : null;
    return { c, audit };
  }, [changeKey]);
  const [notice, setNotice] = useState("");
  if (error && !data) return <ErrorBanner error={error} />;
  if (!data) return <Loading />;
  const { c, audit } = data;
  const done = (message: string) => {
    setNotice(message);
    reload();
  };
  return (
    <article aria-labelledby="change-title">
      <div class="page-head">
        <div>
          <p class="eyebrow">
            <Link href="/changes">Changes</Link> / {c.key}
          </p>
          <PageTitle>
            <span id="change-title">
              {c.key}: {c.title}
            </span>
          </PageTitle>
          <p class="badges">
            <StateBadge state={c.state} /> <span class="badge">{c.type}</span> <RiskBadge risk={c.risk} />
            {c.overdue && <span class="badge risk-critical">review overdue</span>}
            {c.approval_overdue && <span class="badge risk-critical">approval overdue</span>}
          </p>
        </div>
        {c.permits.edit && (
          <Link href={`/changes/${c.key}/edit`} class="button">
            Edit
          </Link>
        )}
      </div>
      {notice && <Notice>{notice}</Notice>}
      {loading && <p class="sr-only" role="status">Refreshing…</p>}
      <Actions c={c} onDone={done} />
      <div class="detail-grid">
        <section aria-labelledby="h-fields" class="card">
          <h2 id="h-fields">Details</h2>
          <dl class="facts">
            <dt>Service</dt>
            <dd>{c.service || "—"}</dd>
            <dt>Environment</dt>
            <dd>{c.environment || "—"}</dd>
            <dt>Category</dt>
            <dd>{words(c.category) || "—"}</dd>
            <dt>Requestor</dt>
            <dd>{c.requestor}</dd>
            <dt>Implementer</dt>
            <dd>{c.implementer ?? c.content.implementer ?? "whoever starts it"}</dd>
            <dt>Planned window</dt>
            <dd>{c.content.planned_window?.start ? `${formatTime(c.content.planned_window.start)} – ${formatTime(c.content.planned_window.end)}` : "not set"}</dd>
            <dt>Responsibility</dt>
            <dd>{c.content.responsibility ? `${c.content.responsibility.owner}${c.content.responsibility.contact ? `, ${c.content.responsibility.contact}` : ""}` : "—"}</dd>
            <dt>Content version</dt>
            <dd>
              {c.content_version} <code class="hash" title={c.material_sha256}>{c.material_sha256.slice(0, 19)}…</code>
            </dd>
          </dl>
          {TEXT_FIELDS.filter((t) => c.content[t.key]).map((t) => (
            <div key={t.key}>
              <h3>{t.label}</h3>
              <p class="prose">{String(c.content[t.key])}</p>
            </div>
          ))}
          <h3>Security impact</h3>
          <table class="compact impact">
            <tbody>
              {IMPACT_QUESTIONS.map((q) => {
                const a = c.content.security_impact?.[q.key];
                return (
                  <tr key={q.key}>
                    <th scope="row">{q.label}</th>
                    <td class={a?.answer === "yes" || a?.answer === "unknown" ? "flag" : ""}>{a ? (a.answer === "unknown" ? "not sure" : a.answer) : "not answered"}</td>
                    <td>{a?.note}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
        <section aria-labelledby="h-risk" class="card">
          <h2 id="h-risk">Risk and why</h2>
          {!c.assessment ? (
            <p class="muted">Assessed when submitted. The edit page shows a preview.</p>
          ) : (
            <>
              <p>
                <RiskBadge risk={c.assessment.risk} />
              </p>
              <ul class="rules">
                {c.assessment.risk_rules.length === 0 && <li>No risk rule fired: the policy's default.</li>}
                {c.assessment.risk_rules.map((r) => (
                  <li key={r.id}>
                    <strong>{r.description}</strong> <span class="muted">({r.id}: {r.effect})</span>
                  </li>
                ))}
              </ul>
              <h3>Approval rules</h3>
              <ul class="rules">
                {c.assessment.approval_rules.map((r) => (
                  <li key={r.id}>
                    {r.description} <span class="muted">({r.effect})</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
        <Approvals c={c} onDone={done} />
        <EvidenceSection c={c} onDone={done} />
        <Reviews c={c} onDone={done} />
        {(c.iac.length > 0 || c.permits.attach_plan) && <IacSection c={c} onDone={done} />}
        <section aria-labelledby="h-closure" class="card">
          <h2 id="h-closure">Closure checklist</h2>
          {c.state === "closed" ? (
            <p>Closed.</p>
          ) : c.closure_missing.length === 0 ? (
            <p>Everything closing needs is there.</p>
          ) : (
            <ul class="checklist">
              {c.closure_missing.map((m) => (
                <li key={m.pointer + m.detail}>
                  <span aria-hidden="true">☐ </span>
                  {words(m.pointer.replace(/^#?\//, "").replace(/\//g, ": "))}: {m.detail}
                </li>
              ))}
            </ul>
          )}
        </section>
        {c.deployments.length > 0 && (
          <section aria-labelledby="h-deploy" class="card">
            <h2 id="h-deploy">Deployments and gate decisions</h2>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Decision</th>
                    <th scope="col">Where</th>
                    <th scope="col">Reasons</th>
                  </tr>
                </thead>
                <tbody>
                  {c.deployments.map((d) => (
                    <tr key={d.id}>
                      <td>{formatTime(d.created_at)}</td>
                      <td>{d.kind}</td>
                      <td>{d.decision}</td>
                      <td>
                        {d.service} / {d.environment}
                      </td>
                      <td>{d.reasons.map((r) => r.message).join("; ")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        )}
        <WhoWasTold changeKey={c.key} version={c.row_version} />
        <Timeline c={c} audit={audit} />
      </div>
    </article>
  );
}

function Actions({ c, onDone }: { c: ChangeDetail; onDone: (m: string) => void }) {
  const [open, setOpen] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const [check, setCheck] = useState({ implemented_as_approved: false, security_controls_verified: false, incidents: "", lessons_learned: "" });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const withheld = c.permits.withheld;
  if (c.permits.actions.length === 0 && withheld.length === 0) return null;
  const run = async (action: string) => {
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = note.trim() ? { note: note.trim() } : {};
      if (action === "verify") body.checklist = check;
      await api("POST", `/api/v1/changes/${c.key}/${action}`, body);
      setOpen(null);
      setNote("");
      onDone(`${c.key}: ${ACTION_LABELS[action]} done.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="actions-bar" aria-label="Actions">
      <ErrorBanner error={error} />
      <div class="buttons">
        {c.permits.actions.map((a) => (
          <button
            key={a}
            type="button"
            class={a === "cancel" || a === "fail" || a === "rollback" ? "danger" : "primary"}
            aria-expanded={NEEDS_NOTE.has(a) || a === "verify" ? open === a : undefined}
            disabled={busy}
            onClick={() => (NEEDS_NOTE.has(a) || a === "verify" ? setOpen(open === a ? null : a) : run(a))}
          >
            {ACTION_LABELS[a] ?? a}
          </button>
        ))}
      </div>
      {withheld.length > 0 && (
        <ul class="withheld" aria-label="Not open to you">
          {withheld.map((w) => (
            <li key={w.action} data-testid={`withheld-${w.action}`}>
              <strong>{ACTION_LABELS[w.action] ?? words(w.action)}</strong>: not open to you — {w.reason}
            </li>
          ))}
        </ul>
      )}
      {open && (
        <form
          class="card"
          onSubmit={(e) => {
            e.preventDefault();
            void run(open);
          }}
        >
          <h2>{ACTION_LABELS[open]}</h2>
          {open === "verify" && (
            <fieldset>
              <legend>Post-change verification</legend>
              <label class="check">
                <input type="checkbox" checked={check.implemented_as_approved} onChange={(e) => setCheck({ ...check, implemented_as_approved: e.currentTarget.checked })} /> Implemented as approved (no scope creep)
              </label>
              <label class="check">
                <input type="checkbox" checked={check.security_controls_verified} onChange={(e) => setCheck({ ...check, security_controls_verified: e.currentTarget.checked })} /> Security controls verified working
              </label>
              <Field label="Incidents or near misses" help="Write 'none' if there were none.">
                {(id, d) => <textarea id={id} aria-describedby={d} rows={2} value={check.incidents} onInput={(e) => setCheck({ ...check, incidents: e.currentTarget.value })} />}
              </Field>
              <Field label="Lessons learned">
                {(id) => <textarea id={id} rows={2} value={check.lessons_learned} onInput={(e) => setCheck({ ...check, lessons_learned: e.currentTarget.value })} />}
              </Field>
            </fieldset>
          )}
          <Field label={NEEDS_NOTE.has(open) ? "Why (required)" : "Note"}>
            {(id) => <textarea id={id} rows={2} required={NEEDS_NOTE.has(open)} value={note} onInput={(e) => setNote(e.currentTarget.value)} />}
          </Field>
          <div class="buttons">
            <button type="submit" class="primary" disabled={busy}>
              Confirm: {ACTION_LABELS[open]}
            </button>
            <button type="button" onClick={() => setOpen(null)}>
              Back
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
