// The assessment's stored and API form. The writer is what clients see under
// "assessment"; the reader turns the stored copy back into the typed value
// the rules use, so no rule reads a field by its JSON key.
#include <fmt/format.h>

#include "core/change.h"

namespace cl {
namespace {

using nlohmann::json;

json RulesJson(const std::vector<FiredRule>& v) {
  json out = json::array();
  for (const FiredRule& r : v) out.push_back({{"id", r.id}, {"description", r.description}, {"effect", r.effect}});
  return out;
}

json ErrorsJson(const std::vector<FieldError>& v) {
  json out = json::array();
  for (const FieldError& e : v) out.push_back({{"pointer", e.field}, {"detail", e.message}});
  return out;
}

// Reads one member; a missing member keeps the default (rows written before
// the member existed), a member of another type is an error.
class Reader {
 public:
  explicit Reader(const json& j) : j_(j) {}

  const std::string& error() const { return error_; }

  template <typename T>
  void Read(const char* key, T& out) {
    auto it = j_.find(key);
    if (it == j_.end() || !error_.empty()) return;
    try {
      out = it->template get<T>();
    } catch (const json::exception&) {
      error_ = key;
    }
  }

  void Rules(const char* key, std::vector<FiredRule>& out) {
    Items(key, out, [](const json& r) {
      return FiredRule{r.value("id", ""), r.value("description", ""), r.value("effect", "")};
    });
  }

  void Errors(const char* key, std::vector<FieldError>& out) {
    Items(key, out, [](const json& e) { return FieldError{e.value("pointer", ""), e.value("detail", "")}; });
  }

  // A list of evidence kinds; a kind this build does not know requires
  // nothing it could check.
  void Kinds(const char* key, std::vector<EvidenceKind>& out) {
    std::vector<std::string> names;
    Read(key, names);
    for (const std::string& k : names) {
      if (auto kind = ParseEvidenceKind(k)) out.push_back(*kind);
    }
  }

  void Fail(const char* key) {
    if (error_.empty()) error_ = key;
  }

 private:
  // A list of objects, each made into one item.
  template <typename T, typename Make>
  void Items(const char* key, std::vector<T>& out, Make make) {
    std::vector<json> items;
    Read(key, items);
    for (const json& x : items) {
      if (!x.is_object()) return Fail(key);
      out.push_back(make(x));
    }
  }

  const json& j_;
  std::string error_;
};

}  // namespace

std::string Assessment::Decision(ChangeType type) const {
  if (!missing_fields.empty() || !problems.empty()) return "incomplete";
  if (!freezes.empty()) return "frozen";
  if (pre_approved) return "pre_approved";
  if (type == ChangeType::kEmergency) return "expedited";
  return "needs_approval";
}

json Assessment::ToJson(ChangeType type) const {
  auto kinds = [](const std::vector<EvidenceKind>& v) {
    json out = json::array();
    for (EvidenceKind k : v) out.push_back(Name(k));
    return out;
  };
  return {{"risk", Name(risk)},
          {"decision", Decision(type)},
          {"risk_rules", RulesJson(risk_rules)},
          {"required_roles", required_roles},
          {"approval_rules", RulesJson(approval_rules)},
          {"min_distinct_approvers", min_distinct_approvers},
          {"missing_fields", ErrorsJson(missing_fields)},
          {"problems", ErrorsJson(problems)},
          {"freezes", RulesJson(freezes)},
          {"pre_approved", pre_approved},
          {"closure_evidence", kinds(closure_evidence)},
          {"approval_evidence", kinds(approval_evidence)},
          {"start_evidence", kinds(start_evidence)},
          {"snapshots_required", snapshots_required},
          {"approval_sla_hours", approval_sla_hours}};
}

Result<Assessment> AssessmentFromJson(const json& j) try {
  if (!j.is_object()) return Status(ErrorCode::kDataLoss, "a stored assessment is not a JSON object");
  Assessment a;
  Reader r(j);
  std::string risk = std::string(Name(a.risk));
  r.Read("risk", risk);
  if (auto parsed = ParseRisk(risk)) {
    a.risk = *parsed;
  } else {
    r.Fail("risk");
  }
  r.Rules("risk_rules", a.risk_rules);
  r.Read("required_roles", a.required_roles);
  r.Rules("approval_rules", a.approval_rules);
  r.Read("min_distinct_approvers", a.min_distinct_approvers);
  r.Errors("missing_fields", a.missing_fields);
  r.Errors("problems", a.problems);
  r.Rules("freezes", a.freezes);
  r.Read("pre_approved", a.pre_approved);
  r.Kinds("closure_evidence", a.closure_evidence);
  r.Kinds("approval_evidence", a.approval_evidence);
  r.Kinds("start_evidence", a.start_evidence);
  r.Read("snapshots_required", a.snapshots_required);
  r.Read("approval_sla_hours", a.approval_sla_hours);
  if (!r.error().empty()) {
    return Status(ErrorCode::kDataLoss,
                  fmt::format("a stored assessment's \"{}\" does not have its written shape", r.error()));
  }
  return a;
} catch (const json::exception& e) {
  return Status(ErrorCode::kDataLoss, fmt::format("a stored assessment is not readable: {}", e.what()));
}

}  // namespace cl
