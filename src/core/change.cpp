// Change records' enum names, their parsers and the content helpers; the
// JSON form and the material hash are in change_json.cpp.
#include "core/change.h"

#include <algorithm>

namespace cl {

const std::array<ChangeType, 3> kAllChangeTypes = {ChangeType::kStandard, ChangeType::kNormal, ChangeType::kEmergency};
const std::array<ChangeState, 12> kAllChangeStates = {
    ChangeState::kDraft,     ChangeState::kSubmitted,  ChangeState::kApproved,    ChangeState::kRejected,
    ChangeState::kScheduled, ChangeState::kInProgress, ChangeState::kImplemented, ChangeState::kVerified,
    ChangeState::kClosed,    ChangeState::kCancelled,  ChangeState::kFailed,      ChangeState::kRolledBack};
const std::array<Risk, 4> kAllRisks = {Risk::kLow, Risk::kMedium, Risk::kHigh, Risk::kCritical};
const std::array<ImpactArea, kImpactAreaCount> kAllImpactAreas = {
    ImpactArea::kIdentityAccess, ImpactArea::kNetworkExposure,   ImpactArea::kInternetExposure,
    ImpactArea::kDataProtection, ImpactArea::kEncryptionSecrets, ImpactArea::kLoggingMonitoring,
    ImpactArea::kAvailability,   ImpactArea::kSensitiveData};
const std::array<EvidenceKind, 9> kAllEvidenceKinds = {
    EvidenceKind::kPullRequest,   EvidenceKind::kPipelineRun,   EvidenceKind::kTestResult,
    EvidenceKind::kMonitoring,    EvidenceKind::kConfigDiff,    EvidenceKind::kBeforeSnapshot,
    EvidenceKind::kAfterSnapshot, EvidenceKind::kRetrospective, EvidenceKind::kOther};
const std::array<ReviewKind, 3> kAllReviewKinds = {ReviewKind::kRetrospective, ReviewKind::kPostImplementation,
                                                   ReviewKind::kConsoleSignoff};
const std::array<EvidenceOutcome, 4> kAllEvidenceOutcomes = {EvidenceOutcome::kNone, EvidenceOutcome::kSuccess,
                                                             EvidenceOutcome::kFailure, EvidenceOutcome::kUnknown};

namespace {

template <typename E, size_t N>
std::optional<E> ParseEnum(const std::array<E, N>& all, std::string_view s) {
  for (E v : all) {
    if (Name(v) == s) return v;
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, kImpactAreaCount> kImpactNames = {
    "identity_access",    "network_exposure",   "internet_exposure", "data_protection",
    "encryption_secrets", "logging_monitoring", "availability",      "sensitive_data"};

}  // namespace

nlohmann::json TimeOrNull(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(FormatRfc3339(*t)) : nlohmann::json(nullptr);
}

std::string_view Name(ChangeType v) {
  static constexpr std::string_view k[] = {"standard", "normal", "emergency"};
  return k[static_cast<int>(v)];
}
std::string_view Name(ChangeState v) {
  static constexpr std::string_view k[] = {"draft",     "submitted",   "approved",    "rejected",
                                           "scheduled", "in_progress", "implemented", "verified",
                                           "closed",    "cancelled",   "failed",      "rolled_back"};
  return k[static_cast<int>(v)];
}
std::string_view Name(Risk v) {
  static constexpr std::string_view k[] = {"low", "medium", "high", "critical"};
  return k[static_cast<int>(v)];
}
std::string_view Name(Answer v) {
  static constexpr std::string_view k[] = {"no", "yes", "unknown"};
  return k[static_cast<int>(v)];
}
std::string_view Name(ImpactArea v) { return kImpactNames[static_cast<int>(v)]; }
std::string_view Name(EvidenceKind v) {
  static constexpr std::string_view k[] = {"pull_request",   "pipeline_run",  "test_result",
                                           "monitoring",     "config_diff",   "before_snapshot",
                                           "after_snapshot", "retrospective", "other"};
  return k[static_cast<int>(v)];
}
std::string_view Name(EvidenceStatus v) {
  static constexpr std::string_view k[] = {"valid", "not_verifiable", "superseded"};
  return k[static_cast<int>(v)];
}
std::string_view Name(EvidenceOutcome v) {
  static constexpr std::string_view k[] = {"none", "success", "failure", "unknown"};
  return k[static_cast<int>(v)];
}
std::string_view Name(ReviewKind v) {
  static constexpr std::string_view k[] = {"retrospective", "post_implementation", "console_signoff"};
  return k[static_cast<int>(v)];
}
std::string_view Name(Responsibility v) {
  static constexpr std::string_view k[] = {"", "csp", "customer", "shared"};
  return k[static_cast<int>(v)];
}

std::optional<ChangeType> ParseChangeType(std::string_view s) { return ParseEnum(kAllChangeTypes, s); }
std::optional<ChangeState> ParseChangeState(std::string_view s) { return ParseEnum(kAllChangeStates, s); }
std::optional<Risk> ParseRisk(std::string_view s) { return ParseEnum(kAllRisks, s); }
std::optional<Answer> ParseAnswer(std::string_view s) {
  static constexpr std::array<Answer, 3> kAll = {Answer::kNo, Answer::kYes, Answer::kUnknown};
  return ParseEnum(kAll, s);
}
std::optional<ImpactArea> ParseImpactArea(std::string_view s) { return ParseEnum(kAllImpactAreas, s); }
std::optional<EvidenceKind> ParseEvidenceKind(std::string_view s) { return ParseEnum(kAllEvidenceKinds, s); }
std::optional<EvidenceStatus> ParseEvidenceStatus(std::string_view s) {
  static constexpr std::array<EvidenceStatus, 3> kAll = {EvidenceStatus::kValid, EvidenceStatus::kNotVerifiable,
                                                         EvidenceStatus::kSuperseded};
  return ParseEnum(kAll, s);
}
std::optional<EvidenceOutcome> ParseEvidenceOutcome(std::string_view s) { return ParseEnum(kAllEvidenceOutcomes, s); }
bool HasOutcome(EvidenceKind k) { return k == EvidenceKind::kPipelineRun || k == EvidenceKind::kTestResult; }
std::optional<ReviewKind> ParseReviewKind(std::string_view s) { return ParseEnum(kAllReviewKinds, s); }
std::optional<Responsibility> ParseResponsibility(std::string_view s) {
  static constexpr std::array<Responsibility, 3> kAll = {Responsibility::kCsp, Responsibility::kCustomer,
                                                         Responsibility::kShared};
  return ParseEnum(kAll, s);
}

bool IsTerminal(ChangeState s) {
  return s == ChangeState::kClosed || s == ChangeState::kCancelled || s == ChangeState::kRejected ||
         s == ChangeState::kRolledBack;
}

bool ImplementationStarted(ChangeState s) {
  return s == ChangeState::kInProgress || s == ChangeState::kImplemented || s == ChangeState::kVerified ||
         s == ChangeState::kClosed || s == ChangeState::kFailed || s == ChangeState::kRolledBack;
}

ImpactMask ChangeContent::ImpactSet() const {
  ImpactMask m = 0;
  for (size_t i = 0; i < kImpactAreaCount; ++i) {
    if (impact[i] && impact[i]->answer != Answer::kNo) m |= ImpactMask{1} << i;
  }
  return m;
}

bool IsContentField(std::string_view name) {
  return std::find(std::begin(kContentFields), std::end(kContentFields), name) != std::end(kContentFields);
}

bool HasField(const ChangeContent& c, std::string_view n) {
  if (n == "title") return !c.title.empty();
  if (n == "type") return true;
  if (n == "service") return !c.service.empty();
  if (n == "environment") return !c.environment.empty();
  if (n == "category") return !c.category.empty();
  if (n == "justification") return !c.justification.empty();
  if (n == "description") return !c.description.empty();
  if (n == "security_impact") {
    return std::all_of(c.impact.begin(), c.impact.end(), [](const auto& a) { return a.has_value(); });
  }
  if (n == "test_plan") return !c.test_plan.empty();
  if (n == "implementation_plan") return !c.implementation_plan.empty();
  if (n == "rollback_plan") return !c.rollback_plan.empty();
  if (n == "failure_conditions") return !c.failure_conditions.empty();
  if (n == "success_criteria") return !c.success_criteria.empty();
  if (n == "monitoring_plan") return !c.monitoring_plan.empty();
  if (n == "planned_window") return c.planned_start && c.planned_end;
  if (n == "responsibility") {
    return c.responsibility != Responsibility::kUnset && !c.responsibility_contact.empty();
  }
  if (n == "stakeholders") return !c.stakeholders.empty();
  if (n == "implementer") return !c.implementer.empty();
  if (n == "template") return !c.template_id.empty();
  if (n == "plan_digest") return !c.plan_digest.empty();
  if (n == "emergency_reason") return !c.emergency_reason.empty();
  return false;
}

}  // namespace cl
