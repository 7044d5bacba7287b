// A change's approvals: the approver roles and who satisfied each, every
// decision (voided ones marked with why), and the decision form when the
// permits allow one.
import { useState } from "preact/hooks";
import { api } from "../api";
import { formatTime, words, type ChangeDetail } from "../model";
import { ErrorBanner, Field } from "../ui";

export function Approvals({ c, onDone }: { c: ChangeDetail; onDone: (m: string) => void }) {
  const [comment, setComment] = useState("");
  const [compensating, setCompensating] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const p = c.permits;
  const mayDecide = p.approve || p.reject || p.approve_with_compensating_control;
  const decide = async (decision: "approve" | "reject") => {
    if (decision === "reject" && !comment.trim()) {
      setError(new Error("Say why you reject it in the comment: the requestor needs the reason to revise the change."));
      return;
    }
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
      {c.approval_due && c.state === "submitted" && (
        <p class={c.approval_overdue ? "banner error" : "muted small"}>
          {c.approval_overdue ? "Approvals were due by " : "Approvals are due by "}
          {formatTime(c.approval_due)} (the policy's approval SLA for {c.risk} risk).
        </p>
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
                    {a.status === "valid" && a.not_counted_reason && (
                      <div>
                        <span class="badge void">not counted</span> <span class="muted small">{a.not_counted_reason}</span>
                      </div>
                    )}
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
          <Field label="Comment" help="Required to reject: say what would make it acceptable.">
            {(id, d) => <textarea id={id} rows={2} aria-describedby={d} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />}
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
