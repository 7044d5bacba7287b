#include "ingest/policy_yaml.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "ingest/yaml_json.h"
#include "ingest/yaml_reader.h"

namespace cl {
namespace {

// Reads one policy document, collecting every problem with its position.
class Loader : public YamlReader {
 public:
  Policy p;

  void Fields(const YAML::Node& n, const std::string& path, std::vector<std::string>& out) {
    out = List(n, path);
    for (size_t i = 0; i < out.size(); ++i) {
      if (!out[i].empty() && !IsContentField(out[i])) {
        Error(n[i], fmt::format("{}/{}", path, i),
              fmt::format("'{}' is not a change field; one of {}", out[i], fmt::join(kContentFields, ", ")));
      }
    }
  }
  Condition When(const YAML::Node& n, const std::string& path) {
    Condition c;
    if (!n.IsDefined()) return c;
    if (!Map(n, path, {"type", "environment", "category", "service", "impact", "risk_at_least"})) return c;
    c.types = EnumList(n["type"], path + "/type", ParseChangeType, Names(kAllChangeTypes));
    c.environments = List(n["environment"], path + "/environment");
    c.categories = List(n["category"], path + "/category");
    c.services = List(n["service"], path + "/service");
    for (ImpactArea a : EnumList(n["impact"], path + "/impact", ParseImpactArea, Names(kAllImpactAreas))) {
      c.impact_any |= Bit(a);
    }
    c.risk_at_least = Enum(n["risk_at_least"], path + "/risk_at_least", ParseRisk, Names(kAllRisks));
    for (size_t i = 0; i < c.environments.size(); ++i)
      CheckEnvironment(n["environment"][i], path + "/environment", c.environments[i]);
    for (size_t i = 0; i < c.categories.size(); ++i)
      CheckCategory(n["category"][i], path + "/category", c.categories[i]);
    return c;
  }
  void CheckEnvironment(const YAML::Node& n, const std::string& path, const std::string& env) {
    if (std::find(p.environments.begin(), p.environments.end(), env) == p.environments.end()) {
      Error(n, path, fmt::format("'{}' is not listed under environments", env));
    }
  }
  void CheckCategory(const YAML::Node& n, const std::string& path, const std::string& id) {
    if (p.FindCategory(id) == nullptr) Error(n, path, fmt::format("'{}' is not listed under categories", id));
  }
  void CheckRoles(const YAML::Node& n, const std::string& path, const std::vector<std::string>& roles) {
    for (size_t i = 0; i < roles.size(); ++i) {
      if (!roles[i].empty() && p.FindRole(roles[i]) == nullptr) {
        Error(n[i], fmt::format("{}/{}", path, i), fmt::format("'{}' is not listed under approver_roles", roles[i]));
      }
    }
  }

