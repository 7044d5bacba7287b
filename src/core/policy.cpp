#include "core/policy.h"

#include <fmt/format.h>

#include <algorithm>

namespace cl {
namespace {

template <typename T>
bool Contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}
bool ContainsStr(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool Matches(const Condition& c, const ChangeContent& ch, ImpactMask impacts, std::optional<Risk> risk) {
  if (!c.types.empty() && !Contains(c.types, ch.type)) return false;
  if (!c.environments.empty() && !ContainsStr(c.environments, ch.environment)) return false;
  if (!c.categories.empty() && !ContainsStr(c.categories, ch.category)) return false;
  if (!c.services.empty() && !ContainsStr(c.services, ch.service)) return false;
  if (c.impact_any != 0 && (c.impact_any & impacts) == 0) return false;
  if (c.risk_at_least && (!risk || *risk < *c.risk_at_least)) return false;
  return true;
}

void AddEvidence(std::vector<EvidenceKind>& out, const std::vector<EvidenceKind>& more) {
  for (EvidenceKind k : more) {
    if (!Contains(out, k)) out.push_back(k);
  }
}

void Require(const Policy& p, const ChangeContent& c, const std::vector<std::string>& fields, std::string_view why,
             Assessment& a) {
  for (const std::string& f : fields) {
    if (HasField(c, f)) continue;
    const std::string ptr = "/" + f;
    bool listed = false;
    for (const FieldError& e : a.missing_fields) listed = listed || e.field == ptr;
    if (!listed) a.missing_fields.push_back({ptr, fmt::format("required for {} (policy {})", why, p.name)});
  }
}

// Replaces "{name}" with template parameter values in every string.
void Substitute(nlohmann::json& j, const nlohmann::json& params, const ChangeContent& c) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    auto put = [&](const std::string& key, const std::string& value) {
      const std::string token = "{" + key + "}";
      for (size_t pos = s.find(token); pos != std::string::npos; pos = s.find(token, pos + value.size())) {
        s.replace(pos, token.size(), value);
      }
    };
    for (const auto& [k, v] : params.items()) put(k, v.is_string() ? v.get<std::string>() : v.dump());
    put("service", c.service);
    put("environment", c.environment);
    j = s;
  } else if (j.is_structured()) {
    for (auto& v : j) Substitute(v, params, c);
  }
}

}  // namespace

