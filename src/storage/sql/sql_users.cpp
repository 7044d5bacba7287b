#include <fmt/format.h>

#include <map>
#include <sstream>

#include "storage/sql/columns.h"
#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

// Users (u) joined with their roles (r): one row per (user, role).
constexpr auto kUser =
    MakeColumns("u.id", "u.username", "u.display_name", "u.email", "u.kind", "u.password_hash",
                "u.must_change_password", "u.disabled_at", "u.created_at", "u.updated_at", "u.version", "r.role");

// Folds "one row per (user, role)" into users, keeping query order.
class UserFolder {
 public:
  bool Add(const Row& r) {
    const std::string_view id = r.Text(kUser["u.id"]);
    if (users_.empty() || users_.back().id != id) {
      User u;
      u.id = std::string(id);
      u.username = r.String(kUser["u.username"]);
      u.display_name = r.String(kUser["u.display_name"]);
      u.email = r.String(kUser["u.email"]);
      u.kind = ParseUserKind(r.Text(kUser["u.kind"])).value_or(UserKind::kHuman);
      u.password_hash = r.String(kUser["u.password_hash"]);
      u.must_change_password = r.Int(kUser["u.must_change_password"]) != 0;
      if (!r.IsNull(kUser["u.disabled_at"])) u.disabled_at = Timestamp{r.Int(kUser["u.disabled_at"])};
      u.created_at = Timestamp{r.Int(kUser["u.created_at"])};
      u.updated_at = Timestamp{r.Int(kUser["u.updated_at"])};
      u.version = r.Int(kUser["u.version"]);
      users_.push_back(std::move(u));
    }
    if (!r.IsNull(kUser["r.role"])) {
      if (auto role = ParseRole(r.Text(kUser["r.role"]))) users_.back().roles.push_back(*role);
    }
    return true;
  }
  std::vector<User> Take() { return std::move(users_); }

 private:
  std::vector<User> users_;
};

}  // namespace

Result<std::optional<User>> SqlUserRepo::FindOne(std::string_view where, std::string_view value) {
  const std::string sql =
      fmt::format("SELECT {} FROM users u LEFT JOIN user_roles r ON r.user_id = u.id WHERE {} ORDER BY r.role",
                  kUser.List(), where);
  UserFolder folder;
  CL_RETURN_IF_ERROR(c_.Query(sql, {value}, [&](const Row& r) { return folder.Add(r); }));
  std::vector<User> users = folder.Take();
  if (users.empty()) return std::optional<User>();
  return std::optional<User>(std::move(users.front()));
}

Result<std::optional<User>> SqlUserRepo::FindById(std::string_view id) { return FindOne("u.id = ?", id); }

Result<std::optional<User>> SqlUserRepo::FindByUsername(std::string_view username) {
  return FindOne("u.username = ?", username);
}

Result<std::vector<User>> SqlUserRepo::List(const UserListQuery& q) {
  // Paging applies to users, so the limit sits in a subquery before the join.
  std::string inner = "SELECT * FROM users WHERE username > ?";
  if (!q.include_disabled) inner += " AND disabled_at IS NULL";
  if (q.role) {
    inner += " AND id IN (SELECT user_id FROM user_roles WHERE role = ?)";
  }
  inner += " ORDER BY username LIMIT ?";
  const std::string sql = fmt::format(
      "SELECT {} FROM ({}) u LEFT JOIN user_roles r ON r.user_id = u.id ORDER BY u.username, "
      "r.role",
      kUser.List(), inner);
  UserFolder folder;
  const auto on_row = [&](const Row& r) { return folder.Add(r); };
  if (q.role) {
    CL_RETURN_IF_ERROR(c_.Query(sql, {q.after_username, RoleName(*q.role), q.limit}, on_row));
  } else {
    CL_RETURN_IF_ERROR(c_.Query(sql, {q.after_username, q.limit}, on_row));
  }
  return folder.Take();
}

Result<int64_t> SqlUserRepo::CountEnabledWithRole(Role role) {
  int64_t n = 0;
  CL_RETURN_IF_ERROR(
      c_.Query("SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id "
               "WHERE r.role = ? AND u.disabled_at IS NULL",
               {RoleName(role)}, [&](const Row& r) {
                 n = r.Int(0);
                 return false;
               }));
  return n;
}

Status SqlUserRepo::WriteRoles(const User& u) {
  CL_RETURN_IF_ERROR(c_.Run("DELETE FROM user_roles WHERE user_id = ?", {u.id}));
  for (Role role : u.roles) {
    CL_RETURN_IF_ERROR(c_.Run("INSERT INTO user_roles (user_id, role) VALUES (?, ?)", {u.id, RoleName(role)}));
  }
  return Status::Ok();
}

Status SqlUserRepo::Insert(const User& u) {
  Status s = c_.Run(
      "INSERT INTO users (id, username, display_name, email, kind, password_hash, "
      "must_change_password, disabled_at, created_at, updated_at, version) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {u.id, u.username, u.display_name, u.email, UserKindName(u.kind), u.password_hash,
       int64_t{u.must_change_password}, u.disabled_at ? Value(u.disabled_at->micros) : Value(Null{}),
       u.created_at.micros, u.updated_at.micros, u.version});
  if (s.code() == ErrorCode::kAlreadyExists) {
    return AlreadyExists(fmt::format("a user named '{}' already exists", u.username));
  }
  CL_RETURN_IF_ERROR(s);
  return WriteRoles(u);
}

Status SqlUserRepo::Update(const User& u) {
  int64_t changed = 0;
  CL_RETURN_IF_ERROR(
      c_.Run("UPDATE users SET display_name = ?, email = ?, password_hash = ?, "
             "must_change_password = ?, disabled_at = ?, updated_at = ?, version = ? "
             "WHERE id = ? AND version = ?",
             {u.display_name, u.email, u.password_hash, int64_t{u.must_change_password},
              u.disabled_at ? Value(u.disabled_at->micros) : Value(Null{}), u.updated_at.micros, u.version, u.id,
              u.version - 1},
             &changed));
  if (changed == 0) {
    return Conflict(fmt::format("user {} was changed by someone else; reload and retry", u.id));
  }
  return WriteRoles(u);
}

}  // namespace cl::sql
