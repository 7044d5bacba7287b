// AccountsBackend: where `changeledger user` and `token` act — a server over
// its API (the normal way, cli/accounts.cpp), or a database directly with
// --db (first set-up or break-glass, recorded in the audit log as
// local:<os user>; here). Both speak the API's JSON shapes
// (http/resources/representations.h) so the commands print the same either way.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "server/local_app.h"

namespace cl {

class AccountsBackend {
 public:
  virtual ~AccountsBackend() = default;
  virtual Result<nlohmann::json> CreateUser(const nlohmann::json& body) = 0;
  virtual Result<nlohmann::json> ListUsers(const std::string& role, bool include_disabled) = 0;
  virtual Result<nlohmann::json> GetUser(const std::string& id_or_username) = 0;
  virtual Result<nlohmann::json> PatchUser(const std::string& id, const nlohmann::json& patch) = 0;
  virtual Result<nlohmann::json> ResetPassword(const std::string& id) = 0;
  virtual Result<nlohmann::json> CreateToken(const nlohmann::json& body) = 0;
  virtual Result<nlohmann::json> ListTokens(bool all, const std::string& user_id) = 0;
  virtual Result<nlohmann::json> RevokeToken(const std::string& id) = 0;
};

// Acts on `app`'s database as `os_user` (the audit actor local:<os_user>).
std::unique_ptr<AccountsBackend> OpenLocalAccounts(std::unique_ptr<LocalApp> app, const std::string& os_user);

}  // namespace cl