  void Load(const YAML::Node& root);
  void LoadCategories(const YAML::Node& n);
  void LoadRequired(const YAML::Node& n);
  void LoadRisk(const YAML::Node& n);
  void LoadRoles(const YAML::Node& n, const YAML::Node& services);
  void LoadApprovals(const YAML::Node& n);
  void LoadSod(const YAML::Node& n);
  void LoadTemplates(const YAML::Node& n);
  void LoadFreezes(const YAML::Node& n);
  void LoadEmergency(const YAML::Node& n);
  void LoadClosure(const YAML::Node& n);
  void LoadEvidenceBefore(const YAML::Node& n);
  void LoadApprovalSla(const YAML::Node& n);
  // type -> evidence kinds ("normal: [test_result]").
  void EvidenceByType(const YAML::Node& n, const std::string& path, std::array<std::vector<EvidenceKind>, 3>& out);
};

void Loader::Load(const YAML::Node& root) {
  if (!Map(root, "",
           {"format", "name", "description", "environments", "categories", "required_fields", "risk", "approver_roles",
            "services", "approvals", "segregation_of_duties", "templates", "freeze_windows", "emergency", "closure",
            "evidence_before", "approval_sla"})) {
    return;
  }
  if (auto f = Int(root["format"], "/format", 1, 1)) p.format = static_cast<int>(*f);
  if (!root["format"].IsDefined()) errors.push_back({"/format", "required (format: 1)"});
  p.name = Str(root["name"], "/name", true);
  p.description = Str(root["description"], "/description");
  p.environments = List(root["environments"], "/environments");
  if (p.environments.empty()) errors.push_back({"/environments", "list at least one environment"});
  LoadCategories(root["categories"]);
  LoadRequired(root["required_fields"]);
  LoadRoles(root["approver_roles"], root["services"]);
  LoadRisk(root["risk"]);
  LoadApprovals(root["approvals"]);
  LoadSod(root["segregation_of_duties"]);
  LoadTemplates(root["templates"]);
  LoadFreezes(root["freeze_windows"]);
  LoadEmergency(root["emergency"]);
  LoadClosure(root["closure"]);
  LoadEvidenceBefore(root["evidence_before"]);
  LoadApprovalSla(root["approval_sla"]);
}

void Loader::LoadCategories(const YAML::Node& n) {
  if (!n.IsDefined()) return errors.push_back({"/categories", "list at least one category"});
  if (!n.IsMap()) return Error(n, "/categories", "must be a mapping of category id to its rules");
  for (const auto& kv : n) {
    Category c;
    c.id = kv.first.Scalar();
    const std::string path = "/categories/" + c.id;
    const YAML::Node& v = kv.second;
    if (!v.IsNull() && Map(v, path, {"description", "required_fields", "snapshots_required", "closure_evidence"})) {
      c.description = Str(v["description"], path + "/description");
      Fields(v["required_fields"], path + "/required_fields", c.required_fields);
      c.snapshots_required = Bool(v["snapshots_required"], path + "/snapshots_required", false);
      c.closure_evidence =
          EnumList(v["closure_evidence"], path + "/closure_evidence", ParseEvidenceKind, Names(kAllEvidenceKinds));
    }
    p.categories.push_back(std::move(c));
  }
}

void Loader::LoadRequired(const YAML::Node& n) {
  if (!n.IsDefined() || !Map(n, "/required_fields", {"always", "standard", "normal", "emergency"})) return;
  Fields(n["always"], "/required_fields/always", p.required_always);
  for (ChangeType t : kAllChangeTypes) {
    const std::string key(Name(t));
    Fields(n[key], "/required_fields/" + key, p.required_by_type[static_cast<int>(t)]);
  }
}

void Loader::LoadRisk(const YAML::Node& n) {
  if (!n.IsDefined() || !Map(n, "/risk", {"default", "rules"})) return;
  if (auto d = Enum(n["default"], "/risk/default", ParseRisk, Names(kAllRisks))) p.default_risk = *d;
  const YAML::Node& rules = n["rules"];
  if (!rules.IsDefined()) return;
  if (!rules.IsSequence()) return Error(rules, "/risk/rules", "must be a list");
  std::set<std::string> ids;
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string path = fmt::format("/risk/rules/{}", i);
    const YAML::Node& r = rules[i];
    if (!Map(r, path, {"id", "description", "when", "risk"})) continue;
    RiskRule rule;
    rule.id = Str(r["id"], path + "/id", true);
    if (!rule.id.empty() && !ids.insert(rule.id).second) Error(r["id"], path + "/id", "duplicate rule id");
    rule.description = Str(r["description"], path + "/description");
    rule.when = When(r["when"], path + "/when");
    if (auto risk = Enum(r["risk"], path + "/risk", ParseRisk, Names(kAllRisks), true)) rule.risk = *risk;
    p.risk_rules.push_back(std::move(rule));
  }
}

void Loader::LoadRoles(const YAML::Node& n, const YAML::Node& services) {
  if (n.IsDefined() && n.IsMap()) {
    for (const auto& kv : n) {
      ApproverRole role;
      role.id = kv.first.Scalar();
      const std::string path = "/approver_roles/" + role.id;
      const YAML::Node& v = kv.second;
      if (!Map(v, path, {"description", "users", "system_roles", "service_owners"})) continue;
      role.description = Str(v["description"], path + "/description");
      role.users = List(v["users"], path + "/users");
      std::vector<std::string> names;
      for (Role r : kAllRoles) names.emplace_back(RoleName(r));
      role.system_roles = EnumList(v["system_roles"], path + "/system_roles", ParseRole, names);
      role.service_owners = Bool(v["service_owners"], path + "/service_owners", false);
      p.approver_roles.push_back(std::move(role));
    }
  } else if (n.IsDefined()) {
    Error(n, "/approver_roles", "must be a mapping of role id to members");
  }
  if (!services.IsDefined()) return;
  if (!services.IsMap()) return Error(services, "/services", "must be a mapping of service name to owners");
  for (const auto& kv : services) {
    const std::string path = "/services/" + kv.first.Scalar();
    if (!Map(kv.second, path, {"owners"})) continue;
    p.service_owners[kv.first.Scalar()] = List(kv.second["owners"], path + "/owners");
  }
}

void Loader::LoadApprovals(const YAML::Node& n) {
  if (!n.IsDefined()) return;
  if (!n.IsSequence()) return Error(n, "/approvals", "must be a list of rules");
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string path = fmt::format("/approvals/{}", i);
    const YAML::Node& r = n[i];
    if (!Map(r, path, {"id", "description", "when", "require"})) continue;
    ApprovalRule rule;
    rule.id = Str(r["id"], path + "/id", true);
    rule.description = Str(r["description"], path + "/description");
    rule.when = When(r["when"], path + "/when");
    rule.require = List(r["require"], path + "/require");
    if (rule.require.empty()) errors.push_back({path + "/require", Where(r) + "name at least one approver role"});
    CheckRoles(r["require"], path + "/require", rule.require);
    p.approval_rules.push_back(std::move(rule));
  }
}

