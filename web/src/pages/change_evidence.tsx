// A change's evidence: links and files, upload (checked against the types
// the server accepts), and marking an item not verifiable or superseded.
import { useState } from "preact/hooks";
import { api } from "../api";
import { EVIDENCE_KINDS, formatTime, words, type ChangeDetail } from "../model";
import { ErrorBanner, Field } from "../ui";

const FILE_TYPES = ["text/plain", "text/markdown", "text/csv", "text/x-diff", "application/yaml", "application/json", "application/pdf", "image/png", "image/jpeg"];

function guessType(f: File): string {
  if (FILE_TYPES.includes(f.type)) return f.type;
  const ext = f.name.split(".").pop()?.toLowerCase();
  const byExt: Record<string, string> = { txt: "text/plain", log: "text/plain", md: "text/markdown", csv: "text/csv", diff: "text/x-diff", patch: "text/x-diff", yaml: "application/yaml", yml: "application/yaml", json: "application/json", pdf: "application/pdf", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg" };
  return byExt[ext ?? ""] ?? f.type;
}

// Kinds whose items say whether they succeeded; only successful ones count.
const OUTCOME_KINDS = ["pipeline_run", "test_result"];

function readBase64(f: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ""));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  });
}

export function EvidenceSection({ c, onDone }: { c: ChangeDetail; onDone: (m: string) => void }) {
  const [kind, setKind] = useState(c.assessment?.closure_evidence.find((k) => !c.evidence.some((e) => e.kind === k && e.satisfies)) ?? "test_result");
  const [outcome, setOutcome] = useState("");
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
            <li key={e.id} class={e.status !== "valid" ? "void" : e.outcome === "failure" ? "failed" : ""}>
              <strong>{words(e.kind)}</strong>{" "}
              {e.outcome !== "none" && <span class={`badge outcome-${e.outcome}`}>{e.outcome === "unknown" ? "outcome unknown" : words(e.outcome)}</span>}{" "}
              {e.url && (
                <a href={e.url} rel="noopener noreferrer" target="_blank">
                  {e.url}
                </a>
              )}{" "}
              {e.file_url && (
                <a href={e.file_url} download={e.filename}>
                  {e.retained === "snapshot" ? "snapshot" : e.filename || "file"} ({e.size} bytes)
                </a>
              )}{" "}
              {e.retained === "snapshot" && <span class="badge">snapshot fetched {formatTime(e.snapshot_at)}</span>}
              {e.retained === "link_only" && (
                <span class="badge" title="Only the link was kept: what it shows may change or disappear">
                  link only
                </span>
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
            if (OUTCOME_KINDS.includes(kind) && !outcome) {
              setError(new Error(`Say whether the ${words(kind)} succeeded.`));
              return;
            }
            setBusy(true);
            setError(null);
            try {
              const body: Record<string, unknown> = { kind, ...(OUTCOME_KINDS.includes(kind) ? { outcome } : {}), ...(url.trim() ? { url: url.trim() } : {}), ...(note.trim() ? { note: note.trim() } : {}) };
              if (file) {
                body.content_base64 = await readBase64(file);
                body.content_type = guessType(file);
                body.filename = file.name;
              }
              await api("POST", `/api/v1/changes/${c.key}/evidence`, body);
              setUrl("");
              setNote("");
              setOutcome("");
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
            {OUTCOME_KINDS.includes(kind) && (
              <Field label="Outcome" help="Only a successful run or test counts; a failed one is kept and shown.">
                {(id, d) => (
                  <select id={id} aria-describedby={d} value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)}>
                    <option value="">Choose…</option>
                    <option value="success">Success</option>
                    <option value="failure">Failure</option>
                  </select>
                )}
              </Field>
            )}
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
            await api("PATCH", `/api/v1/changes/${c.key}/evidence/${evidenceId}`, { status: next, reason: reason.trim() }, { "If-Match": `"${status}"` });
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
