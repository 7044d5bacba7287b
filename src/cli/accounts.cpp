#include "cli/accounts.h"

#include <filesystem>

#include "cli/common.h"
#include "server/local_accounts.h"
#include "server/local_app.h"

namespace cl::cli {
namespace {

class RemoteAccounts final : public AccountsBackend {
 public:
  explicit RemoteAccounts(ApiClient client) : c_(std::move(client)) {}
  Result<nlohmann::json> CreateUser(const nlohmann::json& body) override {
    return c_.Call("POST", "/api/v1/users", body);
  }
  Result<nlohmann::json> ListUsers(const std::string& role, bool include_disabled) override {
    nlohmann::json all = nlohmann::json::array();
    std::string after;
    for (;;) {
      std::string path = "/api/v1/users?limit=500&include_disabled=" + std::string(include_disabled ? "true" : "false");
      if (!role.empty()) path += "&role=" + UrlEncode(role);
      if (!after.empty()) path += "&after=" + UrlEncode(after);
      CL_ASSIGN_OR_RETURN(nlohmann::json page, c_.Call("GET", path));
      for (auto& u : page["items"]) all.push_back(u);
      if (!page["next_after"].is_string()) break;
      after = page["next_after"].get<std::string>();
    }
    return nlohmann::json{{"items", all}};
  }
  Result<nlohmann::json> GetUser(const std::string& id) override {
    return c_.Call("GET", "/api/v1/users/" + UrlEncode(id));
  }
  Result<nlohmann::json> PatchUser(const std::string& id, const nlohmann::json& patch) override {
    // The edit names the version it was made on (If-Match): a change someone
    // made between this read and the write is refused, not overwritten.
    CL_ASSIGN_OR_RETURN(nlohmann::json current, GetUser(id));
    const nlohmann::json& version = current.contains("user") ? current["user"]["version"] : current["version"];
    if (!version.is_number_integer()) return Internal("the server sent a user without a version");
    return c_.Call("PATCH", "/api/v1/users/" + UrlEncode(id), patch,
                   {{"If-Match", "\"" + std::to_string(version.get<int64_t>()) + "\""}});
  }
  Result<nlohmann::json> ResetPassword(const std::string& id) override {
    return c_.Call("POST", "/api/v1/users/" + UrlEncode(id) + "/password-reset");
  }
  Result<nlohmann::json> CreateToken(const nlohmann::json& body) override {
    return c_.Call("POST", "/api/v1/tokens", body);
  }
  Result<nlohmann::json> ListTokens(bool all, const std::string& user_id) override {
    std::string path = "/api/v1/tokens";
    if (all) {
      path += "?all=true";
    } else if (!user_id.empty()) {
      path += "?user_id=" + UrlEncode(user_id);
    }
    return c_.Call("GET", path);
  }
  Result<nlohmann::json> RevokeToken(const std::string& id) override {
    return c_.Call("DELETE", "/api/v1/tokens/" + UrlEncode(id));
  }

 private:
  ApiClient c_;
};

}  // namespace

void AddBackendOptions(CLI::App* cmd, BackendOptions& o) {
  AddClientOptions(cmd, o.client);
  cmd->add_option("--db", o.db,
                  "Act on this database (SQLite file or postgres:// URL) directly instead of a "
                  "server (first set-up, break-glass); recorded as local:<os user>");
  cmd->add_option("--signing-key", o.signing_key,
                  "With --db: the audit signing key file (default for SQLite: <db>.signing-key; "
                  "required for PostgreSQL)")
      ->envname("CHANGELEDGER_SIGNING_KEY");
}

Result<std::unique_ptr<AccountsBackend>> OpenAccounts(const BackendOptions& o) {
  if (!o.db.empty()) {
    if (!DbExists(o.db)) {
      return NotFound("no database at " + o.db + " (run `changeledger migrate --db " + o.db + "` to create one)");
    }
    LocalAppOptions lo;
    lo.db_path = o.db;
    lo.signing_key_path = o.signing_key;
    CL_ASSIGN_OR_RETURN(std::unique_ptr<LocalApp> app, LocalApp::Open(lo));
    return OpenLocalAccounts(std::move(app), OsUserName());
  }
  CL_ASSIGN_OR_RETURN(ApiClient client, ApiClient::FromOptions(o.client));
  return std::unique_ptr<AccountsBackend>(std::make_unique<RemoteAccounts>(std::move(client)));
}

int WithAccounts(const BackendOptions& o, const std::function<Status(AccountsBackend&)>& fn) {
  auto backend = OpenAccounts(o);
  if (!backend.ok()) return Fail(backend.status());
  Status s = fn(**backend);
  return s.ok() ? kExitOk : Fail(s);
}

}  // namespace cl::cli