void Loader::LoadSod(const YAML::Node& n) {
  if (!n.IsDefined()) return;
  const std::string path = "/segregation_of_duties";
  if (!Map(n, path, {"min_distinct_approvers", "self_approval", "compensating_control"})) return;
  const YAML::Node& m = n["min_distinct_approvers"];
  if (m.IsDefined() && Map(m, path + "/min_distinct_approvers", {"low", "medium", "high", "critical"})) {
    for (Risk r : kAllRisks) {
      const std::string k(Name(r));
      if (auto v = Int(m[k], fmt::format("{}/min_distinct_approvers/{}", path, k), 0, 10))
        p.sod.min_approvers[static_cast<int>(r)] = static_cast<int>(*v);
    }
  }
  const std::string self = Str(n["self_approval"], path + "/self_approval");
  if (self == "refuse")
    p.sod.self_approval = SelfApproval::kRefuse;
  else if (self.empty() || self == "with_independent_approver")
    p.sod.self_approval = SelfApproval::kWithIndependentApprover;
  else
    Error(n["self_approval"], path + "/self_approval", "must be refuse or with_independent_approver");
  const YAML::Node& cc = n["compensating_control"];
  if (cc.IsDefined() && Map(cc, path + "/compensating_control", {"allowed", "description"})) {
    p.sod.compensating_control = Bool(cc["allowed"], path + "/compensating_control/allowed", false);
    p.sod.compensating_description = Str(cc["description"], path + "/compensating_control/description");
  }
}

