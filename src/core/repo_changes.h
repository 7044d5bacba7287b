// The repository of change records and what hangs off them, and its queries.
// Part of the Store interface (core/store.h): implemented once in
// storage/sql/ for both backends; used only inside a Tx. Interfaces only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/change.h"
#include "core/status.h"

namespace cl {

enum class ChangeSort { kNumber, kPlannedStart, kUpdatedAt };

struct ChangeListQuery {
  std::optional<ChangeState> state;
  std::optional<ChangeType> type;
  std::optional<Risk> risk;
  std::string service;
  std::string environment;
  std::string category;
  std::string requestor;                  // username
  std::optional<Timestamp> created_from;  // inclusive
  std::optional<Timestamp> created_to;    // exclusive
  ChangeSort sort = ChangeSort::kNumber;
  bool descending = true;
  // Keyset cursor: the sort value and number of the last row of the previous page.
  std::optional<int64_t> after_value;
  std::optional<int64_t> after_number;
  int64_t limit = 50;
};

struct EmergencyPattern {
  std::string service;
  std::string category;
  int64_t count = 0;
  std::vector<int64_t> numbers;
  Timestamp first, last;
};

class ChangeRepo {
 public:
  virtual ~ChangeRepo() = default;
  // Allocates the next CHG number (inside the write transaction).
  virtual Result<int64_t> NextNumber() = 0;
  virtual Status Insert(const Change& change) = 0;
  // Writes `change` if the stored row_version is change.row_version - 1; else kConflict.
  virtual Status Update(const Change& change) = 0;
  virtual Result<std::optional<Change>> FindByNumber(int64_t number) = 0;
  virtual Result<std::vector<Change>> List(const ChangeListQuery& q) = 0;
  // Emergencies past their review deadline still missing approvals or the
  // retrospective, and without an open overdue finding yet.
  virtual Result<std::vector<Change>> OverdueEmergencies(Timestamp now) = 0;
  // Changes for a service and environment that a deployment could belong to
  // (draft through implemented), newest first.
  virtual Result<std::vector<Change>> DeployCandidates(std::string_view service, std::string_view environment) = 0;
  virtual Result<std::vector<EmergencyPattern>> EmergencyPatterns(Timestamp since, int64_t min_count) = 0;

  virtual Status InsertVersion(const ChangeVersion& v) = 0;
  virtual Result<std::vector<ChangeVersion>> Versions(std::string_view change_id) = 0;
  virtual Status InsertTransition(const Transition& t) = 0;
  virtual Result<std::vector<Transition>> Transitions(std::string_view change_id) = 0;
  virtual Status InsertApproval(const Approval& a) = 0;
  virtual Result<std::vector<Approval>> Approvals(std::string_view change_id) = 0;
  virtual Status VoidApproval(std::string_view id, Timestamp at, std::string_view reason) = 0;
  virtual Status InsertEvidence(const Evidence& e) = 0;
  virtual Result<std::vector<Evidence>> EvidenceOf(std::string_view change_id) = 0;
  virtual Status SetEvidenceStatus(std::string_view id, EvidenceStatus status, std::string_view reason) = 0;
  virtual Status InsertReview(const Review& r) = 0;
  virtual Result<std::vector<Review>> Reviews(std::string_view change_id) = 0;
  // Content-addressed: storing the same bytes twice is a no-op.
  virtual Status PutBlob(const FileBlob& blob) = 0;
  virtual Result<std::optional<FileBlob>> GetBlob(std::string_view sha256) = 0;
};

}  // namespace cl
