#include "cli/accounts.h"

#include <filesystem>

#include "cli/common.h"
#include "cli/local_app.h"
#include "http/resources/representations.h"

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
      std::string path = "/api/v1/users?limit=500&include_disabled=" +
                         std::string(include_disabled ? "true" : "false");
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

class LocalAccounts final : public AccountsBackend {
 public:
  explicit LocalAccounts(std::unique_ptr<LocalApp> app)
      : app_(std::move(app)), who_(LocalPrincipal(OsUserName())),
        ctx_{who_.ToActor(), "cli", "local"} {}

  Result<nlohmann::json> CreateUser(const nlohmann::json& b) override {
    NewUser in;
    in.username = b.value("username", "");
    in.display_name = b.value("display_name", "");
    in.email = b.value("email", "");
    in.kind = ParseUserKind(b.value("kind", "human")).value_or(UserKind::kHuman);
    for (const auto& r : b["roles"]) in.roles.push_back(r.get<std::string>());
    CL_ASSIGN_OR_RETURN(CreatedUser u, app_->users().Create(who_, ctx_, in));
    return nlohmann::json{{"user", http::UserJson(u.user)},
                          {"one_time_password", u.one_time_password.empty()
                                                    ? nlohmann::json(nullptr)
                                                    : nlohmann::json(u.one_time_password)}};
  }
  Result<nlohmann::json> ListUsers(const std::string& role, bool include_disabled) override {
    UserListQuery q;
    q.include_disabled = include_disabled;
    if (!role.empty()) {
      q.role = ParseRole(role);
      if (!q.role) return InvalidArgument("unknown role " + role);
    }
    q.limit = 1000000;
    CL_ASSIGN_OR_RETURN(std::vector<User> users, app_->users().List(who_, q));
    nlohmann::json items = nlohmann::json::array();
    for (const User& u : users) items.push_back(http::UserJson(u));
    return nlohmann::json{{"items", items}};
  }
  Result<nlohmann::json> GetUser(const std::string& id) override {
    CL_ASSIGN_OR_RETURN(User u, app_->users().Get(who_, id));
    return http::UserJson(u);
  }
  Result<nlohmann::json> PatchUser(const std::string& id, const nlohmann::json& b) override {
    CL_ASSIGN_OR_RETURN(User target, app_->users().Get(who_, id));
    UserPatch p;
    if (b.contains("disabled")) p.disabled = b["disabled"].get<bool>();
    if (b.contains("display_name")) p.display_name = b["display_name"].get<std::string>();
    if (b.contains("email")) p.email = b["email"].get<std::string>();
    if (b.contains("roles")) p.roles = b["roles"].get<std::vector<std::string>>();
    CL_ASSIGN_OR_RETURN(User u, app_->users().Update(who_, ctx_, target.id, p));
    return http::UserJson(u);
  }
  Result<nlohmann::json> ResetPassword(const std::string& id) override {
    CL_ASSIGN_OR_RETURN(User target, app_->users().Get(who_, id));
    CL_ASSIGN_OR_RETURN(std::string otp, app_->users().ResetPassword(who_, ctx_, target.id));
    return nlohmann::json{{"one_time_password", otp}};
  }
  Result<nlohmann::json> CreateToken(const nlohmann::json& b) override {
    NewToken in;
    in.name = b.value("name", "");
    in.user_id = b.value("user_id", "");
    if (in.user_id.empty()) {
      return InvalidArgument("with --db, name the token's owner with --user");
    }
    for (const auto& s : b["scopes"]) in.scopes.push_back(s.get<std::string>());
    if (b.contains("expires_in_days")) {
      in.expires_at = app_->clock().Now() + b["expires_in_days"].get<int64_t>() * 86400 * kMicrosPerSecond;
    }
    CL_ASSIGN_OR_RETURN(IssuedToken t, app_->tokens().Create(who_, ctx_, in));
    return nlohmann::json{{"token", http::TokenJson(t.token, app_->clock().Now())}, {"secret", t.secret}};
  }
  Result<nlohmann::json> ListTokens(bool all, const std::string& user_id) override {
    CL_ASSIGN_OR_RETURN(std::vector<ApiToken> tokens, app_->tokens().List(who_, all || user_id.empty(), user_id));
    nlohmann::json items = nlohmann::json::array();
    for (const ApiToken& t : tokens) items.push_back(http::TokenJson(t, app_->clock().Now()));
    return nlohmann::json{{"items", items}};
  }
  Result<nlohmann::json> RevokeToken(const std::string& id) override {
    CL_ASSIGN_OR_RETURN(ApiToken t, app_->tokens().Revoke(who_, ctx_, id));
    return http::TokenJson(t, app_->clock().Now());
  }

 private:
  std::unique_ptr<LocalApp> app_;
  Principal who_;
  AuditContext ctx_;
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
      return NotFound("no database at " + o.db +
                      " (run `changeledger migrate --db " + o.db + "` to create one)");
    }
    LocalAppOptions lo;
    lo.db_path = o.db;
    lo.signing_key_path = o.signing_key;
    CL_ASSIGN_OR_RETURN(std::unique_ptr<LocalApp> app, LocalApp::Open(lo));
    return std::unique_ptr<AccountsBackend>(std::make_unique<LocalAccounts>(std::move(app)));
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
