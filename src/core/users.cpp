#include "core/users.h"

#include <fmt/format.h>

#include <algorithm>

#include "crypto/crypto.h"

namespace cl {
namespace {

std::string RoleList() {
  std::string out;
  for (Role r : kAllRoles) {
    if (!out.empty()) out += ", ";
    out += RoleName(r);
  }
  return out;
}

void Append(std::vector<FieldError>& all, std::vector<FieldError> more) {
  all.insert(all.end(), more.begin(), more.end());
}

Status CheckAdminRemains(Tx& tx, const User& before, const User& after) {
  const bool was_admin = before.HasRole(Role::kAdmin) && !before.disabled();
  const bool is_admin = after.HasRole(Role::kAdmin) && !after.disabled();
  if (!was_admin || is_admin) return Status::Ok();
  CL_ASSIGN_OR_RETURN(int64_t admins, tx.Users().CountEnabledWithRole(Role::kAdmin));
  if (admins <= 1) {
    return Conflict("at least one enabled administrator must remain; add another first");
  }
  return Status::Ok();
}

}  // namespace

std::string NewSecret(IdGenerator& ids, std::string_view prefix, size_t bytes) {
  return std::string(prefix) + "_" + crypto::ToBase64Url(ids.RandomBytes(bytes));
}

nlohmann::json UserState(const User& u) {
  // A set: in name order, as given or as read back from the database.
  std::vector<std::string> names;
  for (Role r : u.roles) names.emplace_back(RoleName(r));
  std::ranges::sort(names);
  nlohmann::json roles = names;
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name},
          {"email", u.email},
          {"kind", UserKindName(u.kind)},
          {"roles", roles},
          {"disabled", u.disabled()},
          {"must_change_password", u.must_change_password},
          {"version", u.version}};
}

namespace {

// Stores a new password hash on the account and logs it as `event`; the
// caller's `details` say what else the event did.
Status StorePassword(const Deps& d, Tx& tx, const AuditContext& ctx, const User& found, const std::string& hash,
                     bool must_change, const char* event, nlohmann::json details) {
  User u = found;
  u.password_hash = hash;
  u.must_change_password = must_change;
  u.updated_at = d.clock.Now();
  u.version = found.version + 1;
  CL_RETURN_IF_ERROR(tx.Users().Update(u));
  AuditRecord rec{event, "user", u.id};
  rec.before = UserState(found);
  rec.after = UserState(u);
  rec.details = std::move(details);
  return d.audit.Append(tx, ctx, rec).status();
}

}  // namespace

Result<std::vector<Role>> UserService::ParseRoles(const std::vector<std::string>& names, UserKind kind) {
  std::vector<FieldError> errors;
  std::vector<Role> roles;
  for (size_t i = 0; i < names.size(); ++i) {
    auto role = ParseRole(names[i]);
    const std::string field = fmt::format("/roles/{}", i);
    if (!role) {
      errors.push_back({field, fmt::format("unknown role '{}'; one of {}", names[i], RoleList())});
    } else if (std::find(roles.begin(), roles.end(), *role) != roles.end()) {
      errors.push_back({field, fmt::format("role '{}' is listed twice", names[i])});
    } else if (kind == UserKind::kService && *role == Role::kAdmin) {
      errors.push_back({field, "service accounts cannot be administrators"});
    } else {
      roles.push_back(*role);
    }
  }
  if (names.empty()) errors.push_back({"/roles", "give at least one role; one of " + RoleList()});
  if (!errors.empty()) return InvalidArgument("the roles are not valid", std::move(errors));
  std::sort(roles.begin(), roles.end());
  return roles;
}

std::string UserService::NewOneTimePassword() { return crypto::ToBase64Url(d_.ids.RandomBytes(18)); }

Result<CreatedUser> UserService::Create(const Principal& who, const AuditContext& ctx, const NewUser& in) {
  return CreateGuarded(who, ctx, in, {});
}

