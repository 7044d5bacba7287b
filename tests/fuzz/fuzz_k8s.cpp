// libFuzzer target: Kubernetes manifest parsing (multi-document YAML, JSON,
// kind: List) and classification, with both operations.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/kubernetes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto rules = cl::ingest::DefaultClassificationRules();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto op = size % 2 ? cl::ingest::ManifestOperation::kDelete : cl::ingest::ManifestOperation::kApply;
  auto r = cl::ingest::ClassifyManifests(text, *rules, op);
  if (r.ok()) (void)r->ToJson(*rules).dump();
  return 0;
}
