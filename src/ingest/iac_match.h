// Evaluates classification rules against one resource's values. The walker
// is a template over a small traits type so the same rules run on simdjson
// elements (Terraform plans, parsed at GB/s) and on nlohmann::json
// (Kubernetes YAML, and IAM policy strings inside plans via "@json").
// Stateless apart from RuleIndex's cache; a RuleIndex is per thread.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/json_input.h"
#include "ingest/iac_rules.h"

namespace cl::ingest {

template <class V>
struct ValueTraits;

template <>
struct ValueTraits<const nlohmann::json*> {
  using V = const nlohmann::json*;
  static bool IsNull(V v) { return v->is_null(); }
  static bool IsArray(V v) { return v->is_array(); }
  static bool IsObject(V v) { return v->is_object(); }
  template <class F>
  static bool ForEachElement(V v, F&& f) {
    for (const auto& e : *v) {
      if (f(&e)) return true;
    }
    return false;
  }
  template <class F>
  static bool ForEachField(V v, F&& f) {
    for (auto it = v->begin(); it != v->end(); ++it) {
      if (f(std::string_view(it.key()), &it.value())) return true;
    }
    return false;
  }
  static std::optional<V> Find(V v, std::string_view key) {
    auto it = v->find(key);
    if (it == v->end()) return std::nullopt;
    return &*it;
  }
  static std::optional<std::string_view> String(V v) {
    if (!v->is_string()) return std::nullopt;
    return std::string_view(v->get_ref<const std::string&>());
  }
  static bool Equals(V v, const nlohmann::json& want) {
    if (want.is_object() || want.is_array()) return v->type() == want.type() && v->empty() && want.empty();
    return *v == want;
  }
};

// Visits the values at `steps` below `v`; `leaf(value)` returns true to stop.
// Returns whether a leaf stopped the walk.
template <class V, class Leaf>
bool WalkPath(V v, std::span<const PathStep> steps, Leaf& leaf) {
  using T = ValueTraits<V>;
  if (T::IsNull(v)) return false;
  if (steps.empty()) {
    if (T::IsArray(v)) return T::ForEachElement(v, [&](auto e) { return !T::IsNull(e) && leaf(e); });
    return leaf(v);
  }
  const PathStep& step = steps.front();
  const std::span<const PathStep> rest = steps.subspan(1);
  auto next = [&](auto child) -> bool {
    if (step.each && T::IsArray(child)) {
      return T::ForEachElement(child, [&](auto e) { return WalkPath(e, rest, leaf); });
    }
    return WalkPath(child, rest, leaf);
  };
  switch (step.kind) {
    case PathStep::Kind::kKey: {
      if (!T::IsObject(v)) return false;
      auto child = T::Find(v, step.name);
      return child && next(*child);
    }
    case PathStep::Kind::kGlob:
      if (!T::IsObject(v)) return false;
      return T::ForEachField(v, [&](std::string_view key, auto child) {
        return GlobMatch(step.name, key, /*fold_case=*/true) && next(child);
      });
    case PathStep::Kind::kAnyDepth:
      if (WalkPath(v, rest, leaf)) return true;
      if (T::IsObject(v)) {
        return T::ForEachField(v, [&](std::string_view, auto child) { return WalkPath(child, steps, leaf); });
      }
      if (T::IsArray(v)) return T::ForEachElement(v, [&](auto child) { return WalkPath(child, steps, leaf); });
      return false;
    case PathStep::Kind::kJson: {
      std::optional<std::string_view> text = T::String(v);
      if (!text) return false;
      // A policy document inside the plan: the plan's own limits apply.
      const Result<nlohmann::json> parsed = ParseJsonInput(
          *text, JsonLimits{.max_depth = 64, .max_values = 1'000'000, .refuse_control_characters = false});
      if (!parsed.ok()) return false;
      return WalkPath(&*parsed, rest, leaf);
    }
  }
  return false;
}

template <class V>
bool ConditionHolds(V root, const Condition& c) {
  const std::span<const PathStep> path(c.path);
  switch (c.test.op) {
    case ValueTest::Op::kPresent:
    case ValueTest::Op::kMissing: {
      auto leaf = [](auto) { return true; };
      const bool found = WalkPath(root, path, leaf);
      return c.test.op == ValueTest::Op::kPresent ? found : !found;
    }
    case ValueTest::Op::kIn: {
      auto leaf = [&](auto v) {
        for (const nlohmann::json& want : c.test.values) {
          if (ValueTraits<decltype(v)>::Equals(v, want)) return true;
        }
        return false;
      };
      return WalkPath(root, path, leaf);
    }
    case ValueTest::Op::kContains: {
      auto leaf = [&](auto v) {
        std::optional<std::string_view> s = ValueTraits<decltype(v)>::String(v);
        if (!s) return false;
        for (const std::string& t : c.test.texts) {
          if (s->find(t) != std::string_view::npos) return true;
        }
        return false;
      };
      return WalkPath(root, path, leaf);
    }
  }
  return false;
}

template <class V>
bool RuleMatches(const ClassificationRule& rule, V values) {
  if (rule.when.empty()) return true;
  for (const Condition& c : rule.when) {
    const bool holds = ConditionHolds(values, c);
    if (rule.match_any && holds) return true;
    if (!rule.match_any && !holds) return false;
  }
  return !rule.match_any;
}

// The rules whose type/kind globs match a type, memoised per type.
class RuleIndex {
 public:
  explicit RuleIndex(const std::vector<ClassificationRule>& rules) : rules_(rules) {}
  const std::vector<int>& For(std::string_view type);
  // Rules for `type` and `action` whose conditions hold for `values`.
  template <class V>
  std::vector<int> Match(std::string_view type, std::string_view action, V values) {
    std::vector<int> out;
    for (int i : For(type)) {
      const ClassificationRule& r = rules_[static_cast<size_t>(i)];
      if (!r.actions.empty() && std::find(r.actions.begin(), r.actions.end(), action) == r.actions.end()) continue;
      if (RuleMatches(r, values)) out.push_back(i);
    }
    return out;
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  const std::vector<ClassificationRule>& rules_;
  std::unordered_map<std::string, std::vector<int>, Hash, std::equal_to<>> by_type_;
};

}  // namespace cl::ingest
