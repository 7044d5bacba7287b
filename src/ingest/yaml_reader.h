// A strict reader over a parsed YAML document for files people write
// (policies; later documents and baselines): every problem is collected as a
// field error with its path and line/column, so a whole file is fixed in one
// pass. Unknown keys, wrong types and out-of-range values are errors. Not
// thread-safe: one reader per document.
#pragma once

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "ingest/yaml_json.h"

namespace cl {

// "line L, column C: " for a node with a position, else "".
std::string Where(const YAML::Node& n);

class YamlReader {
 public:
  std::vector<FieldError> errors;

  void Error(const YAML::Node& n, const std::string& path, const std::string& msg) {
    errors.push_back({path, Where(n) + msg});
  }

  // Checks that `n` is a map with only the given keys.
  bool Map(const YAML::Node& n, const std::string& path, std::initializer_list<std::string_view> keys) {
    if (!n.IsMap()) {
      Error(n, path, "must be a mapping");
      return false;
    }
    for (const auto& kv : n) {
      const std::string k = kv.first.Scalar();
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
        Error(kv.first, path + "/" + k, fmt::format("unknown key '{}'; expected one of {}", k, fmt::join(keys, ", ")));
      }
    }
    return true;
  }
  std::string Str(const YAML::Node& n, const std::string& path, bool required = false) {
    if (!n.IsDefined() || n.IsNull()) {
      if (required) errors.push_back({path, "required"});
      return "";
    }
    if (!n.IsScalar()) {
      Error(n, path, "must be a text value");
      return "";
    }
    return n.Scalar();
  }
  std::optional<int64_t> Int(const YAML::Node& n, const std::string& path, int64_t lo, int64_t hi) {
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    auto v = n.IsScalar() ? YamlInt(n.Scalar()) : std::nullopt;
    if (!v || *v < lo || *v > hi) {
      Error(n, path, fmt::format("must be a whole number from {} to {}", lo, hi));
      return std::nullopt;
    }
    return v;
  }
  bool Bool(const YAML::Node& n, const std::string& path, bool fallback) {
    if (!n.IsDefined() || n.IsNull()) return fallback;
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) return n.Scalar() == "true";
    Error(n, path, "must be true or false");
    return fallback;
  }
  std::vector<std::string> List(const YAML::Node& n, const std::string& path) {
    std::vector<std::string> out;
    if (!n.IsDefined() || n.IsNull()) return out;
    if (!n.IsSequence()) {
      Error(n, path, "must be a list");
      return out;
    }
    for (size_t i = 0; i < n.size(); ++i) out.push_back(Str(n[i], fmt::format("{}/{}", path, i), true));
    return out;
  }
  template <typename E>
  std::optional<E> Enum(const YAML::Node& n, const std::string& path, std::optional<E> (*parse)(std::string_view),
                        const std::vector<std::string>& names, bool required = false) {
    const std::string s = Str(n, path, required);
    if (s.empty()) return std::nullopt;
    auto v = parse(s);
    if (!v) Error(n, path, fmt::format("'{}' is not one of {}", s, fmt::join(names, ", ")));
    return v;
  }
  template <typename E>
  std::vector<E> EnumList(const YAML::Node& n, const std::string& path, std::optional<E> (*parse)(std::string_view),
                          const std::vector<std::string>& names) {
    std::vector<E> out;
    if (!n.IsDefined() || n.IsNull()) return out;
    if (!n.IsSequence()) {
      Error(n, path, "must be a list");
      return out;
    }
    for (size_t i = 0; i < n.size(); ++i) {
      if (auto v = Enum(n[i], fmt::format("{}/{}", path, i), parse, names, true)) out.push_back(*v);
    }
    return out;
  }
  std::optional<int64_t> Duration(const YAML::Node& n, const std::string& path) {
    const std::string s = Str(n, path);
    if (s.empty()) return std::nullopt;
    auto d = ParseDuration(s);
    if (!d || *d <= 0) Error(n, path, "must be a duration such as 72h or 90d");
    return d;
  }
};

}  // namespace cl
