#include "core/authz.h"

#include <array>

namespace cl {
namespace {

struct PermissionInfo {
  Permission permission;
  std::string_view name;
};

constexpr std::array<PermissionInfo, static_cast<size_t>(Permission::kCount)> kPermissions = {{
    {Permission::kSelfManage, "self:manage"},
    {Permission::kUsersRead, "users:read"},
    {Permission::kUsersWrite, "users:write"},
    {Permission::kTokensAdmin, "tokens:admin"},
    {Permission::kAuditRead, "audit:read"},
    {Permission::kAuditExport, "audit:export"},
    {Permission::kSystemMetrics, "system:metrics"},
    {Permission::kChangesRead, "changes:read"},
    {Permission::kChangesWrite, "changes:write"},
    {Permission::kChangesApprove, "changes:approve"},
    {Permission::kChangesImplement, "changes:implement"},
    {Permission::kChangesManage, "changes:manage"},
    {Permission::kPolicyWrite, "policy:write"},
    {Permission::kGateCheck, "gate:check"},
    {Permission::kEvidenceWrite, "evidence:write"},
}};

PermissionSet Set(std::initializer_list<Permission> ps) {
  PermissionSet s;
  for (Permission p : ps) s.set(static_cast<size_t>(p));
  return s;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kChangeManager:
      return "change_manager";
    case Role::kApprover:
      return "approver";
    case Role::kImplementer:
      return "implementer";
    case Role::kAuditor:
      return "auditor";
    case Role::kCi:
      return "ci";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : kAllRoles) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

std::string_view PermissionName(Permission p) { return kPermissions[static_cast<size_t>(p)].name; }

std::optional<Permission> ParsePermission(std::string_view name) {
  for (const auto& info : kPermissions) {
    if (info.name == name) return info.permission;
  }
  return std::nullopt;
}

std::vector<Permission> AllPermissions() {
  std::vector<Permission> out;
  for (const auto& info : kPermissions) out.push_back(info.permission);
  return out;
}

// The role table. Least privilege: the auditor reads everything and changes
// nothing but its own credentials; ci can only ask the gate and add evidence.
PermissionSet PermissionsOf(Role role) {
  using P = Permission;
  switch (role) {
    case Role::kAdmin: {
      PermissionSet all;
      all.set();
      return all;
    }
    case Role::kChangeManager:
      return Set({P::kSelfManage, P::kUsersRead, P::kAuditRead, P::kChangesRead, P::kChangesWrite, P::kChangesManage,
                  P::kPolicyWrite});
    case Role::kApprover:
      return Set({P::kSelfManage, P::kChangesRead, P::kChangesApprove});
    case Role::kImplementer:
      return Set({P::kSelfManage, P::kChangesRead, P::kChangesWrite, P::kChangesImplement, P::kEvidenceWrite});
    case Role::kAuditor:
      return Set({P::kSelfManage, P::kUsersRead, P::kAuditRead, P::kAuditExport, P::kSystemMetrics, P::kChangesRead});
    case Role::kCi:
      return Set({P::kGateCheck, P::kEvidenceWrite});
  }
  return {};
}

PermissionSet PermissionsOf(const std::vector<Role>& roles) {
  PermissionSet s;
  for (Role r : roles) s |= PermissionsOf(r);
  return s;
}

std::vector<std::string> PermissionNames(const PermissionSet& set) {
  std::vector<std::string> out;
  for (const auto& info : kPermissions) {
    if (Has(set, info.permission)) out.emplace_back(info.name);
  }
  return out;
}

}  // namespace cl
