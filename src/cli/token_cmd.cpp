// `changeledger token create|list|revoke`.
#include <iostream>

#include "cli/accounts.h"
#include "cli/commands.h"
#include "cli/common.h"

namespace cl::cli {
namespace {

// Resolves a username (or id) to the user id the API expects.
Result<std::string> UserIdOf(AccountsBackend& b, const std::string& user) {
  CL_ASSIGN_OR_RETURN(nlohmann::json u, b.GetUser(user));
  return u["id"].get<std::string>();
}

}  // namespace

void AddTokenCommand(CLI::App& app, int& exit) {
  CLI::App* token = app.add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);

  {
    struct Opts {
      BackendOptions backend;
      std::string name, user, output = "table";
      std::vector<std::string> scopes;
      int days = 0;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = token->add_subcommand("create", "Create an API token (the secret is printed once)");
    cmd->add_option("--name", o->name, "What the token is for, e.g. 'github-actions deploy gate'")->required();
    cmd->add_option("--scope", o->scopes, "Permission the token may use; repeat (e.g. gate:check)")->required();
    cmd->add_option("--user", o->user, "Owner (username or id); default: yourself");
    cmd->add_option("--expires-in-days", o->days, "Lifetime in days (default 90, at most 366)")
        ->check(CLI::Range(1, 366));
    AddBackendOptions(cmd, o->backend);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      exit = WithAccounts(o->backend, [&](AccountsBackend& b) -> Status {
        nlohmann::json body = {{"name", o->name}, {"scopes", o->scopes}};
        if (o->days > 0) body["expires_in_days"] = o->days;
        if (!o->user.empty()) {
          CL_ASSIGN_OR_RETURN(body["user_id"], UserIdOf(b, o->user));
        }
        CL_ASSIGN_OR_RETURN(nlohmann::json created, b.CreateToken(body));
        if (o->output == "json") {
          PrintJson(created);
          return Status::Ok();
        }
        const auto& t = created["token"];
        std::cout << "Created token " << Cell(t["id"]) << " (" << Cell(t["name"]) << "), scopes " << Cell(t["scopes"])
                  << ", expires " << Cell(t["expires_at"])
                  << "\nSecret (shown once; keep it in your CI secret store):\n"
                  << Cell(created["secret"]) << "\n";
        return Status::Ok();
      });
    });
  }

  {
    struct Opts {
      BackendOptions backend;
      std::string user, output = "table";
      bool all = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = token->add_subcommand("list", "List API tokens (never their secrets)");
    cmd->add_flag("--all", o->all, "Every user's tokens (needs tokens:admin)");
    cmd->add_option("--user", o->user, "One user's tokens (username or id)");
    AddBackendOptions(cmd, o->backend);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      exit = WithAccounts(o->backend, [&](AccountsBackend& b) -> Status {
        std::string user_id;
        if (!o->user.empty()) {
          CL_ASSIGN_OR_RETURN(user_id, UserIdOf(b, o->user));
        }
        CL_ASSIGN_OR_RETURN(nlohmann::json page, b.ListTokens(o->all, user_id));
        if (o->output == "json") {
          PrintJson(page["items"]);
          return Status::Ok();
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& t : page["items"]) {
          rows.push_back({Cell(t["id"]), Cell(t["name"]), Cell(t["status"]), Cell(t["scopes"]), Cell(t["expires_at"]),
                          Cell(t["last_used_at"]), Cell(t["user_id"])});
        }
        PrintTable({"ID", "NAME", "STATUS", "SCOPES", "EXPIRES", "LAST USED", "OWNER"}, rows);
        return Status::Ok();
      });
    });
  }

  {
    struct Opts {
      BackendOptions backend;
      std::string id, output = "table";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = token->add_subcommand("revoke", "Revoke an API token (effective immediately)");
    cmd->add_option("id", o->id, "Token id (tok_...)")->required();
    AddBackendOptions(cmd, o->backend);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      exit = WithAccounts(o->backend, [&](AccountsBackend& b) -> Status {
        CL_ASSIGN_OR_RETURN(nlohmann::json t, b.RevokeToken(o->id));
        if (o->output == "json") {
          PrintJson(t);
        } else {
          std::cout << "Revoked " << Cell(t["id"]) << " (" << Cell(t["name"]) << ")\n";
        }
        return Status::Ok();
      });
    });
  }
}

}  // namespace cl::cli
