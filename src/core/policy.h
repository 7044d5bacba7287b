// ChangePolicy: the change-management rules as code (B-05), loaded from YAML
// (policy_yaml.cpp) and evaluated per change: required fields, risk (with
// the rules that fired), required approval roles, segregation of duties,
// standard templates, freeze windows, emergency deadlines and the evidence
// needed to close. Immutable once loaded; share it as shared_ptr<const>.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/authz.h"
#include "core/change.h"

namespace cl {

// A rule's "when": every listed dimension must match (empty = any).
struct Condition {
  std::vector<ChangeType> types;
  std::vector<std::string> environments;
  std::vector<std::string> categories;
  std::vector<std::string> services;
  ImpactMask impact_any = 0;  // any of these answered yes/unknown
  std::optional<Risk> risk_at_least;
};

struct RiskRule {
  std::string id;
  std::string description;
  Condition when;
  Risk risk = Risk::kLow;
};

struct ApprovalRule {
  std::string id;
  std::string description;
  Condition when;
  std::vector<std::string> require;  // approver role ids
};

// Who counts as an approver role: named users, holders of a system role, and
// (optionally) the owners of the change's service.
struct ApproverRole {
  std::string id;
  std::string description;
  std::vector<std::string> users;
  std::vector<Role> system_roles;
  bool service_owners = false;
};

struct Category {
  std::string id;
  std::string description;
  std::vector<std::string> required_fields;
  bool snapshots_required = false;  // console/admin: before+after and sign-off (R001-09)
  std::vector<EvidenceKind> closure_evidence;
};

struct TemplateParam {
  std::string name;
  std::string type = "string";  // string | integer | boolean
  bool required = true;
  std::vector<std::string> allowed;
  std::optional<int64_t> min, max;
  std::string description;
};

struct StandardTemplate {
  std::string id;
  std::string title;
  std::string description;
  std::string category;
  std::vector<std::string> services;      // empty: any
  std::vector<std::string> environments;  // empty: any
  std::vector<TemplateParam> parameters;
  nlohmann::json defaults = nlohmann::json::object();  // change fields filled in
  Risk max_risk = Risk::kLow;                          // above this the change must go the normal path
  std::vector<EvidenceKind> evidence;                  // what its changes produce; needed to close
};

struct FreezeWindow {
  std::string id;
  std::string description;
  std::vector<std::string> environments;
  Timestamp start, end;
  std::vector<ChangeType> allow_types;
};

enum class SelfApproval { kRefuse, kWithIndependentApprover };

struct SodRules {
  std::array<int, 4> min_approvers{1, 1, 2, 2};  // by Risk
  SelfApproval self_approval = SelfApproval::kWithIndependentApprover;
  bool compensating_control = false;  // independent post-implementation review
  std::string compensating_description;
};

// What qualifies as an emergency (R000-09): an id an emergency change names.
struct EmergencyReason {
  std::string id;
  std::string description;
};

struct EmergencyRules {
  std::vector<EmergencyReason> reasons;  // empty: any emergency may be raised without one
  int review_deadline_hours = 72;
  std::vector<std::string> retrospective_roles;  // approver roles that may hold the CAB review
  // Approver roles told at once when an emergency is raised (besides the CAB).
  std::vector<std::string> escalation_roles;
  int repeat_threshold = 3;
  int repeat_window_days = 90;
};

struct Policy {
  int format = 1;
  std::string name;
  std::string description;
  std::vector<std::string> environments;
  std::vector<Category> categories;
  std::vector<std::string> required_always;
  std::array<std::vector<std::string>, 3> required_by_type;  // by ChangeType
  Risk default_risk = Risk::kLow;
  std::vector<RiskRule> risk_rules;
  std::vector<ApproverRole> approver_roles;
  std::map<std::string, std::vector<std::string>> service_owners;
  std::vector<ApprovalRule> approval_rules;
  SodRules sod;
  // How long a submitted change may wait for its approvals, by Risk (R000-08); 0: no limit.
  std::array<int64_t, 4> approval_sla_hours{};
  std::vector<StandardTemplate> templates;
  std::vector<FreezeWindow> freezes;
  EmergencyRules emergency;
  std::array<std::vector<EvidenceKind>, 3> closure_evidence_by_type;
  // Evidence needed before approving and before starting, by type (R000-07:
  // tested before production).
  std::array<std::vector<EvidenceKind>, 3> approval_evidence_by_type;
  std::array<std::vector<EvidenceKind>, 3> start_evidence_by_type;
  bool verification_checklist = true;
  // The post-change verification is by someone other than the implementer.
  bool independent_verification = true;
  // A pipeline run or test result whose latest item failed blocks complete and close.
  bool failed_runs_block = true;

  const Category* FindCategory(std::string_view id) const;
  const ApproverRole* FindRole(std::string_view id) const;
  const StandardTemplate* FindTemplate(std::string_view id) const;
};

Assessment Evaluate(const Policy& policy, const ChangeContent& change);

// Whether a user may act as approver role `role` on a change of `service`.
bool QualifiesAs(const Policy& policy, const ApproverRole& role, std::string_view username,
                 const std::vector<Role>& system_roles, std::string_view service);

// Fills a standard change's fields from its template and checks the
// parameters; returns the merged content.
Result<ChangeContent> ApplyTemplate(const Policy& policy, const ChangeContent& in);

// Freeze windows of `env` overlapping [start, end] that do not allow `type`.
std::vector<const FreezeWindow*> FreezesHit(const Policy& policy, std::string_view env, ChangeType type,
                                            Timestamp start, Timestamp end);

}  // namespace cl
