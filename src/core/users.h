// UserService: creating, changing and disabling user accounts, passwords and
// the bootstrap administrator. Every mutation is authorized against the
// principal, validated, and audit-logged in the same transaction. Password
// hashing happens before the write so the writer thread never waits on it.
// Thread-safe (stateless apart from its dependencies).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/deps.h"
#include "core/principal.h"

namespace cl {

struct NewUser {
  std::string username;
  std::string display_name;
  std::string email;
  UserKind kind = UserKind::kHuman;
  std::vector<std::string> roles;
  // Set only by local operators; otherwise a one-time password is generated.
  std::optional<std::string> password;
};

struct UserPatch {
  std::optional<std::string> display_name;
  std::optional<std::string> email;
  std::optional<std::vector<std::string>> roles;
  std::optional<bool> disabled;
  std::optional<int64_t> expected_version;  // If-Match
};

struct CreatedUser {
  User user;
  std::string one_time_password;  // empty for service accounts
};

// The user as audit events and API responses show it: never any secret.
nlohmann::json UserState(const User& user);

class UserService {
 public:
  explicit UserService(const Deps& deps) : d_(deps) {}

  Result<CreatedUser> Create(const Principal& who, const AuditContext& ctx, const NewUser& in);
  Result<User> Update(const Principal& who, const AuditContext& ctx, std::string_view id, const UserPatch& patch);
  // Issues a new one-time password and ends the user's sessions.
  Result<std::string> ResetPassword(const Principal& who, const AuditContext& ctx, std::string_view id);
  Status ChangeOwnPassword(const Principal& who, const AuditContext& ctx, std::string_view current,
                           std::string_view next);
  // By id or username.
  Result<User> Get(const Principal& who, std::string_view id_or_username);
  Result<std::vector<User>> List(const Principal& who, const UserListQuery& q);

  // Creates an administrator with a one-time password if no enabled
  // administrator exists; returns the user and password when it did. The
  // check and the create are one transaction, so servers starting at once on
  // one database create one administrator between them.
  Result<std::optional<CreatedUser>> EnsureBootstrapAdmin(const AuditContext& ctx);

 private:
  // Create, with `guard` run first in the same write transaction (its error
  // aborts the create); empty: no guard.
  Result<CreatedUser> CreateGuarded(const Principal& who, const AuditContext& ctx, const NewUser& in,
                                    const std::function<Status(Tx&)>& guard);
  Result<std::vector<Role>> ParseRoles(const std::vector<std::string>& names, UserKind kind);
  std::string NewOneTimePassword();
  const Deps& d_;
};

}  // namespace cl
