// IacReport: what a Terraform plan or a Kubernetes manifest changes, in
// security terms: per resource its planned action, the categories it falls
// into and the rules that put it there. A plain value, built by the
// classifiers in this folder and stored with the change (as JSON).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/pipeline.h"
#include "ingest/iac_rules.h"

namespace cl::ingest {

using CategoryMask = uint32_t;  // bit per ClassificationRules::categories index

struct ClassifiedResource {
  std::string address;  // aws_iam_role.deploy / ClusterRoleBinding/ns/name
  std::string type;     // resource type or kind
  std::string action;   // create | update | delete | replace | apply
  CategoryMask categories = 0;
  ImpactMask impact = 0;
  std::vector<int> rules;  // indices into the terraform or kubernetes rule list
};

struct IacReport {
  std::string format;  // "terraform-plan" | "kubernetes-manifest"
  std::string digest;  // "sha256:<hex>" of the bytes as uploaded; set by ToUpload
  uint64_t bytes = 0;
  std::string encoding;                       // utf-8 | utf-8-bom | utf-16le | utf-16be
  std::string format_version;                 // plan format_version; empty for manifests
  std::string tool_version;                   // terraform_version; empty for manifests
  int resources_total = 0;                    // resource changes / objects read
  int resources_changed = 0;                  // excluding no-op and data-source reads
  std::vector<ClassifiedResource> resources;  // only those with a category
  CategoryMask categories = 0;
  ImpactMask impact = 0;

  // Category ids present, in rule-file order.
  std::vector<std::string> CategoryIds(const ClassificationRules& rules) const;
  nlohmann::json ToJson(const ClassificationRules& rules) const;
};

// Adds one resource's matches to the report (skips it if nothing matched).
void AddToReport(IacReport& report, const ClassificationRules& rules, const std::vector<ClassificationRule>& list,
                 ClassifiedResource resource);

// What core needs to bind the report to a change: the content's digest
// (computed here, once: it also names the stored file), impact areas with the
// resources behind each (for the assessment's notes), and the report.
IacUpload ToUpload(IacReport report, const ClassificationRules& rules, std::string content, std::string filename);

// "sha256:<hex>" of raw bytes: how plans and manifests are identified.
std::string DocumentDigest(std::string_view bytes);

}  // namespace cl::ingest
