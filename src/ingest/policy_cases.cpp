#include "ingest/policy_cases.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "ingest/yaml_json.h"

namespace cl {
namespace {

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> StringsOf(const nlohmann::json& j) {
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const auto& x : j) out.push_back(x.is_string() ? x.get<std::string>() : x.dump());
  }
  return out;
}

}  // namespace

Result<std::vector<PolicyCaseResult>> RunPolicyCases(const Policy& policy, std::string_view cases_yaml) {
  CL_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(cases_yaml, "test file"));
  const YAML::Node cases = root.IsMap() ? root["cases"] : YAML::Node();
  if (!cases.IsSequence() || cases.size() == 0) {
    return InvalidArgument("the test file has no cases", {{"/cases", "give a list of cases: name, change, expect"}});
  }
  std::vector<PolicyCaseResult> out;
  for (size_t i = 0; i < cases.size(); ++i) {
    const YAML::Node& c = cases[i];
    PolicyCaseResult r;
    r.line = c.Mark().line + 1;
    r.name = c.IsMap() && c["name"].IsScalar() ? c["name"].Scalar() : fmt::format("case {}", i + 1);
    const nlohmann::json change = c.IsMap() ? YamlNodeToJson(c["change"]) : nlohmann::json();
    const nlohmann::json expect = c.IsMap() ? YamlNodeToJson(c["expect"]) : nlohmann::json();
    if (!change.is_object() || !expect.is_object()) {
      r.failures.push_back("each case needs a change: mapping and an expect: mapping");
      out.push_back(std::move(r));
      continue;
    }
    Result<ChangeContent> content = ContentFromJson(change);
    if (content.ok() && content->type == ChangeType::kStandard && !content->template_id.empty() &&
        policy.FindTemplate(content->template_id) != nullptr) {
      content = ApplyTemplate(policy, *content);
    }
    if (!content.ok()) {
      for (const FieldError& e : content.status().field_errors()) {
        r.failures.push_back(fmt::format("change{}: {}", e.field, e.message));
      }
      if (r.failures.empty()) r.failures.push_back(content.status().message());
      out.push_back(std::move(r));
      continue;
    }
    const Assessment a = Evaluate(policy, *content);
    r.actual = a.ToJson(content->type);
    for (const auto& [key, want] : expect.items()) {
      if (key == "risk" || key == "decision") {
        if (r.actual[key] != want) {
          r.failures.push_back(fmt::format("{}: expected {}, got {}", key, want.dump(), r.actual[key].dump()));
        }
      } else if (key == "approvers") {
        const auto got = Sorted(a.required_roles);
        const auto exp = Sorted(StringsOf(want));
        if (got != exp) {
          r.failures.push_back(
              fmt::format("approvers: expected [{}], got [{}]", fmt::join(exp, ", "), fmt::join(got, ", ")));
        }
      } else if (key == "min_distinct_approvers") {
        if (!want.is_number_integer() || want.get<int>() != a.min_distinct_approvers) {
          r.failures.push_back(
              fmt::format("min_distinct_approvers: expected {}, got {}", want.dump(), a.min_distinct_approvers));
        }
      } else if (key == "missing_fields") {
        std::vector<std::string> got;
        for (const FieldError& e : a.missing_fields) got.push_back(e.field.substr(1));
        got = Sorted(got);
        const auto exp = Sorted(StringsOf(want));
        if (got != exp) {
          r.failures.push_back(
              fmt::format("missing_fields: expected [{}], got [{}]", fmt::join(exp, ", "), fmt::join(got, ", ")));
        }
      } else if (key == "closure_evidence" || key == "start_evidence" || key == "approval_evidence") {
        const auto got = Sorted(StringsOf(r.actual[key]));
        const auto exp = Sorted(StringsOf(want));
        if (got != exp) {
          r.failures.push_back(
              fmt::format("{}: expected [{}], got [{}]", key, fmt::join(exp, ", "), fmt::join(got, ", ")));
        }
      } else if (key == "rules") {
        std::set<std::string> fired;
        for (const FiredRule& f : a.risk_rules) fired.insert(f.id);
        for (const FiredRule& f : a.approval_rules) fired.insert(f.id);
        for (const std::string& id : StringsOf(want)) {
          if (!fired.count(id)) {
            r.failures.push_back(fmt::format("rules: expected '{}' to fire; fired: {}", id, fmt::join(fired, ", ")));
          }
        }
      } else {
        r.failures.push_back(
            fmt::format("expect: unknown key '{}' (risk, decision, approvers, "
                        "min_distinct_approvers, missing_fields, rules, closure_evidence, start_evidence, "
                        "approval_evidence)",
                        key));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace cl
