// One change: fields, risk and why, approvals (voided ones marked), the
// decision form and lifecycle buttons that exist only when the server's
// permits allow them, evidence with upload, IaC findings, deployments, the
// closure checklist and the timeline from the audit log.
import { useState } from "preact/hooks";
import { api } from "../api";
import { EVIDENCE_KINDS, formatTime, IMPACT_QUESTIONS, TEXT_FIELDS, words, type ChangeDetail } from "../model";
import { Link } from "../router";
import { can } from "../session";
import { ErrorBanner, Field, Loading, Notice, PageTitle, RiskBadge, StateBadge, useLoad } from "../ui";

interface AuditItem {
  seq: number;
  hash: string;
  event: { action: string; time: string; actor: { name: string; via: string }; details?: Record<string, unknown>; changes?: Record<string, { from: unknown; to: unknown }> };
}

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
          <table class="compact">
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
        {c.iac.length > 0 && <IacSection c={c} />}
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
  if (c.permits.actions.length === 0) return null;
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

function Approvals({ c, onDone }: { c: ChangeDetail; onDone: (m: string) => void }) {
  const [comment, setComment] = useState("");
  const [compensating, setCompensating] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const p = c.permits;
  const mayDecide = p.approve || p.reject || p.approve_with_compensating_control;
  const decide = async (decision: "approve" | "reject") => {
    setBusy(true);
    setError(null);
    try {
      // Bound to what this page shows: refused if the change moved on since.
      await api("POST", `/api/v1/changes/${c.key}/approvals`, {
        decision,
        comment,
        content_version: c.content_version,
        material_sha256: c.material_sha256,
        ...(compensating ? { compensating_control: true } : {}),
      });
      setComment("");
      onDone(decision === "approve" ? `You approved ${c.key}.` : `You rejected ${c.key}.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="h-approvals" class="card">
      <h2 id="h-approvals">Approvals</h2>
      {c.approval.roles.length > 0 && (
        <ul class="checklist">
          {c.approval.roles.map((r) => (
            <li key={r.role}>
              <span aria-hidden="true">{r.approved_by ? "☑ " : "☐ "}</span>
              {words(r.role)}: {r.approved_by ? `approved by ${r.approved_by}` : "outstanding"}
            </li>
          ))}
        </ul>
      )}
      <p>
        {c.approval.complete ? "Approval complete." : c.approval.outstanding.length ? `Outstanding: ${c.approval.outstanding.join("; ")}.` : ""}{" "}
        {c.approval.min_distinct_approvers > 0 && `${c.approval.distinct_approvers} of ${c.approval.min_distinct_approvers} distinct approver(s).`}
      </p>
      {c.approvals.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Approver</th>
                <th scope="col">Role</th>
                <th scope="col">Decision</th>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Comment</th>
              </tr>
            </thead>
            <tbody>
              {c.approvals.map((a) => (
                <tr key={a.id} class={a.status === "void" ? "void" : ""}>
                  <td>{a.approver}</td>
                  <td>{words(a.role)}</td>
                  <td>{a.decision === "approve" ? "approved" : "rejected"}</td>
                  <td>{a.content_version}</td>
                  <td>
                    {a.status === "void" ? (
                      <span class="badge void" title={a.voided_reason}>
                        voided by edit
                      </span>
                    ) : (
                      "valid"
                    )}
                    {a.status === "void" && <div class="muted small">{a.voided_reason}</div>}
                  </td>
                  <td>{a.comment}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {mayDecide && (
        <form
          class="decision"
          aria-label="Your decision"
          onSubmit={(e) => {
            e.preventDefault();
          }}
        >
          <ErrorBanner error={error} />
          <p class="muted small">
            You are deciding on content version {c.content_version}. If it changes before you decide, nothing is recorded and you review it again.
            {p.approver_roles.length > 0 && ` You count as: ${p.approver_roles.map(words).join(", ")}.`}
          </p>
          <Field label="Comment">
            {(id) => <textarea id={id} rows={2} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />}
          </Field>
          {p.approve_with_compensating_control && (
            <label class="check">
              <input type="checkbox" checked={compensating} onChange={(e) => setCompensating(e.currentTarget.checked)} /> Use the compensating control (an independent post-implementation review is then required)
            </label>
          )}
          <div class="buttons">
            {(p.approve || (p.approve_with_compensating_control && compensating)) && (
              <button type="button" class="primary" disabled={busy} onClick={() => decide("approve")}>
                Approve
              </button>
            )}
            {p.reject && (
              <button type="button" class="danger" disabled={busy} onClick={() => decide("reject")}>
                Reject
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}

const FILE_TYPES = ["text/plain", "text/markdown", "text/csv", "text/x-diff", "application/yaml", "application/json", "application/pdf", "image/png", "image/jpeg"];

function guessType(f: File): string {
  if (FILE_TYPES.includes(f.type)) return f.type;
  const ext = f.name.split(".").pop()?.toLowerCase();
  const byExt: Record<string, string> = { txt: "text/plain", log: "text/plain", md: "text/markdown", csv: "text/csv", diff: "text/x-diff", patch: "text/x-diff", yaml: "application/yaml", yml: "application/yaml", json: "application/json", pdf: "application/pdf", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg" };
  return byExt[ext ?? ""] ?? f.type;
}

function readBase64(f: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ""));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  });
}

function EvidenceSection({ c, onDone }: { c: ChangeDetail; onDone: (m: string) => void }) {
  const [kind, setKind] = useState(c.assessment?.closure_evidence.find((k) => !c.evidence.some((e) => e.kind === k && e.status === "valid")) ?? "test_result");
  const [url, setUrl] = useState("");
  const [note, setNote] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [inputKey, setInputKey] = useState(0);
  const fileError = file && !FILE_TYPES.includes(guessType(file)) ? `${file.name}: this type is not accepted (${FILE_TYPES.join(", ")}).` : file && file.size > 5 * 1024 * 1024 ? `${file.name} is larger than 5 MiB.` : undefined;
  return (
    <section aria-labelledby="h-evidence" class="card">
      <h2 id="h-evidence">Evidence</h2>
      {c.evidence.length === 0 ? (
        <p class="muted">No evidence yet.</p>
      ) : (
        <ul class="evidence">
          {c.evidence.map((e) => (
            <li key={e.id} class={e.status !== "valid" ? "void" : ""}>
              <strong>{words(e.kind)}</strong>{" "}
              {e.url && (
                <a href={e.url} rel="noopener noreferrer" target="_blank">
                  {e.url}
                </a>
              )}{" "}
              {e.file_url && (
                <a href={e.file_url} download={e.filename}>
                  {e.filename || "file"} ({e.size} bytes)
                </a>
              )}
              <span class="muted small">
                {" "}
                added by {e.added_by}, {formatTime(e.created_at)}
                {e.status !== "valid" && ` · ${words(e.status)}: ${e.status_reason}`}
              </span>
              {e.note && <div class="small">{e.note}</div>}
              {c.permits.judge_evidence && <JudgeEvidence c={c} evidenceId={e.id} status={e.status} onDone={onDone} />}
            </li>
          ))}
        </ul>
      )}
      {c.permits.add_evidence && (
        <form
          aria-label="Add evidence"
          onSubmit={async (ev) => {
            ev.preventDefault();
            if (fileError || (!url.trim() && !file)) {
              setError(new Error(fileError ?? "Give a link, a file, or both."));
              return;
            }
            setBusy(true);
            setError(null);
            try {
              const body: Record<string, unknown> = { kind, ...(url.trim() ? { url: url.trim() } : {}), ...(note.trim() ? { note: note.trim() } : {}) };
              if (file) {
                body.content_base64 = await readBase64(file);
                body.content_type = guessType(file);
                body.filename = file.name;
              }
              await api("POST", `/api/v1/changes/${c.key}/evidence`, body);
              setUrl("");
              setNote("");
              setFile(null);
              setInputKey((k) => k + 1);
              onDone(`Evidence added to ${c.key}.`);
            } catch (e) {
              setError(e);
            } finally {
              setBusy(false);
            }
          }}
        >
          <h3>Add evidence</h3>
          <ErrorBanner error={error} />
          <div class="row">
            <Field label="Kind">
              {(id) => (
                <select id={id} value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
                  {EVIDENCE_KINDS.map((k) => (
                    <option key={k} value={k}>
                      {words(k)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Link" help="An http(s) URL, e.g. the pipeline run.">
              {(id, d) => <input id={id} type="url" aria-describedby={d} value={url} onInput={(e) => setUrl(e.currentTarget.value)} />}
            </Field>
          </div>
          <Field label="File" help="Text, Markdown, CSV, diff, YAML, JSON, PDF, PNG or JPEG; up to 5 MiB." error={fileError}>
            {(id, d) => <input key={inputKey} id={id} type="file" aria-describedby={d} onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />}
          </Field>
          <Field label="Note">
            {(id) => <input id={id} value={note} onInput={(e) => setNote(e.currentTarget.value)} />}
          </Field>
          <button type="submit" disabled={busy}>
            {busy ? "Uploading…" : "Add evidence"}
          </button>
        </form>
      )}
    </section>
  );
}

// Marks evidence valid, not verifiable or superseded, with the reason (audited).
function JudgeEvidence({ c, evidenceId, status, onDone }: { c: ChangeDetail; evidenceId: string; status: string; onDone: (m: string) => void }) {
  const [next, setNext] = useState(status === "valid" ? "not_verifiable" : "valid");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  return (
    <details class="small">
      <summary>Change its status</summary>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            await api("PATCH", `/api/v1/changes/${c.key}/evidence/${evidenceId}`, { status: next, reason: reason.trim() });
            onDone(`Evidence marked ${words(next)}.`);
          } catch (err) {
            setError(err);
          }
        }}
      >
        <ErrorBanner error={error} />
        <div class="row">
          <Field label="New status">
            {(id) => (
              <select id={id} value={next} onChange={(e) => setNext(e.currentTarget.value)}>
                {["valid", "not_verifiable", "superseded"]
                  .filter((x) => x !== status)
                  .map((x) => (
                    <option key={x} value={x}>
                      {words(x)}
                    </option>
                  ))}
              </select>
            )}
          </Field>
          <Field label="Reason">
            {(id) => <input id={id} required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />}
          </Field>
        </div>
        <button type="submit" disabled={!reason.trim()}>
          Mark evidence
        </button>
      </form>
    </details>
  );
}

const REVIEW_LABELS: Record<string, string> = {
  retrospective: "Emergency retrospective",
  post_implementation: "Post-implementation review",
  console_signoff: "Console change sign-off",
};

function Reviews({ c, onDone }: { c: ChangeDetail; onDone: (m: string) => void }) {
  const kinds = c.permits.reviews;
  const [kind, setKind] = useState(kinds[0] ?? "");
  const [outcome, setOutcome] = useState("accepted");
  const [notes, setNotes] = useState("");
  const [error, setError] = useState<unknown>(null);
  if (c.reviews.length === 0 && kinds.length === 0) return null;
  return (
    <section aria-labelledby="h-reviews" class="card">
      <h2 id="h-reviews">Reviews</h2>
      {c.reviews.length === 0 ? (
        <p class="muted">No reviews yet.</p>
      ) : (
        <ul class="evidence">
          {c.reviews.map((r) => (
            <li key={r.id}>
              <strong>{REVIEW_LABELS[r.kind] ?? words(r.kind)}</strong>: {r.outcome} by {r.reviewer}, {formatTime(r.created_at)}
              <div class="small prose">{r.notes}</div>
            </li>
          ))}
        </ul>
      )}
      {kinds.length > 0 && (
        <form
          aria-label="Record a review"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              await api("POST", `/api/v1/changes/${c.key}/reviews`, { kind: kind || kinds[0], outcome, notes: notes.trim() });
              setNotes("");
              onDone(`${REVIEW_LABELS[kind || kinds[0]!] ?? "Review"} recorded.`);
            } catch (err) {
              setError(err);
            }
          }}
        >
          <h3>Record a review</h3>
          <ErrorBanner error={error} />
          <Field label="Kind">
            {(id) => (
              <select id={id} value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
                {kinds.map((k) => (
                  <option key={k} value={k}>
                    {REVIEW_LABELS[k] ?? words(k)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <fieldset>
            <legend>Outcome</legend>
            <div class="choices">
              {["accepted", "concerns"].map((o) => (
                <label key={o}>
                  <input type="radio" name="review-outcome" value={o} checked={outcome === o} onChange={() => setOutcome(o)} />
                  {o}
                </label>
              ))}
            </div>
          </fieldset>
          <Field label="What was reviewed" help="Required: what you looked at and what you found.">
            {(id, d) => <textarea id={id} rows={3} required aria-describedby={d} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />}
          </Field>
          <button type="submit" class="primary" disabled={!notes.trim()}>
            Record review
          </button>
        </form>
      )}
    </section>
  );
}

function IacSection({ c }: { c: ChangeDetail }) {
  return (
    <section aria-labelledby="h-iac" class="card">
      <h2 id="h-iac">Plan and manifest classification</h2>
      {c.iac.map((a) => (
        <div key={a.id}>
          <h3>
            {a.filename || a.format} <span class="muted small">(version {a.content_version}, {a.digest.slice(0, 19)}…)</span>
          </h3>
          <p>Categories: {a.categories.length ? a.categories.map(words).join(", ") : "none"}</p>
          {(a.report?.items ?? []).filter((i) => i.findings.length > 0).length > 0 && (
            <div class="table-wrap">
              <table class="compact">
                <thead>
                  <tr>
                    <th scope="col">Resource</th>
                    <th scope="col">Action</th>
                    <th scope="col">Findings</th>
                  </tr>
                </thead>
                <tbody>
                  {(a.report?.items ?? [])
                    .filter((i) => i.findings.length > 0)
                    .map((i) => (
                      <tr key={i.address}>
                        <td>
                          <code>{i.address}</code>
                        </td>
                        <td>{i.action}</td>
                        <td>{i.findings.map((f) => `${words(f.category)}: ${f.reason}`).join("; ")}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      ))}
    </section>
  );
}

function Timeline({ c, audit }: { c: ChangeDetail; audit: AuditItem[] | null }) {
  type Entry = { at: string; text: string; who: string; ref?: string };
  const entries: Entry[] = [];
  if (audit) {
    for (const a of audit) entries.push({ at: a.event.time, text: words(a.event.action.replace(/^change\./, "")), who: a.event.actor.name, ref: `audit #${a.seq}` });
  } else {
    for (const t of c.transitions) entries.push({ at: t.at, text: `${words(t.action)}: ${words(t.from)} → ${words(t.to)}${t.note ? ` (${t.note})` : ""}`, who: t.actor });
  }
  for (const a of c.approvals) entries.push({ at: a.created_at, text: `${a.decision === "approve" ? "approved" : "rejected"} as ${words(a.role)} (version ${a.content_version})${a.status === "void" ? ", later voided" : ""}`, who: a.approver });
  for (const e of c.evidence) entries.push({ at: e.created_at, text: `evidence added: ${words(e.kind)}`, who: e.added_by });
  entries.sort((x, y) => x.at.localeCompare(y.at));
  return (
    <section aria-labelledby="h-timeline" class="card">
      <h2 id="h-timeline">Timeline</h2>
      <p class="muted small">{audit ? "Change events from the tamper-evident audit log, with approvals and evidence." : "Transitions, approvals and evidence (the audit log needs the audit:read permission)."}</p>
      <ol class="timeline">
        {entries.map((e, i) => (
          <li key={i}>
            <time dateTime={e.at}>{formatTime(e.at)}</time> <strong>{e.who}</strong> {e.text} {e.ref && <span class="muted small">{e.ref}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
