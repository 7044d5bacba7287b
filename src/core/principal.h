// Principal: who is making a request, as established by authentication, and
// what they may do. Passed by const reference into every service call so
// the rules are checked in core as well as at the route. Plain value.
#pragma once

#include <memory>

#include <string>
#include <vector>

#include "core/audit_log.h"
#include "core/authz.h"
#include "core/status.h"
#include "core/user.h"

namespace cl {

enum class AuthVia { kSession, kToken, kLocal, kSystem };

struct Principal {
  std::string user_id;
  std::string username;
  std::string display_name;
  std::vector<Role> roles;
  PermissionSet permissions;  // roles' permissions, narrowed by token scopes
  AuthVia via = AuthVia::kSystem;
  std::string credential_id;  // session or token id
  bool must_change_password = false;
  // The account as authentication read it (may be up to the credential cache's
  // TTL old); null when authentication did not load it.
  std::shared_ptr<const User> user;

  bool Can(Permission p) const { return Has(permissions, p); }
  AuditActor ToActor() const;
};

// The server itself (bootstrap, housekeeping): every permission.
Principal SystemPrincipal();
// An operator on the database host using the CLI with --db: every permission,
// recorded with the operating-system user name.
Principal LocalPrincipal(const std::string& os_user);

// kPermissionDenied naming the missing permission, unless `p` is granted.
Status Require(const Principal& who, Permission p);

// Shorthand for the audit context of a principal's request.
AuditContext ContextFor(const Principal& who, std::string request_id, std::string client_ip);

}  // namespace cl
