// YAML through yaml-cpp, for the documents people write (the policy, its
// test cases, change files): libyaml checks the text first within bounds
// (ingest/yaml_stream.h), since yaml-cpp 0.7 can hang on malformed input and
// expands aliases without limit. Thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace cl {

// One YAML document, checked first (at most 200,000 nodes after alias
// expansion); `what` names it in the error ("the policy is not valid YAML").
Result<YAML::Node> LoadYaml(std::string_view text, std::string_view what);

// A node as JSON (scalars: integers, true/false and null are typed; the
// rest, including yes/no and anything quoted, stay strings).
nlohmann::json YamlNodeToJson(const YAML::Node& node);

// A plain scalar as an integer ("42", "+7", "-3"), or nullopt.
std::optional<int64_t> YamlInt(const std::string& scalar);

// YAML text as JSON, as above. For test cases, templates and change files.
Result<nlohmann::json> YamlToJson(std::string_view yaml);

}  // namespace cl
