// AccountsBackend: where `changeledger user` and `token` act — a server over
// its API (the normal way), or a database file directly with --db (for the
// first set-up or break-glass, recorded in the audit log as local:<os user>).
// Both speak the API's JSON shapes so the commands print the same either way.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/api_client.h"
#include "core/status.h"

namespace cl::cli {

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

struct BackendOptions {
  ClientOptions client;
  std::string db;  // set: act on this database directly
  std::string signing_key;  // with db: the audit signing key file
};

void AddBackendOptions(CLI::App* cmd, BackendOptions& options);
Result<std::unique_ptr<AccountsBackend>> OpenAccounts(const BackendOptions& options);

// Opens the backend, runs fn(backend) -> Status, and returns the exit code.
int WithAccounts(const BackendOptions& options,
                 const std::function<Status(AccountsBackend&)>& fn);

}  // namespace cl::cli
