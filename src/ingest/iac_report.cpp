#include "ingest/iac_report.h"

#include "crypto/crypto.h"

namespace cl::ingest {

std::vector<std::string> IacReport::CategoryIds(const ClassificationRules& rules) const {
  std::vector<std::string> out;
  for (size_t i = 0; i < rules.categories.size(); ++i) {
    if (categories & (CategoryMask{1} << i)) out.push_back(rules.categories[i].id);
  }
  return out;
}

namespace {
std::vector<std::string> ImpactNames(ImpactMask mask) {
  std::vector<std::string> out;
  for (ImpactArea a : kAllImpactAreas) {
    if (mask & Bit(a)) out.emplace_back(Name(a));
  }
  return out;
}
}  // namespace

nlohmann::json IacReport::ToJson(const ClassificationRules& rules) const {
  const std::vector<ClassificationRule>& list = format == "kubernetes-manifest" ? rules.kubernetes : rules.terraform;
  nlohmann::json summary = nlohmann::json::object();
  for (size_t i = 0; i < rules.categories.size(); ++i) {
    int n = 0;
    for (const ClassifiedResource& r : resources) n += (r.categories >> i) & 1;
    if (n > 0) summary[rules.categories[i].id] = n;
  }
  nlohmann::json items = nlohmann::json::array();
  for (const ClassifiedResource& r : resources) {
    nlohmann::json findings = nlohmann::json::array();
    for (int idx : r.rules) {
      const ClassificationRule& rule = list[static_cast<size_t>(idx)];
      findings.push_back({{"rule", rule.id},
                          {"category", rules.categories[static_cast<size_t>(rule.category)].id},
                          {"reason", rule.reason}});
    }
    std::vector<std::string> cats;
    for (size_t i = 0; i < rules.categories.size(); ++i) {
      if (r.categories & (CategoryMask{1} << i)) cats.push_back(rules.categories[i].id);
    }
    items.push_back({{"address", r.address},
                     {"type", r.type},
                     {"action", r.action},
                     {"categories", cats},
                     {"impact", ImpactNames(r.impact)},
                     {"findings", std::move(findings)}});
  }
  return {{"format", format},
          {"digest", digest},
          {"bytes", bytes},
          {"encoding", encoding},
          {"format_version", format_version},
          {"tool_version", tool_version},
          {"resources_total", resources_total},
          {"resources_changed", resources_changed},
          {"categories", CategoryIds(rules)},
          {"impact", ImpactNames(impact)},
          {"summary", std::move(summary)},
          {"resources", std::move(items)}};
}

void AddToReport(IacReport& report, const ClassificationRules& rules, const std::vector<ClassificationRule>& list,
                 ClassifiedResource resource) {
  if (resource.rules.empty()) return;
  for (int idx : resource.rules) {
    const ClassificationRule& rule = list[static_cast<size_t>(idx)];
    resource.categories |= CategoryMask{1} << rule.category;
    resource.impact |= rule.impact | rules.categories[static_cast<size_t>(rule.category)].impact;
  }
  report.categories |= resource.categories;
  report.impact |= resource.impact;
  report.resources.push_back(std::move(resource));
}

IacUpload ToUpload(IacReport report, const ClassificationRules& rules, std::string content, std::string filename) {
  IacUpload u;
  report.digest = DocumentDigest(content);
  u.format = report.format;
  u.digest = report.digest;
  u.filename = std::move(filename);
  u.content = std::move(content);
  u.impact = report.impact;
  u.categories = report.CategoryIds(rules);
  u.report = report.ToJson(rules);
  const std::vector<ClassificationRule>& list =
      report.format == "kubernetes-manifest" ? rules.kubernetes : rules.terraform;
  for (ImpactArea area : kAllImpactAreas) {
    std::string& text = u.reasons[static_cast<size_t>(area)];
    int shown = 0, more = 0;
    for (const ClassifiedResource& r : report.resources) {
      if (!(r.impact & Bit(area))) continue;
      if (shown == 5) {
        ++more;
        continue;
      }
      // The first rule that contributes this area explains it.
      std::string why;
      for (int idx : r.rules) {
        const ClassificationRule& rule = list[static_cast<size_t>(idx)];
        if ((rule.impact | rules.categories[static_cast<size_t>(rule.category)].impact) & Bit(area)) {
          why = rule.reason;
          if (rule.impact & Bit(area)) break;  // a sharper reason (e.g. open to the internet) wins
        }
      }
      text += (shown ? "; " : "") + r.address + " (" + r.action + ": " + why + ")";
      ++shown;
    }
    if (more > 0) text += "; and " + std::to_string(more) + " more";
  }
  return u;
}

std::string DocumentDigest(std::string_view bytes) { return "sha256:" + crypto::ToHex(crypto::Sha256(bytes)); }

}  // namespace cl::ingest