void Loader::LoadTemplates(const YAML::Node& n) {
  if (!n.IsDefined()) return;
  if (!n.IsSequence()) return Error(n, "/templates", "must be a list");
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string path = fmt::format("/templates/{}", i);
    const YAML::Node& t = n[i];
    if (!Map(t, path,
             {"id", "title", "description", "category", "services", "environments", "parameters", "change", "max_risk",
              "evidence"})) {
      continue;
    }
    StandardTemplate tmpl;
    tmpl.id = Str(t["id"], path + "/id", true);
    if (p.FindTemplate(tmpl.id) != nullptr) Error(t["id"], path + "/id", "duplicate template id");
    tmpl.title = Str(t["title"], path + "/title", true);
    tmpl.description = Str(t["description"], path + "/description");
    tmpl.category = Str(t["category"], path + "/category", true);
    if (!tmpl.category.empty()) CheckCategory(t["category"], path + "/category", tmpl.category);
    tmpl.services = List(t["services"], path + "/services");
    tmpl.environments = List(t["environments"], path + "/environments");
    if (auto r = Enum(t["max_risk"], path + "/max_risk", ParseRisk, Names(kAllRisks))) tmpl.max_risk = *r;
    tmpl.evidence = EnumList(t["evidence"], path + "/evidence", ParseEvidenceKind, Names(kAllEvidenceKinds));
    const YAML::Node& params = t["parameters"];
    if (params.IsDefined() && !params.IsSequence()) Error(params, path + "/parameters", "must be a list");
    for (size_t j = 0; params.IsSequence() && j < params.size(); ++j) {
      const std::string pp = fmt::format("{}/parameters/{}", path, j);
      const YAML::Node& x = params[j];
      if (!Map(x, pp, {"name", "type", "required", "allowed", "min", "max", "description"})) continue;
      TemplateParam tp;
      tp.name = Str(x["name"], pp + "/name", true);
      tp.type = Str(x["type"], pp + "/type");
      if (tp.type.empty()) tp.type = "string";
      if (tp.type != "string" && tp.type != "integer" && tp.type != "boolean") {
        Error(x["type"], pp + "/type", "must be string, integer or boolean");
      }
      tp.required = Bool(x["required"], pp + "/required", true);
      tp.allowed = List(x["allowed"], pp + "/allowed");
      tp.min = Int(x["min"], pp + "/min", INT32_MIN, INT32_MAX);
      tp.max = Int(x["max"], pp + "/max", INT32_MIN, INT32_MAX);
      tp.description = Str(x["description"], pp + "/description");
      tmpl.parameters.push_back(std::move(tp));
    }
    const YAML::Node& change = t["change"];
    if (change.IsDefined()) {
      tmpl.defaults = YamlNodeToJson(change);
      if (!tmpl.defaults.is_object()) {
        Error(change, path + "/change", "must be a mapping of change fields");
        tmpl.defaults = nlohmann::json::object();
      }
      Result<ChangeContent> check = ContentFromJson(tmpl.defaults);
      if (!check.ok()) {
        for (const FieldError& e : check.status().field_errors()) Error(change, path + "/change" + e.field, e.message);
      }
    }
    p.templates.push_back(std::move(tmpl));
  }
}

void Loader::LoadFreezes(const YAML::Node& n) {
  if (!n.IsDefined()) return;
  if (!n.IsSequence()) return Error(n, "/freeze_windows", "must be a list");
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string path = fmt::format("/freeze_windows/{}", i);
    const YAML::Node& f = n[i];
    if (!Map(f, path, {"id", "description", "environments", "start", "end", "allow_types"})) continue;
    FreezeWindow w;
    w.id = Str(f["id"], path + "/id", true);
    w.description = Str(f["description"], path + "/description");
    w.environments = List(f["environments"], path + "/environments");
    for (size_t j = 0; j < w.environments.size(); ++j)
      CheckEnvironment(f["environments"][j], path + "/environments", w.environments[j]);
    auto start = ParseRfc3339(Str(f["start"], path + "/start", true));
    auto end = ParseRfc3339(Str(f["end"], path + "/end", true));
    if (!start) Error(f["start"], path + "/start", "must be an RFC 3339 date-time");
    if (!end) Error(f["end"], path + "/end", "must be an RFC 3339 date-time");
    if (start && end && *end <= *start) Error(f["end"], path + "/end", "must be after start");
    w.start = start.value_or(Timestamp{});
    w.end = end.value_or(Timestamp{});
    w.allow_types = EnumList(f["allow_types"], path + "/allow_types", ParseChangeType, Names(kAllChangeTypes));
    p.freezes.push_back(std::move(w));
  }
}

