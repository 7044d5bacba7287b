// Roles and permissions: the single table of who may do what. Every HTTP
// route names one Permission (or none for public routes); a principal's
// permissions are the union of its roles' permissions, narrowed by the
// scopes of the API token it used. Immutable data, thread-safe.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cl {

enum class Role { kAdmin, kChangeManager, kApprover, kImplementer, kAuditor, kCi };
inline constexpr Role kAllRoles[] = {Role::kAdmin,       Role::kChangeManager, Role::kApprover,
                                     Role::kImplementer, Role::kAuditor,       Role::kCi};

enum class Permission {
  kSelfManage,        // one's own API tokens (every authenticated user reads /me)
  kUsersRead,         // list and read user accounts
  kUsersWrite,        // create, change, disable users; reset passwords
  kTokensAdmin,       // create/revoke tokens for other users (service accounts)
  kAuditRead,         // read audit events, checkpoints, keys; run verification
  kAuditExport,       // export the audit log for offline verification
  kSystemMetrics,     // Prometheus metrics
  kChangesRead,       // read change records (C1)
  kChangesWrite,      // create and edit change records (C1)
  kChangesApprove,    // approve or reject changes (C1)
  kChangesImplement,  // move changes through implementation (C1)
  kChangesManage,     // schedule, cancel, close, CAB actions (C1)
  kPolicyWrite,       // load a new change policy (C1)
  kGateCheck,         // ask the deploy gate (G1)
  kEvidenceWrite,     // attach evidence (G1)
  kCount,
};

using PermissionSet = std::bitset<static_cast<size_t>(Permission::kCount)>;

std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

// Stable scope names ("users:write") used in tokens, the API and docs.
std::string_view PermissionName(Permission p);
std::optional<Permission> ParsePermission(std::string_view name);
std::vector<Permission> AllPermissions();

PermissionSet PermissionsOf(Role role);
PermissionSet PermissionsOf(const std::vector<Role>& roles);
std::vector<std::string> PermissionNames(const PermissionSet& set);

inline bool Has(const PermissionSet& set, Permission p) { return set.test(static_cast<size_t>(p)); }

}  // namespace cl
