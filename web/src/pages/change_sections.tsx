// The rest of a change's page: reviews (offered per kind by the permits),
// plan and manifest classification, and the timeline from the audit log.
import { useState } from "preact/hooks";
import { api } from "../api";
import { formatTime, words, type AuditItem, type ChangeDetail, type IacAttachment } from "../model";
import { ErrorBanner, Field, useLoad } from "../ui";
import { emailStatus, type NotificationItem } from "./notifications";

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

const MAX_IAC_BYTES = 50 * 1024 * 1024;

// Uploads `terraform show -json` output or Kubernetes manifests; the server
// classifies them, raises the security impact answers and binds the digest to
// the change (a different plan later voids approvals and fails the gate).
function AttachIac({ c, onDone }: { c: ChangeDetail; onDone: (m: string) => void }) {
  const [kind, setKind] = useState<"plan" | "manifest">("plan");
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [inputKey, setInputKey] = useState(0);
  const fileError = file && file.size > MAX_IAC_BYTES ? `${file.name} is larger than 50 MiB.` : file && file.size === 0 ? `${file.name} is empty.` : undefined;
  return (
    <form
      aria-label="Attach a plan or manifests"
      onSubmit={async (ev) => {
        ev.preventDefault();
        if (!file || fileError) {
          setError(new Error(fileError ?? "Choose the file to attach."));
          return;
        }
        setBusy(true);
        setError(null);
        try {
          const yaml = kind === "manifest" && !/\.json$/i.test(file.name);
          const path = `/api/v1/changes/${c.key}/${kind === "plan" ? "plans" : "manifests"}?filename=${encodeURIComponent(file.name)}`;
          const a = await api<IacAttachment>("POST", path, file, { "Content-Type": yaml ? "application/yaml" : "application/json" });
          setFile(null);
          setInputKey((k) => k + 1);
          const raised = a.impact_raised.length ? `; security impact raised: ${a.impact_raised.map(words).join(", ")}` : "";
          onDone(`${a.filename || "The file"} classified: ${a.categories.length ? a.categories.map(words).join(", ") : "nothing security-relevant"}${raised}.`);
        } catch (e) {
          setError(e);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h3>Attach a plan or manifests</h3>
      <ErrorBanner error={error} />
      <div class="row">
        <Field label="What it is">
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.currentTarget.value as "plan" | "manifest")}>
              <option value="plan">Terraform plan (JSON)</option>
              <option value="manifest">Kubernetes manifests</option>
            </select>
          )}
        </Field>
        <Field label="Plan or manifest file" help="terraform show -json output, or Kubernetes YAML/JSON; up to 50 MiB. Its SHA-256 becomes part of the approved content." error={fileError}>
          {(id, d) => <input key={inputKey} id={id} type="file" accept={kind === "plan" ? ".json,application/json" : ".yaml,.yml,.json"} aria-describedby={d} onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />}
        </Field>
      </div>
      {c.state !== "draft" && <p class="muted small">A plan with a different digest voids the approvals given so far.</p>}
      <button type="submit" disabled={busy}>
        {busy ? "Classifying…" : "Attach and classify"}
      </button>
    </form>
  );
}

export function IacSection({ c, onDone }: { c: ChangeDetail; onDone: (m: string) => void }) {
  return (
    <section aria-labelledby="h-iac" class="card">
      <h2 id="h-iac">Plan and manifest classification</h2>
      {c.iac.length === 0 && <p class="muted">No plan or manifests attached.</p>}
      {c.iac.map((a) => (
        <div key={a.id}>
          <h3>
            {a.filename || a.format} <span class="muted small">(version {a.content_version}, {a.digest.slice(0, 19)}…)</span>
          </h3>
          <p>
            Categories: {a.categories.length ? a.categories.map(words).join(", ") : "none"}
            {a.report?.resources_total !== undefined && (
              <span class="muted small">
                {" "}
                · {a.report.resources_changed ?? 0} of {a.report.resources_total} resources change, {(a.report.resources ?? []).filter((i) => i.findings.length > 0).length} with findings
              </span>
            )}
          </p>
          {(a.report?.resources ?? []).filter((i) => i.findings.length > 0).length > 0 && (
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
                  {(a.report?.resources ?? [])
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
      {c.permits.attach_plan && <AttachIac c={c} onDone={onDone} />}
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

// Who was told what about the change, and whether each e-mail arrived (the
// proof of communication an auditor asks for).
export function WhoWasTold({ changeKey, version }: { changeKey: string; version: number }) {
  const { data, error } = useLoad(
    () => api<{ items: NotificationItem[] }>("GET", `/api/v1/changes/${encodeURIComponent(changeKey)}/notifications?limit=200`),
    [changeKey, version],
  );
  if (error) return <ErrorBanner error={error} />;
  if (!data || data.items.length === 0) return null;
  return (
    <section aria-labelledby="h-told" class="card">
      <h2 id="h-told">Who was told</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">E-mail</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((n) => (
              <tr key={n.id}>
                <td>{formatTime(n.created_at)}</td>
                <td>{n.recipient}</td>
                <td>{n.subject}</td>
                <td class="small">{emailStatus(n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
