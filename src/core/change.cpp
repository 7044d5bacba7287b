#include "core/change.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/audit_log.h"
#include "crypto/crypto.h"

namespace cl {

const std::array<ChangeType, 3> kAllChangeTypes = {ChangeType::kStandard, ChangeType::kNormal,
                                                   ChangeType::kEmergency};
const std::array<ChangeState, 12> kAllChangeStates = {
    ChangeState::kDraft,       ChangeState::kSubmitted, ChangeState::kApproved,
    ChangeState::kRejected,    ChangeState::kScheduled, ChangeState::kInProgress,
    ChangeState::kImplemented, ChangeState::kVerified,  ChangeState::kClosed,
    ChangeState::kCancelled,   ChangeState::kFailed,    ChangeState::kRolledBack};
const std::array<Risk, 4> kAllRisks = {Risk::kLow, Risk::kMedium, Risk::kHigh, Risk::kCritical};
const std::array<ImpactArea, kImpactAreaCount> kAllImpactAreas = {
    ImpactArea::kIdentityAccess,    ImpactArea::kNetworkExposure, ImpactArea::kInternetExposure,
    ImpactArea::kDataProtection,    ImpactArea::kEncryptionSecrets,
    ImpactArea::kLoggingMonitoring, ImpactArea::kAvailability,    ImpactArea::kSensitiveData};
const std::array<EvidenceKind, 9> kAllEvidenceKinds = {
    EvidenceKind::kPullRequest,    EvidenceKind::kPipelineRun,   EvidenceKind::kTestResult,
    EvidenceKind::kMonitoring,     EvidenceKind::kConfigDiff,    EvidenceKind::kBeforeSnapshot,
    EvidenceKind::kAfterSnapshot,  EvidenceKind::kRetrospective, EvidenceKind::kOther};
const std::array<ReviewKind, 3> kAllReviewKinds = {
    ReviewKind::kRetrospective, ReviewKind::kPostImplementation, ReviewKind::kConsoleSignoff};

namespace {

template <typename E, size_t N>
std::optional<E> ParseEnum(const std::array<E, N>& all, std::string_view s) {
  for (E v : all) {
    if (Name(v) == s) return v;
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, kImpactAreaCount> kImpactNames = {
    "identity_access",   "network_exposure",   "internet_exposure", "data_protection",
    "encryption_secrets", "logging_monitoring", "availability",      "sensitive_data"};

// Collects field errors while reading a JSON object strictly.
class Reader {
 public:
  explicit Reader(std::vector<FieldError>& errors) : errors_(errors) {}

  void Error(std::string field, std::string message) {
    errors_.push_back({std::move(field), std::move(message)});
  }
  bool Text(const nlohmann::json& v, const std::string& field, std::string& out, size_t max) {
    if (v.is_null()) {
      out.clear();
      return true;
    }
    if (!v.is_string()) {
      Error(field, "must be a string");
      return false;
    }
    out = v.get<std::string>();
    if (out.size() > max) {
      Error(field, fmt::format("must be at most {} bytes", max));
      return false;
    }
    return true;
  }
  template <typename E>
  void Enum(const nlohmann::json& v, const std::string& field, E& out,
            std::optional<E> (*parse)(std::string_view), const std::vector<std::string>& names) {
    std::string s;
    if (!Text(v, field, s, 64)) return;
    if (auto e = parse(s)) {
      out = *e;
    } else {
      Error(field, fmt::format("'{}' is not one of {}", s, fmt::join(names, ", ")));
    }
  }
  void Time(const nlohmann::json& v, const std::string& field, std::optional<Timestamp>& out) {
    std::string s;
    if (!Text(v, field, s, 64)) return;
    if (s.empty()) {
      out.reset();
    } else if (auto t = ParseRfc3339(s)) {
      out = *t;
    } else {
      Error(field, "must be an RFC 3339 date-time with a zone, e.g. 2026-11-24T22:00:00+01:00");
    }
  }

 private:
  std::vector<FieldError>& errors_;
};

constexpr size_t kShort = 200;
constexpr size_t kLong = 20000;

void ReadImpact(Reader& r, const nlohmann::json& v, ChangeContent& c) {
  if (v.is_null()) {
    c.impact = {};
    return;
  }
  if (!v.is_object()) return r.Error("/security_impact", "must be an object of answers");
  for (const auto& [key, answer] : v.items()) {
    const std::string field = "/security_impact/" + key;
    auto area = ParseImpactArea(key);
    if (!area) {
      r.Error(field, fmt::format("unknown question; one of {}", fmt::join(kImpactNames, ", ")));
      continue;
    }
    auto& slot = c.impact[static_cast<size_t>(*area)];
    if (answer.is_null()) {
      slot.reset();
      continue;
    }
    ImpactAnswer a;
    nlohmann::json ans = answer;
    if (answer.is_object()) {
      for (const auto& [k, _] : answer.items()) {
        if (k != "answer" && k != "note") r.Error(field + "/" + k, "unknown field");
      }
      ans = answer.value("answer", nlohmann::json());
      r.Text(answer.value("note", nlohmann::json()), field + "/note", a.note, kLong);
    }
    if (ans.is_boolean()) {
      a.answer = ans.get<bool>() ? Answer::kYes : Answer::kNo;
    } else {
      r.Enum(ans, answer.is_object() ? field + "/answer" : field, a.answer, ParseAnswer,
             {"yes", "no", "unknown"});
      if (ans.is_null()) r.Error(field + "/answer", "answer yes, no or unknown");
    }
    slot = a;
  }
}

void ReadField(Reader& r, const std::string& key, const nlohmann::json& v, ChangeContent& c) {
  const std::string f = "/" + key;
  if (key == "title") r.Text(v, f, c.title, kShort);
  else if (key == "type") r.Enum(v, f, c.type, ParseChangeType, Names(kAllChangeTypes));
  else if (key == "service") r.Text(v, f, c.service, kShort);
  else if (key == "environment") r.Text(v, f, c.environment, 64);
  else if (key == "category") r.Text(v, f, c.category, 64);
  else if (key == "justification") r.Text(v, f, c.justification, kLong);
  else if (key == "description") r.Text(v, f, c.description, kLong);
  else if (key == "security_impact") ReadImpact(r, v, c);
  else if (key == "test_plan") r.Text(v, f, c.test_plan, kLong);
  else if (key == "implementation_plan") r.Text(v, f, c.implementation_plan, kLong);
  else if (key == "rollback_plan") r.Text(v, f, c.rollback_plan, kLong);
  else if (key == "failure_conditions") r.Text(v, f, c.failure_conditions, kLong);
  else if (key == "success_criteria") r.Text(v, f, c.success_criteria, kLong);
  else if (key == "monitoring_plan") r.Text(v, f, c.monitoring_plan, kLong);
  else if (key == "implementer") r.Text(v, f, c.implementer, 64);
  else if (key == "plan_digest") {
    r.Text(v, f, c.plan_digest, 80);
    if (!c.plan_digest.empty() &&
        (c.plan_digest.rfind("sha256:", 0) != 0 || c.plan_digest.size() != 71 ||
         !crypto::FromHex(c.plan_digest.substr(7)))) {
      r.Error(f, "must be sha256:<64 hex digits>");
    }
  } else if (key == "planned_window") {
    if (v.is_null()) {
      c.planned_start.reset();
      c.planned_end.reset();
      c.timezone.clear();
    } else if (!v.is_object()) {
      r.Error(f, "must be an object {start, end, timezone}");
    } else {
      for (const auto& [k, x] : v.items()) {
        if (k == "start") r.Time(x, f + "/start", c.planned_start);
        else if (k == "end") r.Time(x, f + "/end", c.planned_end);
        else if (k == "timezone") {
          if (r.Text(x, f + "/timezone", c.timezone, 64) &&
              c.timezone.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-/") !=
                  std::string::npos) {
            r.Error(f + "/timezone", "must be an IANA time zone name such as Europe/Berlin or UTC");
          }
        }
        else r.Error(f + "/" + k, "unknown field");
      }
    }
  } else if (key == "responsibility") {
    if (v.is_null()) {
      c.responsibility = Responsibility::kUnset;
      c.responsibility_contact.clear();
    } else if (!v.is_object()) {
      r.Error(f, "must be an object {owner, contact}");
    } else {
      for (const auto& [k, x] : v.items()) {
        if (k == "owner") {
          r.Enum(x, f + "/owner", c.responsibility, ParseResponsibility,
                 {"csp", "customer", "shared"});
        } else if (k == "contact") {
          r.Text(x, f + "/contact", c.responsibility_contact, kShort);
        } else {
          r.Error(f + "/" + k, "unknown field");
        }
      }
    }
  } else if (key == "stakeholders") {
    c.stakeholders.clear();
    if (v.is_null()) return;
    if (!v.is_array() || v.size() > 100) return r.Error(f, "must be a list of at most 100 names");
    for (size_t i = 0; i < v.size(); ++i) {
      std::string s;
      if (r.Text(v[i], fmt::format("{}/{}", f, i), s, kShort)) c.stakeholders.push_back(s);
    }
  } else if (key == "template") {
    if (v.is_null()) {
      c.template_id.clear();
      c.template_params = nlohmann::json::object();
    } else if (!v.is_object()) {
      r.Error(f, "must be an object {id, parameters}");
    } else {
      for (const auto& [k, x] : v.items()) {
        if (k == "id") r.Text(x, f + "/id", c.template_id, 64);
        else if (k == "parameters" && x.is_object()) c.template_params = x;
        else if (k == "parameters") r.Error(f + "/parameters", "must be an object");
        else r.Error(f + "/" + k, "unknown field");
      }
    }
  } else {
    r.Error(f, "unknown field");
  }
}

}  // namespace

nlohmann::json TimeOrNull(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(FormatRfc3339(*t)) : nlohmann::json(nullptr);
}

std::string_view Name(ChangeType v) {
  static constexpr std::string_view k[] = {"standard", "normal", "emergency"};
  return k[static_cast<int>(v)];
}
std::string_view Name(ChangeState v) {
  static constexpr std::string_view k[] = {
      "draft",       "submitted", "approved", "rejected",  "scheduled", "in_progress",
      "implemented", "verified",  "closed",   "cancelled", "failed",    "rolled_back"};
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
  static constexpr std::string_view k[] = {
      "pull_request",    "pipeline_run",   "test_result",   "monitoring", "config_diff",
      "before_snapshot", "after_snapshot", "retrospective", "other"};
  return k[static_cast<int>(v)];
}
std::string_view Name(EvidenceStatus v) {
  static constexpr std::string_view k[] = {"valid", "not_verifiable", "superseded"};
  return k[static_cast<int>(v)];
}
std::string_view Name(ReviewKind v) {
  static constexpr std::string_view k[] = {"retrospective", "post_implementation",
                                           "console_signoff"};
  return k[static_cast<int>(v)];
}
std::string_view Name(Responsibility v) {
  static constexpr std::string_view k[] = {"", "csp", "customer", "shared"};
  return k[static_cast<int>(v)];
}

std::optional<ChangeType> ParseChangeType(std::string_view s) { return ParseEnum(kAllChangeTypes, s); }
std::optional<ChangeState> ParseChangeState(std::string_view s) {
  return ParseEnum(kAllChangeStates, s);
}
std::optional<Risk> ParseRisk(std::string_view s) { return ParseEnum(kAllRisks, s); }
std::optional<Answer> ParseAnswer(std::string_view s) {
  static constexpr std::array<Answer, 3> kAll = {Answer::kNo, Answer::kYes, Answer::kUnknown};
  return ParseEnum(kAll, s);
}
std::optional<ImpactArea> ParseImpactArea(std::string_view s) {
  return ParseEnum(kAllImpactAreas, s);
}
std::optional<EvidenceKind> ParseEvidenceKind(std::string_view s) {
  return ParseEnum(kAllEvidenceKinds, s);
}
std::optional<EvidenceStatus> ParseEvidenceStatus(std::string_view s) {
  static constexpr std::array<EvidenceStatus, 3> kAll = {
      EvidenceStatus::kValid, EvidenceStatus::kNotVerifiable, EvidenceStatus::kSuperseded};
  return ParseEnum(kAll, s);
}
std::optional<ReviewKind> ParseReviewKind(std::string_view s) { return ParseEnum(kAllReviewKinds, s); }
std::optional<Responsibility> ParseResponsibility(std::string_view s) {
  static constexpr std::array<Responsibility, 3> kAll = {
      Responsibility::kCsp, Responsibility::kCustomer, Responsibility::kShared};
  return ParseEnum(kAll, s);
}

bool IsTerminal(ChangeState s) {
  return s == ChangeState::kClosed || s == ChangeState::kCancelled ||
         s == ChangeState::kRejected || s == ChangeState::kRolledBack;
}

bool ImplementationStarted(ChangeState s) {
  return s == ChangeState::kInProgress || s == ChangeState::kImplemented ||
         s == ChangeState::kVerified || s == ChangeState::kClosed || s == ChangeState::kFailed ||
         s == ChangeState::kRolledBack;
}

ImpactMask ChangeContent::ImpactSet() const {
  ImpactMask m = 0;
  for (size_t i = 0; i < kImpactAreaCount; ++i) {
    if (impact[i] && impact[i]->answer != Answer::kNo) m |= ImpactMask{1} << i;
  }
  return m;
}

bool IsContentField(std::string_view name) {
  return std::find(std::begin(kContentFields), std::end(kContentFields), name) !=
         std::end(kContentFields);
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
  return false;
}

nlohmann::json ContentToJson(const ChangeContent& c) {
  nlohmann::json impact = nlohmann::json::object();
  for (ImpactArea a : kAllImpactAreas) {
    const auto& ans = c.impact[static_cast<size_t>(a)];
    impact[std::string(Name(a))] =
        ans ? nlohmann::json{{"answer", Name(ans->answer)}, {"note", ans->note}} : nullptr;
  }
  nlohmann::json resp = nullptr;
  if (c.responsibility != Responsibility::kUnset || !c.responsibility_contact.empty()) {
    resp = {{"owner", c.responsibility == Responsibility::kUnset
                          ? nlohmann::json(nullptr)
                          : nlohmann::json(Name(c.responsibility))},
            {"contact", c.responsibility_contact}};
  }
  nlohmann::json window = nullptr;
  if (c.planned_start || c.planned_end || !c.timezone.empty()) {
    window = {{"start", TimeOrNull(c.planned_start)},
              {"end", TimeOrNull(c.planned_end)},
              {"timezone", c.timezone}};
  }
  nlohmann::json tmpl = nullptr;
  if (!c.template_id.empty()) tmpl = {{"id", c.template_id}, {"parameters", c.template_params}};
  return {{"title", c.title},
          {"type", Name(c.type)},
          {"service", c.service},
          {"environment", c.environment},
          {"category", c.category},
          {"justification", c.justification},
          {"description", c.description},
          {"security_impact", impact},
          {"test_plan", c.test_plan},
          {"implementation_plan", c.implementation_plan},
          {"rollback_plan", c.rollback_plan},
          {"failure_conditions", c.failure_conditions},
          {"success_criteria", c.success_criteria},
          {"monitoring_plan", c.monitoring_plan},
          {"planned_window", window},
          {"responsibility", resp},
          {"stakeholders", c.stakeholders},
          {"implementer", c.implementer.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.implementer)},
          {"template", tmpl},
          {"plan_digest", c.plan_digest.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.plan_digest)}};
}

Result<ChangeContent> MergeContent(const ChangeContent& base, const nlohmann::json& patch) {
  if (!patch.is_object()) return InvalidArgument("the change must be a JSON object");
  std::vector<FieldError> errors;
  Reader r(errors);
  ChangeContent c = base;
  for (const auto& [key, value] : patch.items()) ReadField(r, key, value, c);
  if (c.planned_start && c.planned_end && *c.planned_end <= *c.planned_start) {
    errors.push_back({"/planned_window/end", "must be after the start"});
  }
  if (!errors.empty()) return InvalidArgument("the change is not valid", std::move(errors));
  return c;
}

Result<ChangeContent> ContentFromJson(const nlohmann::json& j) { return MergeContent({}, j); }

namespace {
nlohmann::json WithoutImmaterial(nlohmann::json j) {
  j.erase("stakeholders");
  j.erase("description");
  return j;
}
}  // namespace

nlohmann::json MaterialJson(const ChangeContent& c) { return WithoutImmaterial(ContentToJson(c)); }

std::string MaterialHashOf(const nlohmann::json& content_json) {
  return "sha256:" + crypto::ToHex(crypto::Sha256(CanonicalJson(WithoutImmaterial(content_json))));
}

std::string MaterialHash(const ChangeContent& c) { return MaterialHashOf(ContentToJson(c)); }

}  // namespace cl
