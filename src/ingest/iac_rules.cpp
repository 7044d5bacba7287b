#include "ingest/iac_rules.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "ingest/yaml_json.h"
#include "ingest/yaml_reader.h"

namespace cl {
std::string_view IacClassificationYaml();  // generated from policy/iac-classification.yaml
}

namespace cl::ingest {
namespace {

class RulesLoader : public YamlReader {
 public:
  ClassificationRules rules;

  std::vector<std::string> Strings(const YAML::Node& n, const std::string& field) {
    std::vector<std::string> out;
    if (!n) return out;
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
    } else if (n.IsSequence()) {
      for (const auto& x : n) {
        if (x.IsScalar())
          out.push_back(x.Scalar());
        else
          Error(x, field, "expected a text");
      }
    } else {
      Error(n, field, "expected a list of texts");
    }
    return out;
  }

  ImpactMask Impacts(const YAML::Node& n, const std::string& field) {
    ImpactMask mask = 0;
    for (const std::string& s : Strings(n, field)) {
      if (auto a = ParseImpactArea(s))
        mask |= Bit(*a);
      else
        Error(n, field,
              fmt::format("unknown impact area '{}' (one of: {})", s, fmt::join(Names(kAllImpactAreas), ", ")));
    }
    return mask;
  }

  void Categories(const YAML::Node& n) {
    if (!n.IsMap() || n.size() == 0) {
      Error(n, "/categories", "give a mapping of category id -> {title, impact}");
      return;
    }
    for (const auto& kv : n) {
      CategoryDef c;
      c.id = kv.first.Scalar();
      const std::string field = "/categories/" + c.id;
      if (!kv.second.IsMap()) {
        Error(kv.second, field, "expected {title, impact}");
        continue;
      }
      c.title = kv.second["title"] ? kv.second["title"].Scalar() : c.id;
      c.impact = Impacts(kv.second["impact"], field + "/impact");
      if (c.impact == 0) Error(kv.second, field + "/impact", "name at least one impact area");
      rules.categories.push_back(std::move(c));
    }
  }

  std::vector<PathStep> Path(const YAML::Node& n, const std::string& field, const std::string& text) {
    std::vector<PathStep> steps;
    size_t start = 0;
    while (start <= text.size()) {
      size_t dot = text.find('.', start);
      if (dot == std::string::npos) dot = text.size();
      std::string part = text.substr(start, dot - start);
      start = dot + 1;
      PathStep step;
      if (part.size() > 2 && part.ends_with("[]")) {
        step.each = true;
        part.resize(part.size() - 2);
      }
      if (part.empty()) {
        Error(n, field, fmt::format("empty step in path '{}'", text));
        return {};
      }
      if (part == "**")
        step.kind = PathStep::Kind::kAnyDepth;
      else if (part == "@json")
        step.kind = PathStep::Kind::kJson;
      else if (part.find('*') != std::string::npos)
        step.kind = PathStep::Kind::kGlob;
      step.name = std::move(part);
      steps.push_back(std::move(step));
      if (dot == text.size()) break;
    }
    return steps;
  }

  Condition ReadCondition(const YAML::Node& n, const std::string& field) {
    Condition c;
    if (!n.IsMap() || !n["path"] || !n["path"].IsScalar()) {
      Error(n, field, "a condition is {path: ..., in|contains|present|missing: ...}");
      return c;
    }
    c.path_text = n["path"].Scalar();
    c.path = Path(n, field + "/path", c.path_text);
    int tests = 0;
    if (n["in"]) {
      ++tests;
      c.test.op = ValueTest::Op::kIn;
      const YAML::Node& v = n["in"];
      if (!v.IsSequence() || v.size() == 0) {
        Error(v, field + "/in", "expected a non-empty list of values");
      } else {
        for (const auto& x : v) {
          Result<nlohmann::json> j = YamlToJson(YAML::Dump(x));
          if (j.ok()) c.test.values.push_back(*j);
        }
      }
    }
    if (n["contains"]) {
      ++tests;
      c.test.op = ValueTest::Op::kContains;
      c.test.texts = Strings(n["contains"], field + "/contains");
      if (c.test.texts.empty()) Error(n, field + "/contains", "expected a non-empty list of texts");
    }
    for (const char* key : {"present", "missing"}) {
      if (!n[key]) continue;
      ++tests;
      if (!n[key].IsScalar() || n[key].Scalar() != "true") Error(n[key], field + "/" + key, "expected true");
      c.test.op = std::string_view(key) == "present" ? ValueTest::Op::kPresent : ValueTest::Op::kMissing;
    }
    if (tests != 1) Error(n, field, "give exactly one test: in, contains, present or missing");
    for (const auto& kv : n) {
      const std::string& k = kv.first.Scalar();
      if (k != "path" && k != "in" && k != "contains" && k != "present" && k != "missing") {
        Error(kv.first, field + "/" + k, "unknown key");
      }
    }
    return c;
  }

