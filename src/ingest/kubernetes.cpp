#include "ingest/kubernetes.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "ingest/iac_match.h"
#include "ingest/terraform_plan.h"
#include "ingest/yaml_stream.h"

namespace cl::ingest {
namespace {

Status CheckObject(const nlohmann::json& obj, const std::string& where) {
  if (!obj.is_object()) return InvalidDocument(where + " is not a Kubernetes object (expected a mapping)");
  for (const char* key : {"apiVersion", "kind"}) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
      return InvalidDocument(fmt::format("{} has no {}: not a Kubernetes object", where, key));
    }
  }
  auto md = obj.find("metadata");
  const bool named = md != obj.end() && md->is_object() &&
                     ((md->contains("name") && (*md)["name"].is_string()) ||
                      (md->contains("generateName") && (*md)["generateName"].is_string()));
  if (!named) return InvalidDocument(where + " has no metadata.name");
  return Status::Ok();
}

std::string Address(const nlohmann::json& obj) {
  const nlohmann::json& md = obj["metadata"];
  const bool named = md.contains("name") && md["name"].is_string();
  const std::string name = named ? md["name"].get<std::string>() : md["generateName"].get<std::string>() + "*";
  std::string ns;
  if (auto it = md.find("namespace"); it != md.end() && it->is_string()) ns = it->get<std::string>() + "/";
  return fmt::format("{}/{}{}", obj["kind"].get_ref<const std::string&>(), ns, name);
}

}  // namespace

Result<IacReport> ClassifyManifests(std::string_view bytes, const ClassificationRules& rules,
                                    ManifestOperation operation) {
  if (bytes.size() > kMaxDocumentBytes) {
    return Status(ErrorCode::kPayloadTooLarge,
                  fmt::format("the manifest is {} bytes; the limit is {} (50 MiB)", bytes.size(), kMaxDocumentBytes));
  }
  IacReport report;
  report.format = "kubernetes-manifest";
  report.bytes = bytes.size();
  CL_ASSIGN_OR_RETURN(std::string text, DecodeText(bytes, &report.encoding));
  // YAML takes any bytes; what we store and return is JSON, which is UTF-8.
  if (!simdjson::validate_utf8(text.data(), text.size())) return InvalidDocument("the manifest is not valid UTF-8");
  Result<std::vector<YamlDoc>> docs = ParseYamlStream(text);
  if (!docs.ok()) return InvalidDocument("the manifest is " + docs.status().message());
  const std::string action = operation == ManifestOperation::kDelete ? "delete" : "apply";
  RuleIndex index(rules.kubernetes);
  auto classify = [&](const nlohmann::json& obj, const std::string& where) -> Status {
    CL_RETURN_IF_ERROR(CheckObject(obj, where));
    ++report.resources_total;
    ++report.resources_changed;
    const std::string& kind = obj["kind"].get_ref<const std::string&>();
    AddToReport(report, rules, rules.kubernetes,
                {.address = Address(obj),
                 .type = kind,
                 .action = action,
                 .categories = 0,
                 .impact = 0,
                 .rules = index.Match(kind, action, &obj)});
    return Status::Ok();
  };
  int n = 0;
  for (const YamlDoc& doc : *docs) {
    ++n;
    if (doc.value.is_null()) continue;  // empty document between "---" separators
    const std::string where = fmt::format("document {} (line {})", n, doc.line);
    if (doc.value.is_object() && doc.value.contains("kind") && doc.value["kind"] == "List" &&
        doc.value.contains("items")) {
      if (!doc.value["items"].is_array()) return InvalidDocument(where + ": a List's items must be a list");
      int k = 0;
      for (const nlohmann::json& item : doc.value["items"]) {
        CL_RETURN_IF_ERROR(classify(item, fmt::format("{} item {}", where, k++)));
      }
      continue;
    }
    CL_RETURN_IF_ERROR(classify(doc.value, where));
  }
  if (report.resources_total == 0) return InvalidDocument("the manifest has no Kubernetes objects");
  return report;
}

}  // namespace cl::ingest
