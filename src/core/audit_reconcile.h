// Reconciliation of the working tables with the audit log: every audited
// row (changes, approvals, evidence and its files, reviews, users, API
// tokens, webhooks, freezes, policy versions and their text) must be
// the state the latest event about it recorded (its after_digest), every
// row must have been created by an event, and every row the log says exists
// must still exist. A row edited, inserted or deleted directly in the
// database (the chain itself intact) is named with its table, id and field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/store.h"

namespace cl {

struct ReconcileProblem {
  std::string table;  // "approvals"
  std::string id;     // the row's id (a change's key, CHG-12)
  std::string field;  // the differing field, or "" for the whole row
  std::string what;   // one sentence for a person
  int64_t seq = 0;    // the event that last recorded the row, 0 if none
};

// The event that starts strict reconciliation of a log, and the events just
// before it that accept rows as found (a log written before the product
// recorded whole states). Continuity is not checked before the baseline.
inline constexpr std::string_view kReconcileBaselineAction = "audit.reconcile.baseline";
inline constexpr std::string_view kReconcileAcceptAction = "audit.reconcile.accept";

struct ReconcileReport {
  int64_t events = 0;        // events read
  int64_t baseline_seq = 0;  // the latest baseline event, 0 if the log has none
  // Record kinds no baseline covers yet (object types, "api_token"): a log
  // from a release that did not reconcile them. Their rows are compared
  // strictly all the same; the server's next reconciliation baselines them.
  std::vector<std::string> unbaselined;
  int64_t rows = 0;   // rows compared
  int64_t files = 0;  // evidence files re-hashed
  int64_t problem_count = 0;
  std::vector<ReconcileProblem> problems;  // the first kMaxReported
  bool ok() const { return problem_count == 0; }
  static constexpr size_t kMaxReported = 100;
};

// Runs inside the caller's read transaction, so the rows and the log are
// one snapshot. Memory: one entry per audited object.
Result<ReconcileReport> ReconcileRecords(Tx& tx);

// A row that differs from the log, with its current state (null: gone).
struct ReconcileAcceptance {
  std::string object_type, object_id;
  int64_t recorded_seq = 0;     // the event that last recorded it, 0 if none
  std::string recorded_digest;  // its after_digest, "" if none or removed
  nlohmann::json state;
};

class AuditLog;
struct AuditContext;

// Inside a write transaction, for the kinds without a baseline: appends one
// audit.reconcile.accept event per row of those kinds that differs from the
// log (so the log states it as found, openly) and then the baseline event
// naming the kinds (details.kinds). Returns how many rows it accepted; 0 when
// every kind has a baseline. A fresh database is baselined with none.
Result<int64_t> RecordReconcileBaseline(Tx& tx, const AuditLog& audit, const AuditContext& ctx);

struct Deps;

// What a scheduled reconciliation did.
struct ScheduledReconcile {
  ReconcileReport report;
  bool baselined = false;  // some kinds had no baseline: their rows were accepted as found
  int64_t accepted = 0;
  bool raised = false;  // a new finding (else one is open already, or none was needed)
  std::string finding_id;
};

// The server's scheduled check: reconciles in one read; a log without a
// baseline is baselined; on a difference raises a `records_edited_outside_log`
// finding (high; AU-9, CM-3, CM-5, CC8.1, ISO 27001 A.8.15) unless one is open.
// The caller decides what else to do (the server stops accepting writes).
Result<ScheduledReconcile> ReconcileAndRaise(const Deps& d, const AuditContext& ctx);

nlohmann::json ReconcileReportJson(const ReconcileReport& r);

}  // namespace cl
