// Reconciliation of the working tables with the audit log: every audited
// row (changes, approvals, evidence and its files, reviews, users) must be
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

struct ReconcileReport {
  int64_t events = 0;  // events read
  int64_t rows = 0;    // rows compared
  int64_t files = 0;   // evidence files re-hashed
  int64_t problem_count = 0;
  std::vector<ReconcileProblem> problems;  // the first kMaxReported
  bool ok() const { return problem_count == 0; }
  static constexpr size_t kMaxReported = 100;
};

// Runs inside the caller's read transaction, so the rows and the log are
// one snapshot. Memory: one entry per audited object.
Result<ReconcileReport> ReconcileRecords(Tx& tx);

nlohmann::json ReconcileReportJson(const ReconcileReport& r);

}  // namespace cl
