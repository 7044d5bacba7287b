// Reads Kubernetes manifests (multi-document YAML or JSON, `kind: List`
// expanded) and classifies every object with the kubernetes rules: RBAC,
// NetworkPolicy, exposed Services and Ingresses, privileged pods, Secrets.
// Stateless functions; thread-safe.
#pragma once

#include <string_view>

#include "core/status.h"
#include "ingest/iac_report.h"

namespace cl::ingest {

enum class ManifestOperation { kApply, kDelete };

// Errors: kInvalidDocument naming the document and line (not YAML, an object
// without apiVersion/kind/metadata.name) or kPayloadTooLarge.
Result<IacReport> ClassifyManifests(std::string_view bytes, const ClassificationRules& rules,
                                    ManifestOperation operation = ManifestOperation::kApply);

}  // namespace cl::ingest
