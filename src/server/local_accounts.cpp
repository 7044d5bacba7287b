#include "server/local_accounts.h"

#include "http/resources/representations.h"

namespace cl {
namespace {

class LocalAccounts final : public AccountsBackend {
 public:
  LocalAccounts(std::unique_ptr<LocalApp> app, const std::string& os_user)
      : app_(std::move(app)), who_(LocalPrincipal(os_user)), ctx_{who_.ToActor(), "cli", "local"} {}

  Result<nlohmann::json> CreateUser(const nlohmann::json& b) override {
    NewUser in;
    in.username = b.value("username", "");
    in.display_name = b.value("display_name", "");
    in.email = b.value("email", "");
    in.kind = ParseUserKind(b.value("kind", "human")).value_or(UserKind::kHuman);
    for (const auto& r : b["roles"]) in.roles.push_back(r.get<std::string>());
    CL_ASSIGN_OR_RETURN(CreatedUser u, app_->users().Create(who_, ctx_, in));
    return nlohmann::json{{"user", http::UserJson(u.user)},
                          {"one_time_password", u.one_time_password.empty() ? nlohmann::json(nullptr)
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

std::unique_ptr<AccountsBackend> OpenLocalAccounts(std::unique_ptr<LocalApp> app, const std::string& os_user) {
  return std::make_unique<LocalAccounts>(std::move(app), os_user);
}

}  // namespace cl
