// `changeledger user add|list|show|disable|enable|reset-password`.
#include <iostream>

#include "cli/accounts.h"
#include "cli/commands.h"
#include "cli/common.h"

namespace cl::cli {
namespace {

void PrintUsers(const nlohmann::json& users, const std::string& format) {
  if (format == "json") return PrintJson(users);
  std::vector<std::vector<std::string>> rows;
  for (const auto& u : users) {
    rows.push_back({Cell(u["username"]), Cell(u["kind"]), Cell(u["roles"]),
                    u["disabled"].get<bool>() ? "disabled" : "active", Cell(u["display_name"]), Cell(u["id"])});
  }
  PrintTable({"USERNAME", "KIND", "ROLES", "STATUS", "NAME", "ID"}, rows);
}

}  // namespace

void AddUserCommand(CLI::App& app, int& exit) {
  CLI::App* user = app.add_subcommand("user", "Manage user accounts");
  user->require_subcommand(1);

  {
    struct Opts {
      BackendOptions backend;
      std::string username, display_name, email, output = "table";
      std::vector<std::string> roles;
      bool service = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = user->add_subcommand("add", "Create a user (people get a one-time password)");
    cmd->add_option("username", o->username, "Login name (lower-case)")->required();
    cmd->add_option("--role", o->roles, "Role; repeat for several")
        ->required()
        ->check(CLI::IsMember({"admin", "change_manager", "approver", "implementer", "auditor", "ci"}));
    cmd->add_option("--display-name", o->display_name, "Full name (default: the username)");
    cmd->add_option("--email", o->email);
    cmd->add_flag("--service", o->service, "A service account (API tokens only, no password)");
    AddBackendOptions(cmd, o->backend);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      exit = WithAccounts(o->backend, [&](AccountsBackend& b) -> Status {
        nlohmann::json body = {{"username", o->username},
                               {"display_name", o->display_name.empty() ? o->username : o->display_name},
                               {"kind", o->service ? "service" : "human"},
                               {"roles", o->roles}};
        if (!o->email.empty()) body["email"] = o->email;
        CL_ASSIGN_OR_RETURN(nlohmann::json created, b.CreateUser(body));
        if (o->output == "json") {
          PrintJson(created);
        } else {
          std::cout << "Created " << created["user"]["kind"].get<std::string>() << " user "
                    << created["user"]["username"].get<std::string>() << " ("
                    << created["user"]["id"].get<std::string>() << ")\n";
          if (created["one_time_password"].is_string()) {
            std::cout << "One-time password (shown once; must be changed at first login): "
                      << created["one_time_password"].get<std::string>() << "\n";
          }
        }
        return Status::Ok();
      });
    });
  }

  {
    struct Opts {
      BackendOptions backend;
      std::string role, output = "table";
      bool active_only = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = user->add_subcommand("list", "List users");
    cmd->add_option("--role", o->role, "Only users with this role");
    cmd->add_flag("--active", o->active_only, "Leave out disabled users");
    AddBackendOptions(cmd, o->backend);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      exit = WithAccounts(o->backend, [&](AccountsBackend& b) -> Status {
        CL_ASSIGN_OR_RETURN(nlohmann::json page, b.ListUsers(o->role, !o->active_only));
        PrintUsers(page["items"], o->output);
        return Status::Ok();
      });
    });
  }

  {
    struct Opts {
      BackendOptions backend;
      std::string user, output = "table";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = user->add_subcommand("show", "Show one user");
    cmd->add_option("user", o->user, "Username or id")->required();
    AddBackendOptions(cmd, o->backend);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      exit = WithAccounts(o->backend, [&](AccountsBackend& b) -> Status {
        CL_ASSIGN_OR_RETURN(nlohmann::json u, b.GetUser(o->user));
        PrintUsers(nlohmann::json::array({u}), o->output);
        return Status::Ok();
      });
    });
  }

  for (const bool disable : {true, false}) {
    struct Opts {
      BackendOptions backend;
      std::string user, output = "table";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = user->add_subcommand(
        disable ? "disable" : "enable",
        disable ? "Disable a user: ends their sessions, their tokens stop working" : "Enable a disabled user");
    cmd->add_option("user", o->user, "Username or id")->required();
    AddBackendOptions(cmd, o->backend);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, disable, &exit] {
      exit = WithAccounts(o->backend, [&](AccountsBackend& b) -> Status {
        CL_ASSIGN_OR_RETURN(nlohmann::json u, b.PatchUser(o->user, {{"disabled", disable}}));
        if (o->output == "json") {
          PrintJson(u);
        } else {
          std::cout << (disable ? "Disabled " : "Enabled ") << u["username"].get<std::string>() << "\n";
        }
        return Status::Ok();
      });
    });
  }

  {
    struct Opts {
      BackendOptions backend;
      std::string user, output = "table";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = user->add_subcommand("reset-password", "Issue a new one-time password (ends the user's sessions)");
    cmd->add_option("user", o->user, "Username or id")->required();
    AddBackendOptions(cmd, o->backend);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      exit = WithAccounts(o->backend, [&](AccountsBackend& b) -> Status {
        CL_ASSIGN_OR_RETURN(nlohmann::json r, b.ResetPassword(o->user));
        if (o->output == "json") {
          PrintJson(r);
        } else {
          std::cout << "One-time password (shown once): " << r["one_time_password"].get<std::string>() << "\n";
        }
        return Status::Ok();
      });
    });
  }
}

}  // namespace cl::cli