Result<CreatedUser> UserService::CreateGuarded(const Principal& who, const AuditContext& ctx, const NewUser& in,
                                               const std::function<Status(Tx&)>& guard) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kUsersWrite));
  std::vector<FieldError> errors;
  Append(errors, ValidateUsername(in.username, "/username"));
  Append(errors, ValidateDisplayName(in.display_name, "/display_name"));
  Append(errors, ValidateEmail(in.email, "/email"));
  auto roles = ParseRoles(in.roles, in.kind);
  if (!roles.ok()) Append(errors, roles.status().field_errors());
  if (in.password) {
    if (in.kind == UserKind::kService) {
      errors.push_back({"/password", "service accounts sign in with API tokens, not passwords"});
    } else if (who.via != AuthVia::kLocal && who.via != AuthVia::kSystem) {
      errors.push_back({"/password", "initial passwords are generated; leave this out"});
    } else {
      Append(errors, ValidateNewPassword(*in.password, in.username, "/password"));
    }
  }
  if (!errors.empty()) return InvalidArgument("the user is not valid", std::move(errors));

  CreatedUser out;
  User& u = out.user;
  u.id = d_.ids.NewId("usr");
  u.username = in.username;
  u.display_name = in.display_name;
  u.email = in.email;
  u.kind = in.kind;
  u.roles = *roles;
  u.created_at = u.updated_at = d_.clock.Now();
  if (in.kind == UserKind::kHuman) {
    const std::string password = in.password ? *in.password : NewOneTimePassword();
    auto hash = d_.passwords.Hash(password);
    if (!hash) return Internal("password hashing failed");
    u.password_hash = *hash;
    u.must_change_password = !in.password.has_value();
    if (!in.password) out.one_time_password = password;
  }
  CL_RETURN_IF_ERROR(WriteCredentials(d_, [&](Tx& tx) -> Status {
    if (guard) CL_RETURN_IF_ERROR(guard(tx));
    if (Status inserted = tx.Users().Insert(u); inserted.code() == ErrorCode::kAlreadyExists) {
      // The database's own words name its constraint; say it in the API's.
      return Status(ErrorCode::kAlreadyExists, fmt::format("the username {} is taken", u.username),
                    {{"/username", "already taken"}});
    } else {
      CL_RETURN_IF_ERROR(inserted);
    }
    AuditRecord rec{"user.create", "user", u.id};
    rec.after = UserState(u);
    return d_.audit.Append(tx, ctx, rec).status();
  }));
  return out;
}

Result<User> UserService::Update(const Principal& who, const AuditContext& ctx, std::string_view id,
                                 const UserPatch& patch) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kUsersWrite));
  std::vector<FieldError> errors;
  if (patch.display_name) Append(errors, ValidateDisplayName(*patch.display_name, "/display_name"));
  if (patch.email) Append(errors, ValidateEmail(*patch.email, "/email"));
  if (!errors.empty()) return InvalidArgument("the change is not valid", std::move(errors));

  User updated;
  CL_RETURN_IF_ERROR(WriteCredentials(d_, [&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::optional<User> found, tx.Users().FindById(id));
    if (!found) return NotFound(fmt::format("no user with id {}", id));
    const User before = *found;
    if (patch.expected_version && *patch.expected_version != before.version) {
      return Conflict(fmt::format("user {} is at version {}, not {}; reload and retry", id, before.version,
                                  *patch.expected_version));
    }
    User u = before;
    if (patch.display_name) u.display_name = *patch.display_name;
    if (patch.email) u.email = *patch.email;
    if (patch.roles) {
      CL_ASSIGN_OR_RETURN(u.roles, ParseRoles(*patch.roles, u.kind));
    }
    if (patch.disabled) {
      if (*patch.disabled && u.id == who.user_id) {
        return InvalidArgument("you cannot disable your own account", {{"/disabled", "ask another administrator"}});
      }
      if (*patch.disabled && !u.disabled()) u.disabled_at = d_.clock.Now();
      if (!*patch.disabled) u.disabled_at.reset();
    }
    CL_RETURN_IF_ERROR(CheckAdminRemains(tx, before, u));
    if (UserState(u) == UserState(before)) {
      updated = before;  // nothing changes: nothing stored, nothing audited
      return Status::Ok();
    }
    u.updated_at = d_.clock.Now();
    u.version = before.version + 1;
    CL_RETURN_IF_ERROR(tx.Users().Update(u));
    if (u.disabled() && !before.disabled()) {
      CL_RETURN_IF_ERROR(tx.Sessions().RevokeAllOfUser(u.id, d_.clock.Now()));
    }
    const char* action = "user.update";
    if (u.disabled() != before.disabled()) action = u.disabled() ? "user.disable" : "user.enable";
    AuditRecord rec{action, "user", u.id};
    rec.before = UserState(before);
    rec.after = UserState(u);
    CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, rec).status());
    updated = std::move(u);
    return Status::Ok();
  }));
  return updated;
}

