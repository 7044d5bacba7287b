// `changeledger change create|show|list|submit|approve|reject|schedule|start|
// complete|fail|rollback|verify|close|cancel` and `evidence add`: thin
// clients of the change API, for people and pipelines.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/change.h"
#include "crypto/crypto.h"
#include "ingest/yaml_json.h"

namespace cl::cli {

namespace {

std::string ChangePath(const std::string& key, const std::string& rest = "") {
  return "/api/v1/changes/" + UrlEncode(key) + rest;
}

void PrintChange(const nlohmann::json& c) {
  std::cout << fmt::format("{}  {}\n", Cell(c["key"]), Cell(c["title"]));
  std::cout << fmt::format("  state {}, type {}, risk {}, {} / {} / {}\n", Cell(c["state"]), Cell(c["type"]),
                           Cell(c["risk"]), Cell(c["service"]), Cell(c["environment"]), Cell(c["category"]));
  std::cout << fmt::format("  requestor {}, implementer {}, policy version {}, content version {} ({})\n",
                           Cell(c["requestor"]), Cell(c["implementer"]), Cell(c["policy_version"]),
                           Cell(c["content_version"]), Cell(c["material_sha256"]));
  if (c.contains("approval") && c["approval"].value("required", false)) {
    const auto& a = c["approval"];
    std::cout << fmt::format("  approvals: {}\n", a.value("complete", false) ? "complete" : "incomplete");
    if (c.value("state", "") == "submitted" && c.contains("approval_due") && c["approval_due"].is_string()) {
      std::cout << fmt::format("    due by {}{}\n", Cell(c["approval_due"]),
                               c.value("approval_overdue", false) ? " (OVERDUE)" : "");
    }
    for (const auto& o : a["outstanding"]) std::cout << "    missing " << o.get<std::string>() << "\n";
  }
  if (c.contains("approvals")) {
    for (const auto& a : c["approvals"]) {
      std::cout << fmt::format(
          "    {} {} as {} ({}){}{}\n", Cell(a["approver"]), Cell(a["decision"]), Cell(a["role"]), Cell(a["status"]),
          a.value("retrospective", false) ? ", retrospective" : "",
          a["not_counted_reason"].is_string() ? ", not counted: " + Cell(a["not_counted_reason"]) : std::string());
    }
  }
  if (c.contains("evidence")) {
    for (const auto& e : c["evidence"]) {
      std::cout << fmt::format("  evidence {} {}{} {}\n", Cell(e["kind"]), Cell(e["status"]),
                               e.value("outcome", "none") == "none" ? "" : ", " + Cell(e["outcome"]),
                               e["url"].is_null() ? Cell(e["sha256"]) : Cell(e["url"]));
    }
  }
  if (c.contains("iac")) {
    for (const auto& a : c["iac"]) {
      std::cout << fmt::format(
          "  {} {} (content version {}): {}\n", Cell(a["format"]), Cell(a["digest"]), Cell(a["content_version"]),
          a["categories"].empty() ? "no security categories" : fmt::format("{}", fmt::join(a["categories"], ", ")));
    }
  }
  if (c.contains("deployments")) {
    for (const auto& d : c["deployments"]) {
      std::string why;
      for (const auto& r : d["reasons"]) why += " " + Cell(r["code"]);
      std::cout << fmt::format("  {} {} {} to {} at {}{}\n", Cell(d["kind"]), Cell(d["decision"]),
                               Cell(d["artifact"]["commit_sha"]), Cell(d["environment"]), Cell(d["created_at"]), why);
    }
  }
  if (c.value("overdue", false)) std::cout << "  OVERDUE: emergency review deadline passed\n";
  if (c.contains("closure_missing") && !c["closure_missing"].empty() && c["state"] == "verified") {
    std::cout << "  to close:\n";
    for (const auto& m : c["closure_missing"])
      std::cout << "    " << Cell(m["pointer"]) << ": " << Cell(m["detail"]) << "\n";
  }
}

std::string GuessContentType(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".json") return "application/json";
  if (ext == ".pdf") return "application/pdf";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".md") return "text/markdown";
  if (ext == ".csv") return "text/csv";
  if (ext == ".diff" || ext == ".patch") return "text/x-diff";
  if (ext == ".yaml" || ext == ".yml") return "application/yaml";
  return "text/plain";
}

struct ActionOpts {
  ClientOptions client;
  std::string key, note, output = "table";
};

