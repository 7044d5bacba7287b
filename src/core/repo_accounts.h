// Repositories for accounts and credentials: users, API tokens and sessions.
// Part of the Store interface (core/store.h): implemented once in
// storage/sql/ for both backends; used only inside a Tx. Interfaces only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/user.h"

namespace cl {

struct UserListQuery {
  bool include_disabled = true;
  std::optional<Role> role;
  std::string after_username;  // keyset paging
  int64_t limit = 100;
};

class UserRepo {
 public:
  virtual ~UserRepo() = default;
  virtual Result<std::optional<User>> FindById(std::string_view id) = 0;
  virtual Result<std::optional<User>> FindByUsername(std::string_view username) = 0;
  virtual Result<std::vector<User>> List(const UserListQuery& q) = 0;
  virtual Result<int64_t> CountEnabledWithRole(Role role) = 0;
  // kAlreadyExists if the username is taken.
  virtual Status Insert(const User& user) = 0;
  // Writes `user` if the stored version is still `user.version - 1`; else kConflict.
  virtual Status Update(const User& user) = 0;
};

class TokenRepo {
 public:
  virtual ~TokenRepo() = default;
  virtual Status Insert(const ApiToken& token) = 0;
  virtual Result<std::optional<ApiToken>> FindById(std::string_view id) = 0;
  virtual Result<std::optional<ApiToken>> FindBySecretHash(const SecretHash& hash) = 0;
  // Tokens of one user, or of everyone when user_id is empty; newest first.
  virtual Result<std::vector<ApiToken>> List(std::string_view user_id) = 0;
  virtual Status Revoke(std::string_view id, Timestamp at) = 0;
  virtual Status RevokeAllOfUser(std::string_view user_id, Timestamp at) = 0;
  virtual Status TouchLastUsed(std::string_view id, Timestamp at) = 0;
};

class SessionRepo {
 public:
  virtual ~SessionRepo() = default;
  virtual Status Insert(const Session& session) = 0;
  virtual Result<std::optional<Session>> FindBySecretHash(const SecretHash& hash) = 0;
  virtual Status Touch(std::string_view id, Timestamp at) = 0;
  virtual Status Revoke(std::string_view id, Timestamp at) = 0;
  virtual Status RevokeAllOfUser(std::string_view user_id, Timestamp at) = 0;
  // Removes sessions that ended before `before`; returns how many.
  virtual Result<int64_t> DeleteEnded(Timestamp before) = 0;
};

}  // namespace cl