Result<std::string> UserService::ResetPassword(const Principal& who, const AuditContext& ctx, std::string_view id) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kUsersWrite));
  const std::string password = NewOneTimePassword();
  auto hash = d_.passwords.Hash(password);
  if (!hash) return Internal("password hashing failed");
  CL_RETURN_IF_ERROR(WriteCredentials(d_, [&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::optional<User> found, tx.Users().FindById(id));
    if (!found) return NotFound(fmt::format("no user with id {}", id));
    if (found->kind == UserKind::kService) {
      return InvalidArgument("service accounts have no password; issue an API token instead");
    }
    CL_RETURN_IF_ERROR(tx.Sessions().RevokeAllOfUser(found->id, d_.clock.Now()));
    return StorePassword(d_, tx, ctx, *found, *hash, true, "user.password.reset", {{"sessions_revoked", true}});
  }));
  return password;
}

Status UserService::ChangeOwnPassword(const Principal& who, const AuditContext& ctx, std::string_view current,
                                      std::string_view next) {
  Result<User> me = Get(who, who.user_id);
  if (!me.ok()) return me.status();
  if (me->kind == UserKind::kService) {
    return InvalidArgument("service accounts have no password");
  }
  if (!d_.passwords.Verify(current, me->password_hash)) {
    return InvalidArgument("the current password is wrong", {{"/current_password", "does not match"}});
  }
  std::vector<FieldError> errors = ValidateNewPassword(next, me->username, "/new_password");
  if (next == current) errors.push_back({"/new_password", "must differ from the current one"});
  if (!errors.empty()) return InvalidArgument("the new password is not acceptable", errors);
  auto hash = d_.passwords.Hash(next);
  if (!hash) return Internal("password hashing failed");
  return WriteCredentials(d_, [&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::optional<User> found, tx.Users().FindById(who.user_id));
    if (!found) return NotFound("your account no longer exists");
    return StorePassword(d_, tx, ctx, *found, *hash, false, "user.password.change", nlohmann::json::object());
  });
}

Result<User> UserService::Get(const Principal& who, std::string_view id_or_username) {
  if (id_or_username != who.user_id) CL_RETURN_IF_ERROR(Require(who, Permission::kUsersRead));
  std::optional<User> found;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    if (LooksLikeId(id_or_username)) {
      CL_ASSIGN_OR_RETURN(found, tx.Users().FindById(id_or_username));
    } else {
      CL_ASSIGN_OR_RETURN(found, tx.Users().FindByUsername(id_or_username));
    }
    return Status::Ok();
  }));
  if (!found) return NotFound(fmt::format("no user {}", id_or_username));
  return *found;
}

Result<std::vector<User>> UserService::List(const Principal& who, const UserListQuery& q) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kUsersRead));
  std::vector<User> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out, tx.Users().List(q));
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<CreatedUser>> UserService::EnsureBootstrapAdmin(const AuditContext& ctx) {
  int64_t admins = 0;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(admins, tx.Users().CountEnabledWithRole(Role::kAdmin));
    return Status::Ok();
  }));
  if (admins > 0) return std::optional<CreatedUser>();
  // Checked again where it counts: in the transaction that creates one.
  bool someone_else = false;
  auto none_yet = [&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(int64_t n, tx.Users().CountEnabledWithRole(Role::kAdmin));
    someone_else = n > 0;
    return someone_else ? FailedPrecondition("an administrator exists") : Status::Ok();
  };
  const Principal system = SystemPrincipal();
  for (int attempt = 0; attempt < 20; ++attempt) {
    NewUser in;
    in.username = attempt == 0 ? "admin" : fmt::format("admin{}", attempt + 1);
    in.display_name = "Administrator";
    in.roles = {"admin"};
    Result<CreatedUser> created = CreateGuarded(system, ctx, in, none_yet);
    if (created.ok()) return std::optional<CreatedUser>(std::move(created).value());
    if (someone_else) return std::optional<CreatedUser>();
    if (created.status().code() != ErrorCode::kAlreadyExists) return created.status();
  }
  return Conflict("could not find a free user name for the bootstrap administrator");
}

}  // namespace cl