const Category* Policy::FindCategory(std::string_view id) const {
  for (const Category& c : categories) {
    if (c.id == id) return &c;
  }
  return nullptr;
}
const ApproverRole* Policy::FindRole(std::string_view id) const {
  for (const ApproverRole& r : approver_roles) {
    if (r.id == id) return &r;
  }
  return nullptr;
}
const StandardTemplate* Policy::FindTemplate(std::string_view id) const {
  for (const StandardTemplate& t : templates) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

std::vector<const FreezeWindow*> FreezesHit(const Policy& p, std::string_view env, ChangeType type, Timestamp start,
                                            Timestamp end) {
  std::vector<const FreezeWindow*> out;
  for (const FreezeWindow& f : p.freezes) {
    if (!f.environments.empty() && !ContainsStr(f.environments, env)) continue;
    if (Contains(f.allow_types, type)) continue;
    if (start < f.end && f.start < end) out.push_back(&f);
  }
  return out;
}

namespace {

// An emergency names one of the policy's qualifying reasons; nothing else names one.
void CheckEmergencyReason(const Policy& p, const ChangeContent& c, Assessment& a) {
  const auto& reasons = p.emergency.reasons;
  std::vector<std::string> ids;
  for (const EmergencyReason& r : reasons) ids.push_back(r.id);
  if (c.type != ChangeType::kEmergency) {
    if (!c.emergency_reason.empty()) {
      a.problems.push_back({"/emergency_reason", "only emergency changes state an emergency reason"});
    }
    return;
  }
  if (reasons.empty()) return;
  if (c.emergency_reason.empty()) {
    a.missing_fields.push_back(
        {"/emergency_reason", fmt::format("state what makes this an emergency: one of {}", fmt::join(ids, ", "))});
  } else if (!ContainsStr(ids, c.emergency_reason)) {
    a.problems.push_back({"/emergency_reason", fmt::format("'{}' does not qualify as an emergency under the policy; "
                                                           "one of {} (otherwise raise a normal change)",
                                                           c.emergency_reason, fmt::join(ids, ", "))});
  }
}

}  // namespace

Assessment Evaluate(const Policy& p, const ChangeContent& c) {
  Assessment a;
  const Category* category = p.FindCategory(c.category);
  if (!c.environment.empty() && !ContainsStr(p.environments, c.environment)) {
    a.problems.push_back({"/environment", fmt::format("'{}' is not an environment of the policy; one of {}",
                                                      c.environment, fmt::join(p.environments, ", "))});
  }
  if (!c.category.empty() && category == nullptr) {
    std::vector<std::string> ids;
    for (const Category& k : p.categories) ids.push_back(k.id);
    a.problems.push_back({"/category", fmt::format("'{}' is not a category of the policy; one of {}", c.category,
                                                   fmt::join(ids, ", "))});
  }
  Require(p, c, p.required_always, "every change", a);
  Require(p, c, p.required_by_type[static_cast<int>(c.type)], fmt::format("{} changes", Name(c.type)), a);
  if (category != nullptr) {
    Require(p, c, category->required_fields, fmt::format("{} changes", category->id), a);
  }

  CheckEmergencyReason(p, c, a);

  const ImpactMask impacts = c.ImpactSet();
  a.risk = p.default_risk;
  for (const RiskRule& r : p.risk_rules) {
    if (!Matches(r.when, c, impacts, std::nullopt)) continue;
    a.risk = std::max(a.risk, r.risk);
    a.risk_rules.push_back({r.id, r.description, fmt::format("risk {}", Name(r.risk))});
  }

  const StandardTemplate* tmpl = nullptr;
  if (c.type == ChangeType::kStandard) {
    tmpl = c.template_id.empty() ? nullptr : p.FindTemplate(c.template_id);
    if (c.template_id.empty()) {
      a.problems.push_back({"/template", "standard changes must come from a pre-approved template"});
    } else if (tmpl == nullptr) {
      a.problems.push_back({"/template/id", fmt::format("no standard template '{}'", c.template_id)});
    } else if (a.risk > tmpl->max_risk) {
      a.problems.push_back({"/type", fmt::format("template {} is pre-approved up to {} risk but this change is {}; "
                                                 "raise it as a normal change",
                                                 tmpl->id, Name(tmpl->max_risk), Name(a.risk))});
    } else {
      a.pre_approved = true;
    }
  }

  if (!a.pre_approved) {
    for (const ApprovalRule& r : p.approval_rules) {
      if (!Matches(r.when, c, impacts, a.risk)) continue;
      for (const std::string& role : r.require) {
        if (!ContainsStr(a.required_roles, role)) a.required_roles.push_back(role);
      }
      a.approval_rules.push_back({r.id, r.description, fmt::format("requires {}", fmt::join(r.require, ", "))});
    }
    std::sort(a.required_roles.begin(), a.required_roles.end());
    a.min_distinct_approvers =
        std::max<int>(p.sod.min_approvers[static_cast<int>(a.risk)], static_cast<int>(a.required_roles.size()));
  } else {
    a.min_distinct_approvers = 0;
  }

  if (c.planned_start && c.planned_end) {
    for (const FreezeWindow* f : FreezesHit(p, c.environment, c.type, *c.planned_start, *c.planned_end)) {
      a.freezes.push_back(
          {f->id, f->description,
           fmt::format("{} frozen {} to {}", c.environment, FormatRfc3339(f->start), FormatRfc3339(f->end))});
    }
  }
  // Emergencies have their review deadline instead; pre-approved changes wait for nobody.
  if (c.type == ChangeType::kNormal) a.approval_sla_hours = p.approval_sla_hours[static_cast<int>(a.risk)];
  a.closure_evidence = p.closure_evidence_by_type[static_cast<int>(c.type)];
  a.approval_evidence = p.approval_evidence_by_type[static_cast<int>(c.type)];
  a.start_evidence = p.start_evidence_by_type[static_cast<int>(c.type)];
  if (c.type == ChangeType::kStandard) {
    if (const StandardTemplate* t = p.FindTemplate(c.template_id)) AddEvidence(a.closure_evidence, t->evidence);
  }
  if (category != nullptr) {
    AddEvidence(a.closure_evidence, category->closure_evidence);
    a.snapshots_required = category->snapshots_required;
    if (a.snapshots_required) {
      AddEvidence(a.closure_evidence, {EvidenceKind::kBeforeSnapshot, EvidenceKind::kAfterSnapshot});
    }
  }
  return a;
}

bool QualifiesAs(const Policy& p, const ApproverRole& role, std::string_view username,
                 const std::vector<Role>& system_roles, std::string_view service) {
  if (ContainsStr(role.users, username)) return true;
  for (Role r : system_roles) {
    if (Contains(role.system_roles, r)) return true;
  }
  if (role.service_owners) {
    auto it = p.service_owners.find(std::string(service));
    if (it != p.service_owners.end() && ContainsStr(it->second, username)) return true;
  }
  return false;
}

Result<ChangeContent> ApplyTemplate(const Policy& p, const ChangeContent& in) {
  const StandardTemplate* t = p.FindTemplate(in.template_id);
  if (t == nullptr) {
    std::vector<std::string> ids;
    for (const StandardTemplate& x : p.templates) ids.push_back(x.id);
    return InvalidArgument(
        "unknown standard template",
        {{"/template/id", fmt::format("no template '{}'; the policy has {}", in.template_id,
                                      ids.empty() ? "none" : fmt::format("{}", fmt::join(ids, ", ")))}});
  }
  std::vector<FieldError> errors;
  if (!t->services.empty() && !ContainsStr(t->services, in.service)) {
    errors.push_back(
        {"/service", fmt::format("template {} is pre-approved only for {}", t->id, fmt::join(t->services, ", "))});
  }
  if (!t->environments.empty() && !ContainsStr(t->environments, in.environment)) {
    errors.push_back({"/environment",
                      fmt::format("template {} is pre-approved only for {}", t->id, fmt::join(t->environments, ", "))});
  }
  const nlohmann::json& params = in.template_params;
  for (const auto& [k, _] : params.items()) {
    bool known = false;
    for (const TemplateParam& tp : t->parameters) known = known || tp.name == k;
    if (!known) errors.push_back({"/template/parameters/" + k, "not a parameter of this template"});
  }
  for (const TemplateParam& tp : t->parameters) {
    const std::string ptr = "/template/parameters/" + tp.name;
    if (!params.contains(tp.name)) {
      if (tp.required) errors.push_back({ptr, "required by the template"});
      continue;
    }
    const nlohmann::json& v = params[tp.name];
    if (tp.type == "integer") {
      if (!v.is_number_integer()) {
        errors.push_back({ptr, "must be an integer"});
        continue;
      }
      const int64_t n = v.get<int64_t>();
      if ((tp.min && n < *tp.min) || (tp.max && n > *tp.max)) {
        errors.push_back(
            {ptr, fmt::format("must be between {} and {}", tp.min.value_or(INT64_MIN), tp.max.value_or(INT64_MAX))});
      }
    } else if (tp.type == "boolean") {
      if (!v.is_boolean()) errors.push_back({ptr, "must be true or false"});
    } else {
      if (!v.is_string()) {
        errors.push_back({ptr, "must be a string"});
        continue;
      }
      const std::string s = v.get<std::string>();
      if (!tp.allowed.empty() && !ContainsStr(tp.allowed, s)) {
        errors.push_back({ptr, fmt::format("'{}' is not allowed; one of {}", s, fmt::join(tp.allowed, ", "))});
      }
      if ((tp.min && static_cast<int64_t>(s.size()) < *tp.min) ||
          (tp.max && static_cast<int64_t>(s.size()) > *tp.max)) {
        errors.push_back({ptr, "length out of the template's bounds"});
      }
    }
  }
  if (!errors.empty()) return InvalidArgument("the standard change does not fit its template", std::move(errors));
  nlohmann::json fixed = t->defaults;
  if (!fixed.contains("title") && in.title.empty()) fixed["title"] = t->title;
  Substitute(fixed, params, in);
  fixed["type"] = "standard";
  fixed["category"] = t->category;
  return MergeContent(in, fixed);
}

}  // namespace cl