// One subcommand per lifecycle action that takes only a note.
void AddSimpleAction(CLI::App* change, int& exit, const std::string& action, const std::string& help) {
  auto o = std::make_shared<ActionOpts>();
  CLI::App* cmd = change->add_subcommand(action, help);
  cmd->add_option("key", o->key, "Change key (CHG-42)")->required();
  cmd->add_option("--note", o->note, "Why (required for fail, rollback and cancel)");
  AddClientOptions(cmd, o->client);
  AddOutputOption(cmd, o->output);
  cmd->callback([o, action, &exit] {
    exit = WithClient(o->client, [&](ApiClient& c) -> Status {
      nlohmann::json body = nlohmann::json::object();
      if (!o->note.empty()) body["note"] = o->note;
      CL_ASSIGN_OR_RETURN(nlohmann::json r, c.Call("POST", ChangePath(o->key, "/" + action), body));
      if (o->output == "json") {
        PrintJson(r);
      } else {
        std::cout << fmt::format("{} is now {}\n", Cell(r["key"]), Cell(r["state"]));
      }
      return Status::Ok();
    });
  });
}

void AddCreate(CLI::App* change, int& exit) {
  struct Opts {
    ClientOptions client;
    std::string file, title, type, service, env, category, implementer, tmpl, output = "table";
    std::vector<std::string> params;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = change->add_subcommand("create", "Create a change (draft) from a JSON/YAML file and/or flags");
  cmd->add_option("-f,--file", o->file, "Change fields as JSON or YAML ('-' for stdin)");
  cmd->add_option("--title", o->title);
  cmd->add_option("--type", o->type)->check(CLI::IsMember({"standard", "normal", "emergency"}));
  cmd->add_option("--service", o->service);
  cmd->add_option("--env", o->env, "Environment");
  cmd->add_option("--category", o->category);
  cmd->add_option("--implementer", o->implementer, "Username");
  cmd->add_option("--template", o->tmpl, "Standard template id");
  cmd->add_option("--param", o->params, "Template parameter NAME=VALUE; repeat");
  AddClientOptions(cmd, o->client);
  AddOutputOption(cmd, o->output);
  cmd->callback([o, &exit] {
    nlohmann::json body = nlohmann::json::object();
    if (!o->file.empty()) {
      auto text = ReadTextFile(o->file);
      auto parsed = text.ok() ? YamlToJson(*text) : Result<nlohmann::json>(text.status());  // JSON is YAML
      if (!parsed.ok() || !parsed->is_object()) {
        exit = Fail(parsed.ok() ? InvalidArgument(o->file + " must hold an object of change fields") : parsed.status());
        return;
      }
      body = *parsed;
      // Files may answer the impact questions in short ("identity_access: no").
      if (body.contains("security_impact") && body["security_impact"].is_object()) {
        for (auto& [area, answer] : body["security_impact"].items()) {
          if (answer.is_string() || answer.is_boolean()) {
            answer = {
                {"answer", answer.is_boolean() ? (answer.get<bool>() ? "yes" : "no") : answer.get<std::string>()}};
          }
        }
      }
    }
    auto set = [&](const char* k, const std::string& v) {
      if (!v.empty()) body[k] = v;
    };
    set("title", o->title);
    set("type", o->type);
    set("service", o->service);
    set("environment", o->env);
    set("category", o->category);
    set("implementer", o->implementer);
    if (!o->tmpl.empty()) {
      nlohmann::json params = nlohmann::json::object();
      for (const std::string& p : o->params) {
        const size_t eq = p.find('=');
        if (eq == std::string::npos) {
          exit = Fail(InvalidArgument("--param takes NAME=VALUE", {{"--param", p}}));
          return;
        }
        params[p.substr(0, eq)] = p.substr(eq + 1);
      }
      body["template"] = {{"id", o->tmpl}, {"parameters", params}};
      if (!body.contains("type")) body["type"] = "standard";
    }
    exit = WithClient(o->client, [&](ApiClient& c) -> Status {
      CL_ASSIGN_OR_RETURN(nlohmann::json r, c.Call("POST", "/api/v1/changes", body));
      if (o->output == "json") {
        PrintJson(r);
      } else {
        std::cout << fmt::format("Created {} ({}): {}\n", Cell(r["key"]), Cell(r["state"]), Cell(r["title"]));
      }
      return Status::Ok();
    });
  });
}

void AddShowAndList(CLI::App* change, int& exit) {
  {
    auto o = std::make_shared<ActionOpts>();
    CLI::App* cmd = change->add_subcommand("show", "Show a change with approvals, evidence and what is missing");
    cmd->add_option("key", o->key, "Change key (CHG-42)")->required();
    AddClientOptions(cmd, o->client);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      exit = WithClient(o->client, [&](ApiClient& c) -> Status {
        CL_ASSIGN_OR_RETURN(nlohmann::json r, c.Call("GET", ChangePath(o->key)));
        if (o->output == "json") {
          PrintJson(r);
        } else {
          PrintChange(r);
        }
        return Status::Ok();
      });
    });
  }
  {
    struct Opts {
      ClientOptions client;
      std::string state, type, risk, service, env, requestor, sort, output = "table";
      int limit = 50;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = change->add_subcommand("list", "List changes (newest first)");
    cmd->add_option("--state", o->state);
    cmd->add_option("--type", o->type);
    cmd->add_option("--risk", o->risk);
    cmd->add_option("--service", o->service);
    cmd->add_option("--env", o->env);
    cmd->add_option("--requestor", o->requestor);
    cmd->add_option("--sort", o->sort, "number, -number, planned_start, -planned_start, updated_at, -updated_at");
    cmd->add_option("--limit", o->limit)->check(CLI::Range(1, 500));
    AddClientOptions(cmd, o->client);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, &exit] {
      std::string q = "?limit=" + std::to_string(o->limit);
      for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{{"state", o->state},
                                                                                 {"type", o->type},
                                                                                 {"risk", o->risk},
                                                                                 {"service", o->service},
                                                                                 {"environment", o->env},
                                                                                 {"requestor", o->requestor},
                                                                                 {"sort", o->sort}}) {
        if (!v.empty()) q += "&" + k + "=" + UrlEncode(v);
      }
      exit = WithClient(o->client, [&](ApiClient& c) -> Status {
        CL_ASSIGN_OR_RETURN(nlohmann::json page, c.Call("GET", "/api/v1/changes" + q));
        if (o->output == "json") {
          PrintJson(page["items"]);
          return Status::Ok();
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& ch : page["items"]) {
          rows.push_back({Cell(ch["key"]), Cell(ch["state"]), Cell(ch["type"]), Cell(ch["risk"]), Cell(ch["service"]),
                          Cell(ch["environment"]), Cell(ch["title"])});
        }
        PrintTable({"KEY", "STATE", "TYPE", "RISK", "SERVICE", "ENV", "TITLE"}, rows);
        return Status::Ok();
      });
    });
  }
}