void Loader::LoadEmergency(const YAML::Node& n) {
  if (!n.IsDefined()) return;
  if (!Map(n, "/emergency",
           {"reasons", "review_deadline", "retrospective_roles", "escalation_roles", "repeat_threshold",
            "repeat_window"}))
    return;
  const YAML::Node& reasons = n["reasons"];
  if (reasons.IsDefined() && !reasons.IsMap()) {
    Error(reasons, "/emergency/reasons", "must be a mapping of reason id to its description");
  }
  if (reasons.IsDefined() && reasons.IsMap()) {
    for (const auto& kv : reasons) {
      const std::string id = kv.first.Scalar();
      p.emergency.reasons.push_back({id, Str(kv.second, fmt::format("/emergency/reasons/{}", id), true)});
    }
  }
  if (auto d = Duration(n["review_deadline"], "/emergency/review_deadline")) {
    p.emergency.review_deadline_hours = static_cast<int>(std::max<int64_t>(1, *d / (3600 * kMicrosPerSecond)));
  }
  p.emergency.retrospective_roles = List(n["retrospective_roles"], "/emergency/retrospective_roles");
  CheckRoles(n["retrospective_roles"], "/emergency/retrospective_roles", p.emergency.retrospective_roles);
  p.emergency.escalation_roles = List(n["escalation_roles"], "/emergency/escalation_roles");
  CheckRoles(n["escalation_roles"], "/emergency/escalation_roles", p.emergency.escalation_roles);
  if (auto t = Int(n["repeat_threshold"], "/emergency/repeat_threshold", 2, 1000))
    p.emergency.repeat_threshold = static_cast<int>(*t);
  if (auto d = Duration(n["repeat_window"], "/emergency/repeat_window")) {
    p.emergency.repeat_window_days = static_cast<int>(std::max<int64_t>(1, *d / (86400 * kMicrosPerSecond)));
  }
}

void Loader::EvidenceByType(const YAML::Node& n, const std::string& path,
                            std::array<std::vector<EvidenceKind>, 3>& out) {
  if (!n.IsDefined() || !Map(n, path, {"standard", "normal", "emergency"})) return;
  for (ChangeType t : kAllChangeTypes) {
    const std::string k(Name(t));
    out[static_cast<int>(t)] =
        EnumList(n[k], fmt::format("{}/{}", path, k), ParseEvidenceKind, Names(kAllEvidenceKinds));
  }
}

void Loader::LoadClosure(const YAML::Node& n) {
  if (!n.IsDefined()) return;
  if (!Map(n, "/closure", {"evidence", "verification_checklist", "independent_verification", "failed_runs_block"}))
    return;
  EvidenceByType(n["evidence"], "/closure/evidence", p.closure_evidence_by_type);
  p.verification_checklist = Bool(n["verification_checklist"], "/closure/verification_checklist", true);
  p.independent_verification = Bool(n["independent_verification"], "/closure/independent_verification", true);
  p.failed_runs_block = Bool(n["failed_runs_block"], "/closure/failed_runs_block", true);
}

void Loader::LoadApprovalSla(const YAML::Node& n) {
  if (!n.IsDefined() || !Map(n, "/approval_sla", {"low", "medium", "high", "critical"})) return;
  for (Risk r : kAllRisks) {
    const std::string k(Name(r));
    if (auto d = Duration(n[k], fmt::format("/approval_sla/{}", k))) {
      p.approval_sla_hours[static_cast<int>(r)] = std::max<int64_t>(1, *d / (3600 * kMicrosPerSecond));
    }
  }
}

void Loader::LoadEvidenceBefore(const YAML::Node& n) {
  if (!n.IsDefined() || !Map(n, "/evidence_before", {"approval", "start"})) return;
  EvidenceByType(n["approval"], "/evidence_before/approval", p.approval_evidence_by_type);
  EvidenceByType(n["start"], "/evidence_before/start", p.start_evidence_by_type);
}

}  // namespace

Result<std::shared_ptr<const Policy>> ParsePolicy(std::string_view yaml) {
  CL_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(yaml, "policy"));
  Loader l;
  try {
    l.Load(root);
  } catch (const YAML::Exception& e) {
    l.errors.push_back({"", fmt::format("line {}: {}", e.mark.line + 1, e.msg)});
  }
  if (!l.errors.empty()) {
    std::string message = fmt::format("the policy has {} problem(s)", l.errors.size());
    return InvalidArgument(std::move(message), std::move(l.errors));
  }
  return std::shared_ptr<const Policy>(std::make_shared<Policy>(std::move(l.p)));
}

}  // namespace cl
