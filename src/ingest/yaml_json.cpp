#include "ingest/yaml_json.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "ingest/yaml_stream.h"

namespace cl {

std::optional<int64_t> YamlInt(const std::string& s) {
  int64_t v = 0;
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e || b == e) return std::nullopt;
  return v;
}

namespace {

nlohmann::json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& x : n) out.push_back(ToJson(x));
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : n) out[kv.first.Scalar()] = ToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted: always a string
      if (s == "null" || s == "~") return nullptr;
      if (s == "true") return true;
      if (s == "false") return false;
      if (auto i = YamlInt(s)) return *i;
      return s;
    }
    default:
      return nullptr;
  }
}

}  // namespace

nlohmann::json YamlNodeToJson(const YAML::Node& node) { return ToJson(node); }

Result<YAML::Node> LoadYaml(std::string_view text, std::string_view what) {
  // libyaml first: yaml-cpp 0.7 loops forever on some malformed streams and
  // expands aliases without limit; only text libyaml accepts within bounds
  // (one document, depth, nodes after alias expansion) reaches it.
  YamlLimits limits;
  limits.max_nodes = 200'000;
  limits.max_documents = 1;
  if (Result<std::vector<YamlDoc>> checked = ParseYamlStream(text, limits); !checked.ok()) {
    return InvalidArgument(fmt::format("the {} is not valid YAML", what), {{"", checked.status().message()}});
  }
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(fmt::format("the {} is not valid YAML", what),
                           {{"", fmt::format("line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg)}});
  }
}

Result<nlohmann::json> YamlToJson(std::string_view yaml) {
  CL_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(yaml, "document"));
  return ToJson(root);
}

}  // namespace cl
