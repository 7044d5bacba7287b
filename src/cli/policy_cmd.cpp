// `changeledger policy check|test|show|publish`: validate a policy file and
// run its test cases locally (no server needed, so a compliance lead can
// test rules before rolling them out), or read/publish the server's policy.
#include <fmt/format.h>

#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "ingest/policy_cases.h"
#include "ingest/policy_yaml.h"

namespace cl::cli {
namespace {

Result<std::shared_ptr<const Policy>> LoadPolicyFile(const std::string& path) {
  CL_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  auto p = ParsePolicy(text);
  if (!p.ok()) return Status(p.status().code(), path + ": " + p.status().message(), p.status().field_errors());
  return p;
}

}  // namespace

void AddPolicyCommand(CLI::App& app, int& exit) {
  CLI::App* policy = app.add_subcommand("policy", "Check, test, show and publish the change policy");
  policy->require_subcommand(1);

  {
    struct Opts {
      std::string file, output = "table";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = policy->add_subcommand("check", "Validate a policy file; every problem with its line");
    cmd->add_option("file", o->file, "Policy YAML ('-' for stdin)")->required();
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      auto p = LoadPolicyFile(o->file);
      if (!p.ok()) {
        exit = Fail(p.status());
        return;
      }
      const Policy& pol = **p;
      if (o->output == "json") {
        PrintJson({{"ok", true},
                   {"name", pol.name},
                   {"risk_rules", pol.risk_rules.size()},
                   {"approval_rules", pol.approval_rules.size()},
                   {"templates", pol.templates.size()}});
      } else {
        std::cout << fmt::format(
            "{}: valid — '{}': {} categories, {} risk rules, {} approval rules, {} approver "
            "roles, {} templates, {} freeze windows\n",
            o->file, pol.name, pol.categories.size(), pol.risk_rules.size(), pol.approval_rules.size(),
            pol.approver_roles.size(), pol.templates.size(), pol.freezes.size());
      }
      exit = kExitOk;
    });
  }

  {
    struct Opts {
      std::string file, cases, output = "table";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = policy->add_subcommand("test",
                                           "Run YAML test cases (change -> expected risk, approvers, "
                                           "decision) against a policy file");
    cmd->add_option("file", o->file, "Policy YAML")->required();
    cmd->add_option("cases", o->cases, "Test cases YAML (cases: [{name, change, expect}])")->required();
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      auto p = LoadPolicyFile(o->file);
      auto cases = p.ok() ? ReadTextFile(o->cases) : Result<std::string>(p.status());
      auto results = cases.ok() ? RunPolicyCases(**p, *cases) : Result<std::vector<PolicyCaseResult>>(cases.status());
      if (!results.ok()) {
        exit = Fail(results.status());
        return;
      }
      int failed = 0;
      nlohmann::json out = nlohmann::json::array();
      for (const PolicyCaseResult& r : *results) {
        if (!r.passed()) ++failed;
        out.push_back({{"name", r.name},
                       {"line", r.line},
                       {"passed", r.passed()},
                       {"failures", r.failures},
                       {"assessment", r.actual}});
        if (o->output != "json") {
          std::cout << (r.passed() ? "PASS " : "FAIL ") << r.name << " (line " << r.line << ")\n";
          for (const std::string& f : r.failures) std::cout << "     " << f << "\n";
        }
      }
      if (o->output == "json") {
        PrintJson({{"passed", results->size() - failed}, {"failed", failed}, {"cases", out}});
      } else {
        std::cout << fmt::format("{} passed, {} failed\n", results->size() - failed, failed);
      }
      exit = failed == 0 ? kExitOk : kExitRefused;
    });
  }

  {
    struct Opts {
      ClientOptions client;
      std::string output = "table";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = policy->add_subcommand("show", "Print the server's active policy (YAML)");
    AddClientOptions(cmd, o->client);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      exit = WithClient(o->client, [&](ApiClient& c) -> Status {
        CL_ASSIGN_OR_RETURN(nlohmann::json v, c.Call("GET", "/api/v1/policy"));
        if (o->output == "json") {
          PrintJson(v);
        } else {
          std::cout << "# policy version " << Cell(v["version"]) << " sha256 " << Cell(v["sha256"]) << "\n"
                    << v["source"].get<std::string>();
        }
        return Status::Ok();
      });
    });
  }

  {
    struct Opts {
      ClientOptions client;
      std::string file, output = "table";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = policy->add_subcommand("publish", "Publish a policy file as the server's new version");
    cmd->add_option("file", o->file, "Policy YAML")->required();
    AddClientOptions(cmd, o->client);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      auto text = ReadTextFile(o->file);
      if (!text.ok()) {
        exit = Fail(text.status());
        return;
      }
      exit = WithClient(o->client, [&](ApiClient& c) -> Status {
        CL_ASSIGN_OR_RETURN(nlohmann::json v, c.Call("PUT", "/api/v1/policy", {{"source", *text}}));
        if (o->output == "json") {
          PrintJson(v);
        } else {
          std::cout << "Published policy version " << Cell(v["version"]) << " (" << Cell(v["name"]) << ")\n";
        }
        return Status::Ok();
      });
    });
  }
}

}  // namespace cl::cli