  void Rules(const YAML::Node& n, const std::string& section, const char* types_key,
             const std::vector<std::string_view>& actions, std::vector<ClassificationRule>& out) {
    if (!n) return;
    if (!n.IsSequence()) {
      Error(n, "/" + section, "expected a list of rules");
      return;
    }
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node& r = n[i];
      const std::string field = fmt::format("/{}/{}", section, i);
      if (!r.IsMap()) {
        Error(r, field, "expected a rule mapping");
        continue;
      }
      ClassificationRule rule;
      rule.id = r["id"] && r["id"].IsScalar() ? r["id"].Scalar() : "";
      if (rule.id.empty()) Error(r, field + "/id", "every rule needs an id");
      const std::string cat = r["category"] && r["category"].IsScalar() ? r["category"].Scalar() : "";
      rule.category = rules.FindCategory(cat);
      if (rule.category < 0) Error(r, field + "/category", fmt::format("unknown category '{}'", cat));
      rule.types = Strings(r[types_key], field + "/" + types_key);
      if (rule.types.empty()) Error(r, field + "/" + types_key, fmt::format("name at least one in {}", types_key));
      rule.actions = Strings(r["actions"], field + "/actions");
      for (const std::string& a : rule.actions) {
        if (std::find(actions.begin(), actions.end(), a) == actions.end()) {
          Error(r["actions"], field + "/actions",
                fmt::format("unknown action '{}' (one of: {})", a, fmt::join(actions, ", ")));
        }
      }
      if (const YAML::Node& w = r["when"]) {
        if (!w.IsSequence())
          Error(w, field + "/when", "expected a list of conditions");
        else
          for (size_t k = 0; k < w.size(); ++k) {
            rule.when.push_back(ReadCondition(w[k], fmt::format("{}/when/{}", field, k)));
          }
      }
      if (r["match"]) {
        const std::string m = r["match"].Scalar();
        if (m != "any" && m != "all") Error(r["match"], field + "/match", "expected any or all");
        rule.match_any = m == "any";
      }
      rule.impact = Impacts(r["impact"], field + "/impact");
      rule.reason = r["reason"] && r["reason"].IsScalar() ? r["reason"].Scalar() : "";
      if (rule.reason.empty()) Error(r, field + "/reason", "every rule needs a reason people can read");
      for (const auto& kv : r) {
        static constexpr std::string_view kKeys[] = {"id",   "category", "types",  "kinds", "actions",
                                                     "when", "match",    "impact", "reason"};
        const std::string& k = kv.first.Scalar();
        if (std::find(std::begin(kKeys), std::end(kKeys), k) == std::end(kKeys) ||
            ((k == "types" || k == "kinds") && k != types_key)) {
          Error(kv.first, field + "/" + k, "unknown key");
        }
      }
      out.push_back(std::move(rule));
    }
  }
};

}  // namespace

int ClassificationRules::FindCategory(std::string_view id) const {
  for (size_t i = 0; i < categories.size(); ++i) {
    if (categories[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

Result<std::shared_ptr<const ClassificationRules>> ParseClassificationRules(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return InvalidArgument("the classification rules are not valid YAML",
                           {{"", fmt::format("line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg)}});
  }
  RulesLoader l;
  if (!root.IsMap()) return InvalidArgument("the classification rules must be a mapping", {{"", "expected a mapping"}});
  if (!root["format"] || root["format"].Scalar() != "1") l.Error(root, "/format", "expected format: 1");
  l.Categories(root["categories"]);
  l.Rules(root["terraform"], "terraform", "types", {"create", "update", "delete", "replace"}, l.rules.terraform);
  l.Rules(root["kubernetes"], "kubernetes", "kinds", {"apply", "delete"}, l.rules.kubernetes);
  for (const auto& kv : root) {
    const std::string& k = kv.first.Scalar();
    if (k != "format" && k != "categories" && k != "terraform" && k != "kubernetes") {
      l.Error(kv.first, "/" + k, "unknown key");
    }
  }
  if (!l.errors.empty()) {
    const std::string message = fmt::format("the classification rules have {} problem(s)", l.errors.size());
    return InvalidArgument(message, std::move(l.errors));
  }
  return std::shared_ptr<const ClassificationRules>(std::make_shared<ClassificationRules>(std::move(l.rules)));
}

std::shared_ptr<const ClassificationRules> DefaultClassificationRules() {
  static const std::shared_ptr<const ClassificationRules> rules = [] {
    Result<std::shared_ptr<const ClassificationRules>> r = ParseClassificationRules(IacClassificationYaml());
    // The embedded file is checked by the unit tests; a broken one is a build defect.
    if (!r.ok()) {
      fmt::print(stderr, "built-in IaC classification rules are invalid: {}\n", r.status().message());
      for (const FieldError& e : r.status().field_errors()) fmt::print(stderr, "  {} {}\n", e.field, e.message);
      std::abort();
    }
    return *r;
  }();
  return rules;
}

bool GlobMatch(std::string_view pattern, std::string_view text, bool fold_case) {
  auto eq = [fold_case](char a, char b) {
    if (!fold_case) return a == b;
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(a) == lower(b);
  };
  // Iterative matcher with single-star backtracking: linear in practice.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && eq(pattern[p], text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace cl::ingest
