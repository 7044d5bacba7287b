// ChangeService: the change control engine (C1). Creates and edits change
// records (each edit a new content version), moves them through the
// lifecycle with explicit actions, records approvals bound to the content
// hash (voided by material edits), evidence and reviews, and enforces the
// active policy: required fields, segregation of duties, freeze windows,
// snapshots for console changes, closure evidence and emergency deadlines.
// Every mutation is authorized, validated and audit-logged in the same
// transaction. Thread-safe (state lives in the store).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/change_rules.h"
#include "core/deps.h"
#include "core/evidence_snapshots.h"
#include "core/people_notifications.h"
#include "core/policy_service.h"
#include "core/principal.h"

namespace cl {

enum class ChangeAction { kSubmit, kSchedule, kStart, kComplete, kFail, kRollback, kVerify, kClose, kCancel };
std::string_view Name(ChangeAction a);
std::optional<ChangeAction> ParseChangeAction(std::string_view s);
extern const std::array<ChangeAction, 9> kAllChangeActions;

struct ActionInput {
  std::string note;
  std::optional<Timestamp> planned_start;  // schedule: override the window
  std::optional<Timestamp> planned_end;
  nlohmann::json checklist = nullptr;  // verify: the post-change checklist
};

struct DecisionInput {
  bool approve = true;
  std::string role;  // empty: the first outstanding role the approver qualifies for
  std::string comment;
  bool compensating = false;  // ask for the small-team compensating control
  // What the approver reviewed: the decision is refused (kConflict, nothing
  // recorded) if the change has moved on since, so an edit racing an
  // approval can never be approved unseen.
  std::optional<int64_t> content_version;
  std::string material_sha256;
};

struct NewEvidence {
  EvidenceKind kind = EvidenceKind::kOther;
  std::string url;
  std::string note;
  std::string filename;
  std::string content_type;
  std::optional<std::string> content;  // uploaded bytes
  // Required for kinds with an outcome (pipeline_run, test_result): success
  // or failure; others default to none.
  std::optional<EvidenceOutcome> outcome;
};

// A change with everything hanging off it and the rules' current verdicts.
struct ChangeDetail {
  Change change;
  std::vector<Approval> approvals;
  std::vector<Evidence> evidence;
  std::vector<Review> reviews;
  std::vector<Transition> transitions;
  std::vector<ChangeVersion> versions;
  ApprovalProgress approval;
  bool overdue = false;
  // Normal changes under a policy with approval SLAs (R000-08): when the
  // approvals are due, and whether that passed while it waits for them.
  std::optional<Timestamp> approval_due;
  bool approval_overdue = false;
  std::vector<FieldError> closure_missing;  // what close would refuse for now
  std::vector<IacAttachment> iac;
  std::vector<Deployment> deployments;
  std::vector<ArtifactLink> artifacts;
  // What the reader may do to it now (ChangePermits, change_permits.h), as JSON.
  nlohmann::json permits;
};

class ChangeService {
 public:
  // `snapshots` (may be null): keeps what evidence links show.
  ChangeService(const Deps& deps, PolicyService& policies, NotifySettings notify = {},
                const EvidenceSnapshotter* snapshots = nullptr)
      : d_(deps), policies_(policies), notify_(notify), snapshots_(snapshots) {}

  Result<Change> Create(const Principal& who, const AuditContext& ctx, const nlohmann::json& fields);
  Result<Change> Edit(const Principal& who, const AuditContext& ctx, int64_t number, const nlohmann::json& patch,
                      std::optional<int64_t> expected_row_version);
  Result<Change> Act(const Principal& who, const AuditContext& ctx, int64_t number, ChangeAction action,
                     const ActionInput& in);
  // `after`, when given, receives the change as the decision left it.
  Result<Approval> Decide(const Principal& who, const AuditContext& ctx, int64_t number, const DecisionInput& in,
                          Change* after = nullptr);
  Result<Evidence> AddEvidence(const Principal& who, const AuditContext& ctx, int64_t number, const NewEvidence& in);
  // `seen`: the status the caller judged from (refused with 409 if it has
  // changed since).
  Result<Evidence> SetEvidenceStatus(const Principal& who, const AuditContext& ctx, int64_t number,
                                     std::string_view evidence_id, EvidenceStatus seen, EvidenceStatus status,
                                     const std::string& reason);
  Result<Review> AddReview(const Principal& who, const AuditContext& ctx, int64_t number, ReviewKind kind,
                           const std::string& outcome, const std::string& notes);

  // Binds a classified Terraform plan or Kubernetes manifest to the change:
  // its digest becomes part of the approved content, the classification
  // raises (never lowers) the security impact answers, and the bytes are kept
  // as config_diff evidence. The requestor, a change manager or a pipeline
  // (evidence:write) may attach.
  Result<IacAttachment> AttachIac(const Principal& who, const AuditContext& ctx, int64_t number,
                                  const IacUpload& upload);

  Result<ChangeDetail> Get(const Principal& who, int64_t number);
  Result<std::vector<Change>> List(const Principal& who, const ChangeListQuery& q);
  // Changes awaiting a decision `who` may give now (ChangePermits.approve or
  // .reject): submitted changes, and emergency changes taking approvals after
  // the fact. Newest first, at most `limit`.
  Result<std::vector<Change>> AwaitingDecision(const Principal& who, int64_t limit);
  Result<FileBlob> GetFile(const Principal& who, std::string_view sha256);

  // Raises a finding for every emergency change past its review deadline
  // without approvals or retrospective; returns how many were new.
  Result<int64_t> RaiseOverdueFindings(const AuditContext& ctx);
  // Reminds approvers of approval deadlines coming up and tells them and
  // the change managers of those passed (R000-08); returns how many
  // notifications it queued. Run by the server every minute.
  Result<int64_t> RemindApprovalDeadlines();
  Result<std::vector<Finding>> Findings(const Principal& who, const FindingQuery& q);
  // Repeat emergencies on one service and category within the policy's
  // window: candidates for a standard template (R001-15).
  Result<std::vector<EmergencyPattern>> EmergencyPatterns(const Principal& who);

  // Files attached as evidence: at most this many bytes.
  static constexpr size_t kMaxFileBytes = 5 << 20;

 private:
  Result<Change> Load(Tx& tx, int64_t number);
  // A content edit inside `tx`: new version, re-assessment, approvals voided
  // by a material change. The caller has checked who may edit.
  Result<Change> ApplyEdit(Tx& tx, const Principal& who, const AuditContext& ctx, const Change& before,
                           const nlohmann::json& patch, std::string_view action);
  Status Record(Tx& tx, const AuditContext& ctx, const Change& before, const Change& after, std::string_view action,
                const std::string& note);
  // Queues the notifications to people of `after` having moved from `from`.
  Status Notify(Tx& tx, const AuditContext& ctx, ChangeState from, const Change& after, const std::string& note);

  const Deps& d_;
  PolicyService& policies_;
  NotifySettings notify_;
  const EvidenceSnapshotter* snapshots_;
};

// The requestor or a change manager: may edit a change's content and submit,
// close or cancel it.
bool MayEdit(const Principal& who, const Change& c);
// Whether the change's content may still be edited (by anyone): not once it
// is finished, implemented or being implemented (emergencies excepted), and
// not for a submitted standard change (its template fixes it). Conflict says why.
Status ContentEditable(const Change& c);

// Reads "CHG-42" or "42".
std::optional<int64_t> ParseChangeKey(std::string_view key);

}  // namespace cl
