#include "server/jobs.h"

#include <fmt/format.h>

#include "core/audit_reconcile.h"
#include "platform/log.h"

namespace cl {

Housekeeping::Housekeeping(LocalApp& app)
    : app_(app),
      failures_(app.witnesses().size(), 0),
      thread_(std::chrono::seconds(1), PeriodicThread::First::kAfterOnePeriod, [this] { Tick(); }) {}

void Housekeeping::Tick() {
  if (!app_.store().WritesRefused().ok()) return;  // a tampered log: nothing to sign or sweep
  // Nothing is signed until every witness was reached and the log still
  // holds what it witnessed: a tail cut while a witness was down must not
  // be signed as if it were genuine.
  bool all_known = true;
  for (size_t i = 0; i < app_.witnesses().size(); ++i) {
    AuditWitness& w = *app_.witnesses()[i];
    if (!w.known()) Publish(w, failures_[i]);
    all_known = all_known && w.known();
  }
  if (!app_.store().WritesRefused().ok()) return;
  Status s = Status::Ok();
  if (all_known) {
    s = app_.store().Write([&](Tx& tx) { return app_.audit().Checkpoint(tx).status(); });
    if (!s.ok()) log::Warn("audit checkpoint failed", {{"error", s.message()}});
  }
  for (size_t i = 0; i < app_.witnesses().size(); ++i) {
    if (app_.witnesses()[i]->known()) Publish(*app_.witnesses()[i], failures_[i]);
  }
  if (++ticks_ % 60 == 0) {
    AuditContext ctx{SystemPrincipal().ToActor(), "housekeeping", ""};
    auto raised = app_.changes().RaiseOverdueFindings(ctx);
    if (!raised.ok()) log::Warn("overdue sweep failed", {{"error", raised.status().message()}});
    if (raised.ok() && *raised > 0) log::Info("raised findings for overdue emergency changes", {{"count", *raised}});
    auto reminded = app_.changes().RemindApprovalDeadlines();
    if (!reminded.ok()) log::Warn("approval deadline sweep failed", {{"error", reminded.status().message()}});
  }
  if (ticks_ % 3600 == 0) {
    const Timestamp cutoff = app_.clock().Now() + (-86400 * kMicrosPerSecond);
    s = app_.store().Write([&](Tx& tx) { return tx.Sessions().DeleteEnded(cutoff).status(); });
    if (!s.ok()) log::Warn("session cleanup failed", {{"error", s.message()}});
  }
}

void Housekeeping::Publish(AuditWitness& witness, int& failures) {
  auto published = witness.Publish(app_.store());
  if (published.ok()) {
    if (failures > 0) {
      log::Info(
          "audit witness reachable again",
          {{"witness", witness.name()}, {"failed_attempts", failures}, {"witnessed_seq", witness.witnessed_seq()}});
    }
    failures = 0;
    return;
  }
  if (published.status().code() == ErrorCode::kDataLoss) {
    log::Error("an audit witness contradicts the log: serving reads only, every write is refused",
               {{"witness", witness.name()}, {"error", published.status().message()}});
    app_.store().RefuseWrites(
        Status(ErrorCode::kWritesRefused, published.status().message() +
                                              " (run `changeledger audit verify --db ... --witness " + witness.name() +
                                              "` and restore a verified backup)"));
    return;
  }
  if (failures++ % 60 == 0) {
    log::Warn("audit witness failed; retrying every second",
              {{"witness", witness.name()}, {"error", published.status().message()}, {"failed_attempts", failures}});
  }
}

RecordsReconciler::RecordsReconciler(LocalApp& app, int minutes)
    : app_(app), thread_(std::chrono::minutes(minutes), PeriodicThread::First::kAtStart, [this] {
        if (app_.store().WritesRefused().ok()) ReconcileOnce();
      }) {}

void RecordsReconciler::ReconcileOnce() {
  AuditContext ctx{SystemPrincipal().ToActor(), "reconcile", ""};
  auto done = ReconcileAndRaise(app_.deps(), ctx);
  if (!done.ok()) {
    log::Warn("reconciling the records with the audit log failed", {{"error", done.status().message()}});
    return;
  }
  const ReconcileReport& r = done->report;
  if (done->baselined) {
    log::Info("reconciliation baseline recorded: rows that differed from the log were accepted as found",
              {{"accepted_rows", done->accepted}, {"rows", r.rows}});
  }
  if (r.ok()) {
    log::Info("records reconciled with the audit log", {{"rows", r.rows}, {"events", r.events}, {"files", r.files}});
    return;
  }
  const ReconcileProblem& first = r.problems.front();
  const std::string why = fmt::format(
      "{} record(s) differ from the audit log, first {} {}{}: {} (run `changeledger audit verify --db ... "
      "--reconcile`, find who edited the database, restore a verified backup)",
      r.problem_count, first.table, first.id, first.field.empty() ? "" : " ." + first.field, first.what);
  log::Error("records were edited outside the audit log: serving reads only, every write is refused",
             {{"problems", r.problem_count}, {"first", first.what}, {"finding", done->finding_id}});
  app_.store().RefuseWrites(Status(ErrorCode::kWritesRefused, why));
}

TimestampJob::TimestampJob(LocalApp& app, int seconds)
    : app_(app), thread_(std::chrono::seconds(seconds), PeriodicThread::First::kAfterOnePeriod, [this] { Tick(); }) {}

void TimestampJob::Tick() {
  if (!app_.store().WritesRefused().ok()) return;  // a tampered log is not vouched for
  AuditTimestamper& tsa = *app_.timestamper();
  AuditContext ctx{SystemPrincipal().ToActor(), "timestamp", ""};
  auto stamped = tsa.StampNewest(app_.store(), app_.audit(), ctx);
  if (stamped.ok()) {
    if (failures_ > 0) {
      log::Info("time-stamp authority reachable again", {{"tsa", tsa.url()}, {"failed_attempts", failures_}});
    }
    failures_ = 0;
    return;
  }
  if (failures_++ % 10 == 0) {
    log::Warn("time-stamping the audit log failed; retrying",
              {{"tsa", tsa.url()}, {"error", stamped.status().message()}, {"failed_attempts", failures_}});
  }
}

}  // namespace cl
