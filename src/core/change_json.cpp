// The change content's JSON form: the strict reader (every problem a field
// error), the writer, and the material hash approvals are bound to (B-01),
// which is taken over the canonical JSON of the material fields.
#include <fmt/format.h>

#include <algorithm>

#include "core/audit_log.h"
#include "core/change.h"
#include "crypto/crypto.h"

namespace cl {
namespace {

// Collects field errors while reading a JSON object strictly.
class Reader {
 public:
  explicit Reader(std::vector<FieldError>& errors) : errors_(errors) {}

  void Error(std::string field, std::string message) { errors_.push_back({std::move(field), std::move(message)}); }
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
    // Characters, as the API's schema documents maxLength (JSON Schema
    // counts code points); the text is valid UTF-8 by now.
    const size_t chars = static_cast<size_t>(
        std::count_if(out.begin(), out.end(), [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; }));
    if (chars > max) {
      Error(field, fmt::format("must be at most {} characters", max));
      return false;
    }
    return true;
  }
  template <typename E>
  void Enum(const nlohmann::json& v, const std::string& field, E& out, std::optional<E> (*parse)(std::string_view),
            const std::vector<std::string>& names) {
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
      r.Error(field, fmt::format("unknown question; one of {}", fmt::join(Names(kAllImpactAreas), ", ")));
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
        if (k != "answer" && k != "note") r.Error(fmt::format("{}/{}", field, k), "unknown field");
      }
      ans = answer.value("answer", nlohmann::json());
      r.Text(answer.value("note", nlohmann::json()), field + "/note", a.note, kLong);
    }
    if (ans.is_boolean()) {
      a.answer = ans.get<bool>() ? Answer::kYes : Answer::kNo;
    } else {
      r.Enum(ans, answer.is_object() ? field + "/answer" : field, a.answer, ParseAnswer, {"yes", "no", "unknown"});
      if (ans.is_null()) r.Error(field + "/answer", "answer yes, no or unknown");
    }
    slot = a;
  }
}

void ReadField(Reader& r, const std::string& key, const nlohmann::json& v, ChangeContent& c) {
  const std::string f = "/" + key;
  if (key == "title")
    r.Text(v, f, c.title, kShort);
  else if (key == "type")
    r.Enum(v, f, c.type, ParseChangeType, Names(kAllChangeTypes));
  else if (key == "service")
    r.Text(v, f, c.service, kShort);
  else if (key == "environment")
    r.Text(v, f, c.environment, 64);
  else if (key == "category")
    r.Text(v, f, c.category, 64);
  else if (key == "justification")
    r.Text(v, f, c.justification, kLong);
  else if (key == "description")
    r.Text(v, f, c.description, kLong);
  else if (key == "security_impact")
    ReadImpact(r, v, c);
  else if (key == "test_plan")
    r.Text(v, f, c.test_plan, kLong);
  else if (key == "implementation_plan")
    r.Text(v, f, c.implementation_plan, kLong);
  else if (key == "rollback_plan")
    r.Text(v, f, c.rollback_plan, kLong);
  else if (key == "failure_conditions")
    r.Text(v, f, c.failure_conditions, kLong);
  else if (key == "success_criteria")
    r.Text(v, f, c.success_criteria, kLong);
  else if (key == "monitoring_plan")
    r.Text(v, f, c.monitoring_plan, kLong);
  else if (key == "implementer")
    r.Text(v, f, c.implementer, 64);
  else if (key == "emergency_reason")
    r.Text(v, f, c.emergency_reason, 64);
  else if (key == "plan_digest") {
    r.Text(v, f, c.plan_digest, 80);
    if (!c.plan_digest.empty() && (c.plan_digest.rfind("sha256:", 0) != 0 || c.plan_digest.size() != 71 ||
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
        if (k == "start")
          r.Time(x, f + "/start", c.planned_start);
        else if (k == "end")
          r.Time(x, f + "/end", c.planned_end);
        else if (k == "timezone") {
          if (r.Text(x, f + "/timezone", c.timezone, 64) &&
              c.timezone.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-/") !=
                  std::string::npos) {
            r.Error(f + "/timezone", "must be an IANA time zone name such as Europe/Berlin or UTC");
          }
        } else
          r.Error(fmt::format("{}/{}", f, k), "unknown field");
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
          r.Enum(x, f + "/owner", c.responsibility, ParseResponsibility, {"csp", "customer", "shared"});
        } else if (k == "contact") {
          r.Text(x, f + "/contact", c.responsibility_contact, kShort);
        } else {
          r.Error(fmt::format("{}/{}", f, k), "unknown field");
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
      if (!v.contains("id")) r.Error(f + "/id", "is required");
      for (const auto& [k, x] : v.items()) {
        if (k == "id")
          r.Text(x, f + "/id", c.template_id, 64);
        else if (k == "parameters" && x.is_object())
          c.template_params = x;
        else if (k == "parameters")
          r.Error(f + "/parameters", "must be an object");
        else
          r.Error(fmt::format("{}/{}", f, k), "unknown field");
      }
    }
  } else {
    r.Error(f, "unknown field");
  }
}

}  // namespace

nlohmann::json ContentToJson(const ChangeContent& c) {
  nlohmann::json impact = nlohmann::json::object();
  for (ImpactArea a : kAllImpactAreas) {
    const auto& ans = c.impact[static_cast<size_t>(a)];
    impact[std::string(Name(a))] = ans ? nlohmann::json{{"answer", Name(ans->answer)}, {"note", ans->note}} : nullptr;
  }
  nlohmann::json resp = nullptr;
  if (c.responsibility != Responsibility::kUnset || !c.responsibility_contact.empty()) {
    resp = {{"owner", c.responsibility == Responsibility::kUnset ? nlohmann::json(nullptr)
                                                                 : nlohmann::json(Name(c.responsibility))},
            {"contact", c.responsibility_contact}};
  }
  nlohmann::json window = nullptr;
  if (c.planned_start || c.planned_end || !c.timezone.empty()) {
    window = {{"start", TimeOrNull(c.planned_start)}, {"end", TimeOrNull(c.planned_end)}, {"timezone", c.timezone}};
  }
  nlohmann::json tmpl = nullptr;
  if (!c.template_id.empty()) tmpl = {{"id", c.template_id}, {"parameters", c.template_params}};
  nlohmann::json out = {
      {"title", c.title},
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
  // Only when given: the material hash of changes recorded before the field existed stays what it was.
  if (!c.emergency_reason.empty()) out["emergency_reason"] = c.emergency_reason;
  return out;
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
