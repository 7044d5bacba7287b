// libFuzzer target: change policy YAML as change managers upload it (the
// bounded libyaml check, then yaml-cpp mapping and validation), the same
// text as a policy test file, and generic YAML-to-JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/policy_cases.h"
#include "ingest/policy_yaml.h"
#include "ingest/yaml_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = cl::ParsePolicy(text);
  if (policy.ok()) (void)cl::RunPolicyCases(**policy, text);
  auto json = cl::YamlToJson(text);
  if (json.ok()) (void)json->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
