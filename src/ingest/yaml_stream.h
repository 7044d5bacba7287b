// Untrusted multi-document YAML (Kubernetes manifests) as JSON values, read
// with libyaml, the reference parser. yaml-cpp 0.7 (Debian bookworm) can loop
// forever on malformed streams (jbeder/yaml-cpp#1040, found here by the
// fuzzer), so uploads never go through it, and policy text passes this
// parser before yaml-cpp sees it. Bounded: nesting depth, nodes
// (alias expansion included, against "billion laughs") and document count.
// Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>
#include <vector>

#include "core/status.h"

namespace cl {

struct YamlDoc {
  nlohmann::json value;  // null for an empty document
  int line = 0;          // where it starts, 1-based
};

struct YamlLimits {
  int max_depth = 64;
  size_t max_nodes = 2'000'000;
  size_t max_documents = 10'000;
};

// Scalars: plain null/~ -> null, true/false -> bool, decimal integers -> int;
// everything else (and every quoted scalar) is a string. Mapping keys are
// strings. Errors: kInvalidDocument naming line and column.
Result<std::vector<YamlDoc>> ParseYamlStream(std::string_view text, const YamlLimits& limits = {});

}  // namespace cl
