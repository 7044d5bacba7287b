// Credentials saved by `changeledger login`: the server URL and a personal
// API token, in $CHANGELEDGER_CONFIG_DIR (or $XDG_CONFIG_HOME/changeledger,
// or ~/.config/changeledger)/credentials.json, mode 0600.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"

namespace cl::cli {

struct SavedCredentials {
  std::string server;
  std::string token;
  std::string token_id;
  std::string username;
};

std::string CredentialsPath();
Status SaveCredentials(const SavedCredentials& c);
std::optional<SavedCredentials> LoadCredentials();
Status ForgetCredentials();

}  // namespace cl::cli
