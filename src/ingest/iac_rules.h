// Classification rules for infrastructure-as-code changes: which Terraform
// resource changes and Kubernetes objects touch which security categories.
// Loaded from YAML data (policy/iac-classification.yaml is embedded as the
// default), never from if-chains. Immutable once loaded; thread-safe to read.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/change.h"
#include "core/status.h"

namespace cl::ingest {

// One step of a condition path (see the YAML file's header for the syntax).
struct PathStep {
  enum class Kind { kKey, kGlob, kAnyDepth, kJson } kind = Kind::kKey;
  std::string name;   // key or glob
  bool each = false;  // "name[]": visit each element of a list
};

struct ValueTest {
  enum class Op { kIn, kContains, kPresent, kMissing } op = Op::kPresent;
  std::vector<nlohmann::json> values;  // kIn: scalars, {} or []
  std::vector<std::string> texts;      // kContains
};

struct Condition {
  std::string path_text;
  std::vector<PathStep> path;
  ValueTest test;
};

struct CategoryDef {
  std::string id;
  std::string title;
  ImpactMask impact = 0;
};

struct ClassificationRule {
  std::string id;
  int category = 0;                  // index into ClassificationRules::categories
  std::vector<std::string> types;    // Terraform types or Kubernetes kinds (globs)
  std::vector<std::string> actions;  // empty: any
  std::vector<Condition> when;
  bool match_any = false;
  ImpactMask impact = 0;  // beyond the category's own
  std::string reason;
};

struct ClassificationRules {
  std::vector<CategoryDef> categories;
  std::vector<ClassificationRule> terraform;
  std::vector<ClassificationRule> kubernetes;

  int FindCategory(std::string_view id) const;  // -1 if unknown
};

// Parses and checks a rules file; every problem is a FieldError with its
// line and column.
Result<std::shared_ptr<const ClassificationRules>> ParseClassificationRules(std::string_view yaml);

// The built-in rules (policy/iac-classification.yaml), parsed once.
std::shared_ptr<const ClassificationRules> DefaultClassificationRules();

// Shell-style glob with '*' only; `fold_case` compares ASCII letters
// case-insensitively (for object keys such as DB_PASSWORD).
bool GlobMatch(std::string_view pattern, std::string_view text, bool fold_case = false);

}  // namespace cl::ingest
