// The scheduled reconciliation (serve --reconcile-minutes): reconcile, take
// a baseline for kinds the log never reconciled, and raise one finding while
// records differ; and the report as JSON (API, CLI, the finding's details).
#include <fmt/format.h>

#include "core/audit_log.h"
#include "core/audit_reconcile.h"
#include "core/deps.h"

namespace cl {

using nlohmann::json;

Result<ScheduledReconcile> ReconcileAndRaise(const Deps& d, const AuditContext& ctx) {
  ScheduledReconcile out;
  CL_RETURN_IF_ERROR(d.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out.report, ReconcileRecords(tx));
    return Status::Ok();
  }));
  if (!out.report.unbaselined.empty()) {
    // A log from before reconciliation, or from a release that reconciled
    // fewer kinds: those kinds are accepted as found, the rest checked.
    CL_RETURN_IF_ERROR(d.store.Write([&](Tx& tx) -> Status {
      CL_ASSIGN_OR_RETURN(out.accepted, RecordReconcileBaseline(tx, d.audit, ctx));
      return Status::Ok();
    }));
    out.baselined = true;
    CL_RETURN_IF_ERROR(d.store.Read([&](Tx& tx) -> Status {
      CL_ASSIGN_OR_RETURN(out.report, ReconcileRecords(tx));
      return Status::Ok();
    }));
  }
  if (out.report.ok()) return out;
  const ReconcileProblem& first = out.report.problems.front();
  Finding f;
  f.id = d.ids.NewId("fnd");
  f.kind = "records_edited_outside_log";
  f.severity = "high";
  f.object_type = "audit_log";
  f.object_id = "records";
  f.controls = {"AU-9", "CM-3", "CM-5", "CC8.1", "ISO27001:A.8.15"};
  f.summary = fmt::format(
      "{} row(s) of the records differ from the audit log (first: {} {}{}): edited outside "
      "the application",
      out.report.problem_count, first.table, first.id, first.field.empty() ? "" : " ." + first.field);
  f.details = ReconcileReportJson(out.report);
  f.created_at = d.clock.Now();
  CL_RETURN_IF_ERROR(d.store.Write([&](Tx& tx) -> Status {
    // One open finding at a time: InsertIfNew keeps the first until it is dealt with.
    CL_ASSIGN_OR_RETURN(out.raised, tx.Findings().InsertIfNew(f));
    if (!out.raised) return Status::Ok();
    AuditRecord rec{"finding.create", "finding", f.id};
    rec.after = {{"kind", f.kind}, {"object", f.object_id}, {"summary", f.summary}};
    return d.audit.Append(tx, ctx, rec).status();
  }));
  if (out.raised) out.finding_id = f.id;
  return out;
}

nlohmann::json ReconcileReportJson(const ReconcileReport& r) {
  json problems = json::array();
  for (const ReconcileProblem& p : r.problems) {
    problems.push_back({{"table", p.table},
                        {"id", p.id},
                        {"field", p.field.empty() ? json(nullptr) : json(p.field)},
                        {"what", p.what},
                        {"seq", p.seq == 0 ? json(nullptr) : json(p.seq)}});
  }
  return {{"ok", r.ok()},
          {"events", r.events},
          {"rows", r.rows},
          {"files", r.files},
          {"baseline_seq", r.baseline_seq == 0 ? json(nullptr) : json(r.baseline_seq)},
          {"unbaselined_kinds", r.unbaselined},
          {"problem_count", r.problem_count},
          {"problems", std::move(problems)}};
}

}  // namespace cl
