// Where `changeledger user` and `token` act: a server over its API (the
// normal way), or with --db a database directly (server/local_accounts.h).
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/api_client.h"
#include "core/status.h"
#include "server/local_accounts.h"

namespace cl::cli {

struct BackendOptions {
  ClientOptions client;
  std::string db;           // set: act on this database directly
  std::string signing_key;  // with db: the audit signing key file
};

void AddBackendOptions(CLI::App* cmd, BackendOptions& options);
Result<std::unique_ptr<AccountsBackend>> OpenAccounts(const BackendOptions& options);

// Opens the backend, runs fn(backend) -> Status, and returns the exit code.
int WithAccounts(const BackendOptions& options, const std::function<Status(AccountsBackend&)>& fn);

}  // namespace cl::cli
