// The rest of a change's page: reviews (offered per kind by the permits),
// plan and manifest classification, and the timeline from the audit log.
import { useState } from "preact/hooks";
import { api } from "../api";
import { formatTime, words, type AuditItem, type ChangeDetail } from "../model";
import { ErrorBanner, Field } from "../ui";

const REVIEW_LABELS: Record<string, string> = {
  retrospective: "Emergency retrospective",
  post_implementation: "Post-implementation review",
  console_signoff: "Console change sign-off",
};

export function Reviews({ c, onDone }: { c: ChangeDetail; onDone: (m: string) => void }) {
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

export function IacSection({ c }: { c: ChangeDetail }) {
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

export function Timeline({ c, audit }: { c: ChangeDetail; audit: AuditItem[] | null }) {
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
