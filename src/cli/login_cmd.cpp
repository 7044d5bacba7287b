// `changeledger login|logout|whoami`: turn a username and password into a
// personal API token saved for later commands, like `gh auth login`.
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/credentials.h"

namespace cl::cli {
namespace {

struct LoginOptions {
  std::string server;
  std::string username;
  bool password_stdin = false;
  int days = 30;
};

std::string HostName() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
  return buf;
}

Status Login(const LoginOptions& o) {
  std::string server = o.server;
  if (server.empty()) {
    if (const char* env = std::getenv("CHANGELEDGER_SERVER")) server = env;
  }
  if (server.empty()) server = "http://127.0.0.1:8080";
  ApiClient c(server, "");
  c.EnableCookies();
  CL_ASSIGN_OR_RETURN(std::string password, ReadSecret("Password for " + o.username + ": ", o.password_stdin));
  CL_ASSIGN_OR_RETURN(nlohmann::json session,
                      c.Call("POST", "/api/v1/session", {{"username", o.username}, {"password", password}}));
  c.SetCsrfToken(session["csrf_token"].get<std::string>());
  if (session["user"]["must_change_password"].get<bool>()) {
    std::cerr << "This is a one-time password; choose your own (at least 12 characters).\n";
    CL_ASSIGN_OR_RETURN(std::string next, ReadSecret("New password: ", o.password_stdin));
    if (!o.password_stdin) {
      CL_ASSIGN_OR_RETURN(std::string again, ReadSecret("New password again: ", false));
      if (again != next) return InvalidArgument("the two new passwords differ");
    }
    CL_RETURN_IF_ERROR(
        c.Call("POST", "/api/v1/me/password", {{"current_password", password}, {"new_password", next}}).status());
  }
  CL_ASSIGN_OR_RETURN(nlohmann::json me, c.Call("GET", "/api/v1/me"));
  nlohmann::json scopes = me["permissions"];
  if (scopes.empty()) return PermissionDenied("your account has no permissions to put in a token");
  CL_ASSIGN_OR_RETURN(nlohmann::json token, c.Call("POST", "/api/v1/tokens",
                                                   {{"name", fmt::format("cli {}@{}", o.username, HostName())},
                                                    {"scopes", scopes},
                                                    {"expires_in_days", o.days}}));
  c.Call("DELETE", "/api/v1/session").status().IgnoreError();  // the token replaces the session
  SavedCredentials saved{c.base_url(), token["secret"].get<std::string>(), token["token"]["id"].get<std::string>(),
                         o.username};
  CL_RETURN_IF_ERROR(SaveCredentials(saved));
  std::cout << fmt::format("Logged in to {} as {}. Token {} (expires {}) saved to {}\n", c.base_url(), o.username,
                           saved.token_id, token["token"]["expires_at"].get<std::string>(), CredentialsPath());
  return Status::Ok();
}

}  // namespace

void AddLoginCommands(CLI::App& app, int& exit) {
  {
    auto o = std::make_shared<LoginOptions>();
    CLI::App* cmd =
        app.add_subcommand("login", "Log in with a password and save a personal API token for later commands");
    cmd->add_option("--server", o->server, "Server URL (default http://127.0.0.1:8080, env CHANGELEDGER_SERVER)");
    cmd->add_option("--username", o->username)->required();
    cmd->add_flag("--password-stdin", o->password_stdin,
                  "Read the password (and, if it is one-time, the new one on the next line) from stdin");
    cmd->add_option("--expires-in-days", o->days, "Lifetime of the saved token")
        ->capture_default_str()
        ->check(CLI::Range(1, 366));
    cmd->callback([o, &exit] {
      Status s = Login(*o);
      exit = s.ok() ? kExitOk : Fail(s);
    });
  }
  {
    CLI::App* cmd = app.add_subcommand("logout", "Revoke the saved token and forget it");
    cmd->callback([&exit] {
      auto saved = LoadCredentials();
      if (!saved) {
        std::cout << "Not logged in.\n";
        exit = kExitOk;
        return;
      }
      ApiClient c(saved->server, saved->token);
      Status s = c.Call("DELETE", "/api/v1/tokens/" + UrlEncode(saved->token_id)).status();
      if (!s.ok()) std::cerr << "warning: could not revoke the token on the server: " << s.message() << "\n";
      s = ForgetCredentials();
      exit = s.ok() ? kExitOk : Fail(s);
      if (s.ok()) std::cout << "Logged out of " << saved->server << "\n";
    });
  }
  {
    struct Opts {
      ClientOptions client;
      std::string output = "table";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand("whoami", "Show the user and permissions of the current credentials");
    AddClientOptions(cmd, o->client);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      auto c = ApiClient::FromOptions(o->client);
      auto me = c.ok() ? c->Call("GET", "/api/v1/me") : Result<nlohmann::json>(c.status());
      if (!me.ok()) {
        exit = Fail(me.status());
        return;
      }
      if (o->output == "json") {
        PrintJson(*me);
      } else {
        const auto& u = (*me)["user"];
        std::cout << fmt::format("{} ({}), roles {}, via {} {}\npermissions: {}\n", Cell(u["username"]), Cell(u["id"]),
                                 Cell(u["roles"]), Cell((*me)["authenticated_via"]), Cell((*me)["credential_id"]),
                                 Cell((*me)["permissions"]));
      }
      exit = kExitOk;
    });
  }
}

}  // namespace cl::cli
