// `changeledger gate`, `plan attach`, `k8s attach` and `deployment report`:
// what a CI/CD pipeline runs. Exit codes for `gate`: 0 allow, 1 deny (the
// reasons are printed), 2 could not ask (usage, network, server error).
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "crypto/crypto.h"

namespace cl::cli {
namespace {

constexpr size_t kMaxUpload = 50u << 20;

std::string ChangePath(const std::string& key, const std::string& rest) {
  return "/api/v1/changes/" + UrlEncode(key) + rest;
}

Result<std::string> FileDigest(const std::string& path) {
  CL_ASSIGN_OR_RETURN(std::string bytes, ReadTextFile(path, kMaxUpload));
  return "sha256:" + crypto::ToHex(crypto::Sha256(bytes));
}

struct GateOpts {
  ClientOptions client;
  std::string service, environment, commit, image, plan_file, plan_digest, change, url, output = "table";
  bool wait = false;
  int timeout_seconds = 1800;
  int interval_seconds = 30;
};

void PrintDecision(const nlohmann::json& r) {
  const bool allow = r.value("allow", false);
  std::cout << fmt::format(
      "{} {}{}\n", allow ? "ALLOW" : "DENY", r["change"].is_null() ? "(no change)" : Cell(r["change"]),
      r["risk"].is_null() ? "" : fmt::format(" (risk {}, {})", Cell(r["risk"]), Cell(r["change_state"])));
  for (const auto& reason : r["reasons"]) {
    std::cout << fmt::format("  {}: {}\n", Cell(reason["code"]), Cell(reason["message"]));
  }
  for (const auto& flag : r["flags"]) std::cout << fmt::format("  flag: {}\n", Cell(flag));
}

int RunGate(const GateOpts& o) {
  nlohmann::json artifact = nlohmann::json::object();
  if (!o.commit.empty()) artifact["commit_sha"] = o.commit;
  if (!o.image.empty()) artifact["image_digest"] = o.image;
  std::string plan = o.plan_digest;
  // Exit 1 means "deny" and nothing else: every other failure is 2.
  auto error = [](const Status& s) {
    Fail(s);
    return kExitError;
  };
  if (!o.plan_file.empty()) {
    auto d = FileDigest(o.plan_file);
    if (!d.ok()) return error(d.status());
    plan = *d;
  }
  if (!plan.empty()) artifact["plan_digest"] = plan;
  if (artifact.empty()) return error(InvalidArgument("name what is deployed: --commit, --image and/or --plan"));
  nlohmann::json body = {{"service", o.service}, {"environment", o.environment}, {"artifact", artifact}};
  if (!o.change.empty()) body["change"] = o.change;
  if (!o.url.empty()) body["url"] = o.url;
  bool allowed = false;
  auto client = ApiClient::FromOptions(o.client);
  if (!client.ok()) return error(client.status());
  const Status status = [&](ApiClient& c) -> Status {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_seconds);
    std::string last;
    while (true) {
      CL_ASSIGN_OR_RETURN(nlohmann::json r, c.Call("POST", "/api/v1/gate", body));
      allowed = r.value("allow", false);
      const std::string reasons = r["reasons"].dump();
      const bool done = allowed || !o.wait || std::chrono::steady_clock::now() >= deadline;
      if (o.output == "json") {
        if (done) PrintJson(r);
      } else if (done || reasons != last) {
        PrintDecision(r);
        if (!done)
          std::cout << fmt::format("  waiting (every {} s, up to {} s) ...\n", o.interval_seconds, o.timeout_seconds)
                    << std::flush;
      }
      last = reasons;
      if (done) return Status::Ok();
      std::this_thread::sleep_for(std::chrono::seconds(o.interval_seconds));
    }
  }(*client);
  if (!status.ok()) return error(status);
  return allowed ? kExitOk : kExitRefused;
}

void AddGate(CLI::App& app, int& exit) {
  auto o = std::make_shared<GateOpts>();
  CLI::App* cmd = app.add_subcommand(
      "gate", "Ask the deploy gate whether this deployment may go ahead (exit 0 allow, 1 deny, 2 error)");
  cmd->add_option("--service", o->service, "Service being deployed")->required();
  cmd->add_option("--environment,-e", o->environment, "Target environment")->required();
  cmd->add_option("--commit", o->commit, "Git commit SHA (7-64 hex digits)");
  cmd->add_option("--image", o->image, "Container image digest (sha256:...)");
  cmd->add_option("--plan", o->plan_file, "Terraform plan JSON file; its SHA-256 must be the approved plan's")
      ->check(CLI::ExistingFile);
  cmd->add_option("--plan-digest", o->plan_digest, "sha256:<hex> of the plan file, if it is not at hand");
  cmd->add_option("--change", o->change, "The change this deployment implements (CHG-42)");
  cmd->add_option("--url", o->url, "This pipeline run, kept with the decision");
  cmd->add_flag("--wait", o->wait, "Ask again until allowed or --timeout (for approvals or the window to open)");
  cmd->add_option("--timeout", o->timeout_seconds, "Seconds to wait with --wait")->check(CLI::Range(1, 7 * 86400));
  cmd->add_option("--interval", o->interval_seconds, "Seconds between questions with --wait")
      ->check(CLI::Range(1, 3600));
  AddClientOptions(cmd, o->client);
  AddOutputOption(cmd, o->output);
  cmd->callback([o, &exit] { exit = RunGate(*o); });
}

struct AttachOpts {
  ClientOptions client;
  std::string key, file, output = "table";
  bool remove = false;
};

void PrintAttachment(const nlohmann::json& a, const std::string& key) {
  std::cout << fmt::format("Attached {} {} to {} (content version {})\n", Cell(a["format"]), Cell(a["digest"]), key,
                           Cell(a["content_version"]));
  const nlohmann::json& report = a["report"];
  std::cout << fmt::format("  {} resource(s) changed; categories: {}\n", Cell(report["resources_changed"]),
                           a["categories"].empty() ? "none" : fmt::format("{}", fmt::join(a["categories"], ", ")));
  if (!a["impact_raised"].empty()) {
    std::cout << fmt::format("  security impact raised to yes: {}\n", fmt::join(a["impact_raised"], ", "));
  }
  int shown = 0;
  for (const auto& r : report["resources"]) {
    if (++shown > 20) {
      std::cout << fmt::format("  ... and {} more (see `change show -o json`)\n", report["resources"].size() - 20);
      break;
    }
    std::cout << fmt::format("  {} {} [{}]\n", Cell(r["action"]), Cell(r["address"]), fmt::join(r["categories"], ", "));
    for (const auto& f : r["findings"]) std::cout << fmt::format("      {}\n", Cell(f["reason"]));
  }
}

void AddAttach(CLI::App& app, int& exit, bool manifest) {
  CLI::App* group = manifest ? app.add_subcommand("k8s", "Kubernetes manifests of a change")
                             : app.add_subcommand("plan", "Terraform plans of a change");
  group->require_subcommand(1);
  auto o = std::make_shared<AttachOpts>();
  CLI::App* cmd = group->add_subcommand(
      "attach", manifest ? "Attach manifests (multi-document YAML) and classify them"
                         : "Attach `terraform show -json` output and classify it; binds its digest to the change");
  cmd->add_option("key", o->key, "Change key (CHG-42)")->required();
  cmd->add_option("file", o->file, manifest ? "Manifest file (YAML or JSON)" : "Plan JSON file (UTF-8 or UTF-16)")
      ->required()
      ->check(CLI::ExistingFile);
  if (manifest) cmd->add_flag("--delete", o->remove, "The manifests are being deleted (kubectl delete -f)");
  AddClientOptions(cmd, o->client);
  AddOutputOption(cmd, o->output);
  cmd->callback([o, &exit, manifest] {
    auto bytes = ReadTextFile(o->file, kMaxUpload);
    if (!bytes.ok()) {
      exit = Fail(bytes.status());
      return;
    }
    std::string path = ChangePath(o->key, manifest ? "/manifests" : "/plans") +
                       "?filename=" + UrlEncode(std::filesystem::path(o->file).filename().string());
    if (o->remove) path += "&operation=delete";
    const std::string type = manifest && !o->file.ends_with(".json") ? "application/yaml" : "application/json";
    exit = WithClient(o->client, [&](ApiClient& c) -> Status {
      CL_ASSIGN_OR_RETURN(HttpReply reply, c.Send("POST", path, *bytes, {{"Content-Type", type}}));
      if (reply.status < 200 || reply.status >= 300) return StatusFromReply(reply);
      const nlohmann::json a = nlohmann::json::parse(reply.body, nullptr, false);
      if (o->output == "json")
        PrintJson(a);
      else
        PrintAttachment(a, o->key);
      return Status::Ok();
    });
  });
}

void AddDeploymentReport(CLI::App& app, int& exit) {
  CLI::App* group = app.add_subcommand("deployment", "Deployments that happened");
  group->require_subcommand(1);
  struct Opts {
    ClientOptions client;
    std::string service, environment, commit, image, change, status = "success", url, output = "table";
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = group->add_subcommand(
      "report", "Report a finished deployment; without an approved change it becomes an unauthorized_change finding");
  cmd->add_option("--service", o->service)->required();
  cmd->add_option("--environment,-e", o->environment)->required();
  cmd->add_option("--commit", o->commit);
  cmd->add_option("--image", o->image);
  cmd->add_option("--change", o->change, "CHG-42, if known");
  cmd->add_option("--status", o->status, "success, failure, ...");
  cmd->add_option("--url", o->url, "The pipeline run or deployment page");
  AddClientOptions(cmd, o->client);
  AddOutputOption(cmd, o->output);
  cmd->callback([o, &exit] {
    nlohmann::json artifact = nlohmann::json::object();
    if (!o->commit.empty()) artifact["commit_sha"] = o->commit;
    if (!o->image.empty()) artifact["image_digest"] = o->image;
    nlohmann::json body = {
        {"service", o->service}, {"environment", o->environment}, {"artifact", artifact}, {"status", o->status}};
    if (!o->change.empty()) body["change"] = o->change;
    if (!o->url.empty()) body["url"] = o->url;
    exit = WithClient(o->client, [&](ApiClient& c) -> Status {
      CL_ASSIGN_OR_RETURN(nlohmann::json r, c.Call("POST", "/api/v1/deployments", body));
      if (o->output == "json") {
        PrintJson(r);
      } else {
        std::cout << fmt::format("{} deployment {}{}\n", Cell(r["deployment"]["decision"]), Cell(r["deployment"]["id"]),
                                 r["change"].is_null() ? "" : " of " + r["change"].get<std::string>());
        if (!r["finding"].is_null()) {
          std::cout << fmt::format("  finding {} ({}): {}\n", Cell(r["finding"]["id"]), Cell(r["finding"]["severity"]),
                                   Cell(r["finding"]["summary"]));
        }
      }
      return Status::Ok();
    });
  });
}

}  // namespace

void AddPipelineCommands(CLI::App& app, int& exit) {
  AddGate(app, exit);
  AddAttach(app, exit, /*manifest=*/false);
  AddAttach(app, exit, /*manifest=*/true);
  AddDeploymentReport(app, exit);
}

}  // namespace cl::cli