void AddDecisions(CLI::App* change, int& exit) {
  for (const std::string decision : {"approve", "reject"}) {
    struct Opts {
      ClientOptions client;
      std::string key, role, comment, sha256, output = "table";
      int64_t content_version = 0;
      bool compensating = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = change->add_subcommand(decision, decision == "approve" ? "Approve a change (bound to its current "
                                                                             "content hash)"
                                                                           : "Reject a change");
    cmd->add_option("key", o->key, "Change key (CHG-42)")->required();
    cmd->add_option("--role", o->role, "Approver role from the policy (default: the first outstanding one)");
    cmd->add_option("--comment", o->comment);
    cmd->add_option("--content-version", o->content_version,
                    "Refuse (exit 1) unless the change is still at this content version (as `change show` "
                    "printed it when you reviewed it)");
    cmd->add_option("--sha256", o->sha256, "Refuse unless the change's material SHA-256 is still this");
    if (decision == "approve") {
      cmd->add_flag("--compensating-control", o->compensating,
                    "Small teams: approve your own change under the policy's compensating control");
    }
    AddClientOptions(cmd, o->client);
    AddOutputOption(cmd, o->output);
    cmd->callback([o, decision, &exit] {
      exit = WithClient(o->client, [&](ApiClient& c) -> Status {
        nlohmann::json body = {{"decision", decision}};
        if (!o->role.empty()) body["role"] = o->role;
        if (!o->comment.empty()) body["comment"] = o->comment;
        if (o->compensating) body["compensating_control"] = true;
        if (o->content_version > 0) body["content_version"] = o->content_version;
        if (!o->sha256.empty()) body["material_sha256"] = o->sha256;
        CL_ASSIGN_OR_RETURN(nlohmann::json r, c.Call("POST", ChangePath(o->key, "/approvals"), body));
        if (o->output == "json") {
          PrintJson(r);
        } else {
          std::cout << fmt::format("{} {} as {} (content {})\n", decision == "approve" ? "Approved" : "Rejected",
                                   o->key, Cell(r["role"]), Cell(r["material_sha256"]));
        }
        return Status::Ok();
      });
    });
  }
}

void AddVerify(CLI::App* change, int& exit) {
  struct Opts {
    ClientOptions client;
    std::string key, incidents, lessons, note, output = "table";
    bool as_approved = false, controls = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = change->add_subcommand("verify", "Record the post-change verification checklist");
  cmd->add_option("key", o->key, "Change key (CHG-42)")->required();
  cmd->add_flag("--implemented-as-approved", o->as_approved, "Confirm: no scope creep");
  cmd->add_flag("--security-controls-verified", o->controls, "Confirm: security controls still work");
  cmd->add_option("--incidents", o->incidents, "Incidents or near misses ('none' if none)")->required();
  cmd->add_option("--lessons", o->lessons, "Lessons learned ('none' if none)")->required();
  cmd->add_option("--note", o->note);
  AddClientOptions(cmd, o->client);
  AddOutputOption(cmd, o->output);
  cmd->callback([o, &exit] {
    exit = WithClient(o->client, [&](ApiClient& c) -> Status {
      nlohmann::json body = {{"checklist",
                              {{"implemented_as_approved", o->as_approved},
                               {"security_controls_verified", o->controls},
                               {"incidents", o->incidents},
                               {"lessons_learned", o->lessons}}}};
      if (!o->note.empty()) body["note"] = o->note;
      CL_ASSIGN_OR_RETURN(nlohmann::json r, c.Call("POST", ChangePath(o->key, "/verify"), body));
      if (o->output == "json") {
        PrintJson(r);
      } else {
        std::cout << fmt::format("{} is now {}\n", Cell(r["key"]), Cell(r["state"]));
      }
      return Status::Ok();
    });
  });
}

}  // namespace

void AddChangeCommand(CLI::App& app, int& exit) {
  CLI::App* change = app.add_subcommand("change", "Create, read and move change records");
  change->require_subcommand(1);
  AddCreate(change, exit);
  AddShowAndList(change, exit);
  AddDecisions(change, exit);
  AddVerify(change, exit);
  AddSimpleAction(change, exit, "submit", "Submit a draft: the policy checks fields and computes risk");
  AddSimpleAction(change, exit, "schedule", "Schedule an approved change in its planned window");
  AddSimpleAction(change, exit, "start", "Start implementing");
  AddSimpleAction(change, exit, "complete", "Mark implemented");
  AddSimpleAction(change, exit, "fail", "Record a failed implementation");
  AddSimpleAction(change, exit, "rollback", "Record a rollback");
  AddSimpleAction(change, exit, "close", "Close a verified change (needs the policy's evidence)");
  AddSimpleAction(change, exit, "cancel", "Cancel before implementation");
}

void AddEvidenceCommand(CLI::App& app, int& exit) {
  CLI::App* evidence = app.add_subcommand("evidence", "Attach evidence to changes");
  evidence->require_subcommand(1);
  struct Opts {
    ClientOptions client;
    std::string key, kind, outcome, url, file, content_type, note, output = "table";
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = evidence->add_subcommand("add", "Attach a URL and/or a file (stored by SHA-256)");
  cmd->add_option("key", o->key, "Change key (CHG-42)")->required();
  cmd->add_option("--kind", o->kind, "Evidence kind")->required()->check(CLI::IsMember(Names(kAllEvidenceKinds)));
  cmd->add_option("--outcome", o->outcome,
                  "Required for pipeline_run and test_result: whether it succeeded (only successful ones count)")
      ->check(CLI::IsMember({"success", "failure"}));
  cmd->add_option("--url", o->url, "Link to the PR, pipeline run, dashboard, ...");
  cmd->add_option("--file", o->file, "File to upload (at most 5 MiB)");
  cmd->add_option("--content-type", o->content_type, "Default: from the file extension");
  cmd->add_option("--note", o->note);
  AddClientOptions(cmd, o->client);
  AddOutputOption(cmd, o->output);
  cmd->callback([o, &exit] {
    nlohmann::json body = {{"kind", o->kind}};
    if (!o->outcome.empty()) body["outcome"] = o->outcome;
    if (!o->url.empty()) body["url"] = o->url;
    if (!o->note.empty()) body["note"] = o->note;
    if (!o->file.empty()) {
      auto bytes = ReadTextFile(o->file, 5 << 20);
      if (!bytes.ok()) {
        exit = Fail(bytes.status());
        return;
      }
      body["filename"] = std::filesystem::path(o->file).filename().string();
      body["content_type"] = o->content_type.empty() ? GuessContentType(o->file) : o->content_type;
      body["content_base64"] =
          crypto::ToBase64(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
    }
    exit = WithClient(o->client, [&](ApiClient& c) -> Status {
      CL_ASSIGN_OR_RETURN(nlohmann::json r, c.Call("POST", ChangePath(o->key, "/evidence"), body));
      if (o->output == "json") {
        PrintJson(r);
      } else {
        std::cout << fmt::format("Added {} evidence {} to {}{}\n", Cell(r["kind"]), Cell(r["id"]), o->key,
                                 r["sha256"].is_null() ? "" : " (sha256 " + r["sha256"].get<std::string>() + ")");
      }
      return Status::Ok();
    });
  });
}

}  // namespace cl::cli
