// Reads `terraform show -json` plan output (UTF-8, or UTF-16 with a BOM as
// PowerShell writes it) and classifies every resource change with the
// terraform rules. A PlanClassifier keeps its parser buffers between calls:
// one per thread, not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "ingest/iac_report.h"

namespace cl::ingest {

inline constexpr size_t kMaxDocumentBytes = 50u << 20;  // 50 MiB, plans and manifests alike

// Text as UTF-8: strips a UTF-8 BOM, transcodes UTF-16LE/BE with a BOM.
// `encoding` gets utf-8 | utf-8-bom | utf-16le | utf-16be.
Result<std::string> DecodeText(std::string_view bytes, std::string* encoding);

class PlanClassifier {
 public:
  explicit PlanClassifier(std::shared_ptr<const ClassificationRules> rules);
  ~PlanClassifier();
  PlanClassifier(const PlanClassifier&) = delete;
  PlanClassifier& operator=(const PlanClassifier&) = delete;

  // Errors: kInvalidDocument naming the problem (not JSON, with line and
  // column; not a plan; a resource change without actions) or
  // kPayloadTooLarge.
  Result<IacReport> Classify(std::string_view bytes);

  const ClassificationRules& rules() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cl::ingest
