// libFuzzer target: Terraform plan decoding (UTF-8/UTF-16 BOMs), parsing and
// classification. Any input must give a report or a clean error, never a
// crash, a sanitizer report or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/terraform_plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static cl::ingest::PlanClassifier classifier(cl::ingest::DefaultClassificationRules());
  auto r = classifier.Classify(std::string_view(reinterpret_cast<const char*>(data), size));
  if (r.ok()) {
    // The report must serialise (it is stored and returned as JSON).
    (void)r->ToJson(classifier.rules()).dump();
  }
  return 0;
}
