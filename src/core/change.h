// Change records as the domain sees them: the one record format every team
// uses (R001-03), its security impact assessment (R001-05), lifecycle states,
// approvals, evidence and reviews. Plain values; the rules live in
// ChangePolicy (policy.h) and ChangeService (changes.h).
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace cl {

enum class ChangeType { kStandard, kNormal, kEmergency };
enum class ChangeState {
  kDraft,
  kSubmitted,
  kApproved,
  kRejected,
  kScheduled,
  kInProgress,
  kImplemented,
  kVerified,
  kClosed,
  kCancelled,
  kFailed,
  kRolledBack,
};
enum class Risk { kLow, kMedium, kHigh, kCritical };
enum class Answer { kNo, kYes, kUnknown };

// The security impact questions of R001-05, in a fixed order.
enum class ImpactArea {
  kIdentityAccess,
  kNetworkExposure,
  kInternetExposure,
  kDataProtection,
  kEncryptionSecrets,
  kLoggingMonitoring,
  kAvailability,
  kSensitiveData,
};
inline constexpr size_t kImpactAreaCount = 8;
using ImpactMask = uint32_t;  // bit per ImpactArea

enum class EvidenceKind {
  kPullRequest,
  kPipelineRun,
  kTestResult,
  kMonitoring,
  kConfigDiff,
  kBeforeSnapshot,
  kAfterSnapshot,
  kRetrospective,
  kOther,
};
enum class EvidenceStatus { kValid, kNotVerifiable, kSuperseded };
// What a run or test found. Pipeline runs and test results state it (and
// count only when they succeeded); other kinds have none. `unknown`: recorded
// before outcomes were kept, or a run that neither passed nor failed
// (cancelled, skipped); it never satisfies a requirement.
enum class EvidenceOutcome { kNone, kSuccess, kFailure, kUnknown };
enum class ReviewKind { kRetrospective, kPostImplementation, kConsoleSignoff };
enum class Responsibility { kUnset, kCsp, kCustomer, kShared };

std::string_view Name(ChangeType v);
std::string_view Name(ChangeState v);
std::string_view Name(Risk v);
std::string_view Name(Answer v);
std::string_view Name(ImpactArea v);
std::string_view Name(EvidenceKind v);
std::string_view Name(EvidenceStatus v);
std::string_view Name(EvidenceOutcome v);
std::string_view Name(ReviewKind v);
std::string_view Name(Responsibility v);
std::optional<ChangeType> ParseChangeType(std::string_view s);
std::optional<ChangeState> ParseChangeState(std::string_view s);
std::optional<Risk> ParseRisk(std::string_view s);
std::optional<Answer> ParseAnswer(std::string_view s);
std::optional<ImpactArea> ParseImpactArea(std::string_view s);
std::optional<EvidenceKind> ParseEvidenceKind(std::string_view s);
std::optional<EvidenceStatus> ParseEvidenceStatus(std::string_view s);
std::optional<EvidenceOutcome> ParseEvidenceOutcome(std::string_view s);
std::optional<ReviewKind> ParseReviewKind(std::string_view s);
std::optional<Responsibility> ParseResponsibility(std::string_view s);
std::vector<std::string> Names(const auto& all) {
  std::vector<std::string> out;
  for (auto v : all) out.emplace_back(Name(v));
  return out;
}
extern const std::array<ChangeType, 3> kAllChangeTypes;
extern const std::array<ChangeState, 12> kAllChangeStates;
extern const std::array<Risk, 4> kAllRisks;
extern const std::array<ImpactArea, kImpactAreaCount> kAllImpactAreas;
extern const std::array<EvidenceKind, 9> kAllEvidenceKinds;
extern const std::array<ReviewKind, 3> kAllReviewKinds;
extern const std::array<EvidenceOutcome, 4> kAllEvidenceOutcomes;
// Kinds whose items say whether they succeeded (pipeline_run, test_result).
bool HasOutcome(EvidenceKind k);

inline ImpactMask Bit(ImpactArea a) { return ImpactMask{1} << static_cast<int>(a); }
bool IsTerminal(ChangeState s);
// States in which implementation has begun (approvals then are retrospective).
bool ImplementationStarted(ChangeState s);

struct ImpactAnswer {
  Answer answer = Answer::kUnknown;
  std::string note;
  bool operator==(const ImpactAnswer&) const = default;
};

// Everything a requestor writes. Material fields (all but stakeholders and
// description) feed the content hash that approvals are bound to (B-01).
struct ChangeContent {
  std::string title;
  ChangeType type = ChangeType::kNormal;
  std::string service;
  std::string environment;
  std::string category;
  std::string justification;
  std::string description;
  std::array<std::optional<ImpactAnswer>, kImpactAreaCount> impact{};  // unset: not answered
  std::string test_plan;
  std::string implementation_plan;
  std::string rollback_plan;
  std::string failure_conditions;
  std::string success_criteria;
  std::string monitoring_plan;
  std::optional<Timestamp> planned_start;
  std::optional<Timestamp> planned_end;
  std::string timezone;  // IANA name for display; times are stored in UTC
  Responsibility responsibility = Responsibility::kUnset;
  std::string responsibility_contact;
  std::vector<std::string> stakeholders;
  std::string implementer;  // username; empty: whoever starts it
  std::string template_id;
  nlohmann::json template_params = nlohmann::json::object();
  std::string plan_digest;       // "sha256:<hex>" of an attached IaC plan
  std::string emergency_reason;  // emergency: one of the policy's qualifying reasons (R000-09)

  // Areas answered yes or unknown ("unknown" counts as yes for risk).
  ImpactMask ImpactSet() const;
};

// Field names as the API, the policy and error pointers use them.
inline constexpr std::string_view kContentFields[] = {"title",
                                                      "type",
                                                      "service",
                                                      "environment",
                                                      "category",
                                                      "justification",
                                                      "description",
                                                      "security_impact",
                                                      "test_plan",
                                                      "implementation_plan",
                                                      "rollback_plan",
                                                      "failure_conditions",
                                                      "success_criteria",
                                                      "monitoring_plan",
                                                      "planned_window",
                                                      "responsibility",
                                                      "stakeholders",
                                                      "implementer",
                                                      "template",
                                                      "plan_digest",
                                                      "emergency_reason"};
bool IsContentField(std::string_view name);
// Whether the named field has a value (security_impact: every area answered).
bool HasField(const ChangeContent& c, std::string_view name);

// An RFC 3339 string, or null when unset (how every API shows optional times).
nlohmann::json TimeOrNull(const std::optional<Timestamp>& t);

nlohmann::json ContentToJson(const ChangeContent& c);
// Strict: unknown keys, wrong types and bad enum values are field errors.
Result<ChangeContent> ContentFromJson(const nlohmann::json& j);
// Applies a partial update (keys present replace; null clears).
Result<ChangeContent> MergeContent(const ChangeContent& base, const nlohmann::json& patch);
// The material part, canonicalised, and its SHA-256 ("sha256:<hex>").
nlohmann::json MaterialJson(const ChangeContent& c);
std::string MaterialHash(const ChangeContent& c);
// The same hash from ContentToJson(c), for callers that already built it.
std::string MaterialHashOf(const nlohmann::json& content_json);

// A policy rule that fired for a change, as the API shows it under "why".
struct FiredRule {
  std::string id;
  std::string description;
  std::string effect;  // "risk high", "requires security, service_owner"
};

// The policy's verdict on one change (Evaluate in policy.h), recorded on the
// change at submission and at every later edit; the rules read these fields.
struct Assessment {
  Risk risk = Risk::kLow;
  std::vector<FiredRule> risk_rules;
  std::vector<std::string> required_roles;  // sorted, distinct
  std::vector<FiredRule> approval_rules;
  int min_distinct_approvers = 1;
  std::vector<FieldError> missing_fields;
  std::vector<FieldError> problems;  // unknown category/environment, template misuse
  std::vector<FiredRule> freezes;    // freeze windows the planned window overlaps
  bool pre_approved = false;         // standard change from a template within its max risk
  std::vector<EvidenceKind> closure_evidence;
  std::vector<EvidenceKind> approval_evidence;  // needed before an approval counts
  std::vector<EvidenceKind> start_evidence;     // needed before implementation starts
  bool snapshots_required = false;
  int64_t approval_sla_hours = 0;  // approvals due this long after submission; 0: no limit

  // "incomplete", "frozen", "pre_approved", "expedited" or "needs_approval".
  std::string Decision(ChangeType type) const;
  nlohmann::json ToJson(ChangeType type) const;
};

// Reads back what Assessment::ToJson wrote; kDataLoss names the field that
// does not have the written shape.
Result<Assessment> AssessmentFromJson(const nlohmann::json& j);

struct Change {
  std::string id;
  int64_t number = 0;
  ChangeState state = ChangeState::kDraft;
  ChangeContent content;
  int64_t content_version = 1;
  std::string material_hash;
  Risk risk = Risk::kLow;
  std::optional<Assessment> assessment;  // once submitted
  int64_t policy_version = 0;
  std::string requestor_id;
  std::string requestor;
  std::string implementer_id;  // who started it
  std::string implementer;
  nlohmann::json verification = nullptr;  // post-change checklist (R001-11)
  std::optional<Timestamp> submitted_at, approved_at, scheduled_at, started_at, implemented_at, verified_at, closed_at;
  std::optional<Timestamp> review_deadline;   // emergency: approvals + retrospective due
  std::optional<Timestamp> retrospective_at;  // emergency: CAB review recorded
  bool needs_independent_review = false;      // compensating control in use
  Timestamp created_at;
  Timestamp updated_at;
  int64_t row_version = 1;

  std::string Key() const { return "CHG-" + std::to_string(number); }
};

struct ChangeVersion {
  std::string change_id;
  int64_t version = 1;
  std::string material_hash;
  nlohmann::json content;
  std::string author_id;
  std::string author;
  Timestamp created_at;
};

struct Transition {
  int64_t seq = 0;
  std::string change_id;
  ChangeState from = ChangeState::kDraft;
  ChangeState to = ChangeState::kDraft;
  std::string action;
  std::string actor_id;
  std::string actor;
  Timestamp at;
  std::string note;
};

struct Approval {
  std::string id;
  std::string change_id;
  std::string approver_id;
  std::string approver;
  std::string role;  // approval role from the policy ("security")
  bool approve = true;
  std::string comment;
  int64_t content_version = 0;
  std::string material_hash;
  bool retrospective = false;  // given after implementation started (emergency)
  bool compensating = false;   // SoD met by an independent post-implementation review
  Timestamp created_at;
  std::optional<Timestamp> voided_at;
  std::string voided_reason;

  bool valid() const { return !voided_at.has_value(); }
};

struct Evidence {
  std::string id;
  std::string change_id;
  EvidenceKind kind = EvidenceKind::kOther;
  std::string url;
  std::string sha256;  // of an uploaded file, hex
  std::string filename;
  std::string content_type;
  int64_t size = 0;
  std::string note;
  std::string added_by_id;
  std::string added_by;
  Timestamp created_at;
  EvidenceStatus status = EvidenceStatus::kValid;
  std::string status_reason;
  EvidenceOutcome outcome = EvidenceOutcome::kNone;
  // Set when the file is a snapshot the server fetched from `url` (a pull
  // request, merge request or pipeline through the configured API token).
  std::optional<Timestamp> snapshot_at;

  // What was kept of it: "snapshot" (what the link showed, fetched then),
  // "file" (uploaded bytes), "link_only" (only the URL) or "record" (neither).
  std::string_view Retained() const {
    if (snapshot_at) return "snapshot";
    if (!sha256.empty()) return "file";
    return url.empty() ? "record" : "link_only";
  }

  // Whether it meets a requirement for its kind: valid, and for kinds with
  // an outcome, successful.
  bool Satisfies() const {
    return status == EvidenceStatus::kValid &&
           (HasOutcome(kind) ? outcome == EvidenceOutcome::kSuccess : outcome != EvidenceOutcome::kFailure);
  }
};

struct Review {
  std::string id;
  std::string change_id;
  ReviewKind kind = ReviewKind::kRetrospective;
  std::string reviewer_id;
  std::string reviewer;
  std::string outcome;  // accepted | concerns
  std::string notes;
  Timestamp created_at;
};

struct FileBlob {
  std::string sha256;  // hex
  std::string content_type;
  std::string data;
  Timestamp created_at;
};

struct Finding {
  std::string id;
  std::string kind;  // "emergency_review_overdue"
  std::string severity;
  std::string object_type;
  std::string object_id;
  std::vector<std::string> controls;
  std::string summary;
  nlohmann::json details = nlohmann::json::object();
  std::string status = "open";
  Timestamp created_at;
};

}  // namespace cl
