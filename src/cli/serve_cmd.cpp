// `changeledger serve`: the API server with first-start bootstrap, periodic
// audit checkpoints and graceful shutdown on SIGTERM/SIGINT.
#include <fmt/format.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <tuple>

#include "cli/commands.h"
#include "cli/common.h"
#include "platform/build_info.h"
#include "platform/log.h"
#include "server/audit_timestamper.h"
#include "server/outbound_http.h"
#include "server/process.h"
#include "storage/open_store.h"

namespace cl::cli {
namespace {

struct ServeOptions {
  std::string db = "var/changeledger.db";
  int db_pool = 0;
  std::string signing_key;
  std::string policy;
  std::vector<std::string> witnesses;
  std::string witness_token_file;
  std::string tsa_url, tsa_ca;
  int tsa_every_seconds = 300;
  std::vector<std::string> trusted_keys;
  std::string listen = "127.0.0.1:8080";
  int io_threads = 0;
  int workers = 32;
  bool trust_proxy = false;
  std::string cookie_secure = "auto";
  std::string log_level = "info";
  std::string log_format = "json";
  bool no_access_log = false;
  bool no_bootstrap = false;
  std::string public_url;
  std::string github_secret_file;
  std::string gitlab_token_file;
  std::vector<std::string> webhook_allow;
  std::string github_api_token_file, gitlab_api_token_file;
  SourceSnapshotOptions snapshots;
  std::string smtp_url, smtp_from, smtp_user, smtp_password_file, smtp_ca, smtp_tls = "required";
  std::string tls_cert, tls_key;
  size_t max_connections = 0;
  size_t max_connections_per_client = 0;
  int drain_seconds = 30;
  int reconcile_minutes = 60;
};

// How to run this same binary from the current directory, for the hint.
std::string SelfCommand() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "changeledger";
  const auto rel = std::filesystem::relative(exe, std::filesystem::current_path(ec), ec);
  if (ec || rel.empty() || rel.native().starts_with("..")) return exe.string();
  return "./" + rel.string();
}

void PrintBootstrap(const CreatedUser& admin, const std::string& base_url) {
  std::cout << "\n"
            << "  First start: created the administrator account.\n"
            << "    username: " << admin.user.username << "\n"
            << "    password: " << admin.one_time_password
            << "   (one-time, shown only now; you must change it at first login)\n\n"
            << "  Log in with a browser:\n"
            << "    " << base_url << "/\n"
            << "  or from this machine:\n"
            << "    " << SelfCommand() << " login --server " << base_url << " --username " << admin.user.username
            << "\n"
            << "  or with curl:\n"
            << "    curl -i -c cookies.txt -H 'Content-Type: application/json' -d '{\"username\":\""
            << admin.user.username << "\",\"password\":\"" << admin.one_time_password << "\"}' " << base_url
            << "/api/v1/session\n\n"
            << std::flush;
}

int RunServe(const ServeOptions& o) {
  // Signals go to the thread that waits for them, not to other threads:
  // blocked before any thread starts (the logger's among them), which all
  // inherit the mask. A SIGTERM that came early killed the process.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const log::Level level = o.log_level == "debug"   ? log::Level::kDebug
                           : o.log_level == "warn"  ? log::Level::kWarn
                           : o.log_level == "error" ? log::Level::kError
                                                    : log::Level::kInfo;
  log::Init(level, o.log_format != "text");
  auto listen = ParseListen(o.listen);
  if (!listen.ok()) return Fail(listen.status());

  ProcessOptions po;
  LocalAppOptions& lo = po.app;
  for (const std::string& n : o.webhook_allow) {
    auto net = ParseIpNetwork(n);
    if (!net.ok()) return Fail(Status(net.status().code(), "--webhook-allow-network: " + net.status().message()));
    lo.webhook_allowed_networks.push_back(*net);
  }
  lo.db_path = o.db;
  lo.pool_size = o.db_pool;
  lo.signing_key_path = o.signing_key;
  if (!o.policy.empty()) {
    auto text = ReadTextFile(o.policy);
    if (!text.ok()) return Fail(text.status());
    lo.policy_yaml = std::move(*text);
    lo.policy_origin = "file:" + o.policy;
  }
  lo.on_tampered_log = LocalAppOptions::OnTamperedLog::kReadOnly;
  lo.witnesses = o.witnesses;
  auto witness_token = ReadSharedSecret(o.witness_token_file, "CHANGELEDGER_AUDIT_WITNESS_TOKEN", "a witness token");
  if (!witness_token.ok()) return Fail(witness_token.status());
  lo.witness_token = std::move(*witness_token);
  lo.trusted_key_ids = o.trusted_keys;
  lo.snapshots = o.snapshots;
  for (auto [file, env, target] :
       {std::tuple{&o.github_api_token_file, "CHANGELEDGER_GITHUB_API_TOKEN", &lo.snapshots.github_token},
        std::tuple{&o.gitlab_api_token_file, "CHANGELEDGER_GITLAB_API_TOKEN", &lo.snapshots.gitlab_token}}) {
    auto token = ReadSharedSecret(*file, env, "an API token");
    if (!token.ok()) return Fail(token.status());
    *target = std::move(*token);
  }
  lo.smtp.url = o.smtp_url;
  lo.smtp.from = o.smtp_from;
  lo.smtp.username = o.smtp_user;
  lo.smtp.ca_file = o.smtp_ca;
  lo.smtp.require_tls = o.smtp_tls != "none";
  lo.smtp.public_url = o.public_url;
  auto smtp_password = ReadSharedSecret(o.smtp_password_file, "CHANGELEDGER_SMTP_PASSWORD", "the SMTP password");
  if (!smtp_password.ok()) return Fail(smtp_password.status());
  lo.smtp.password = std::move(*smtp_password);
  if (!lo.smtp.password.empty() && lo.smtp.username.empty()) {
    return Fail(InvalidArgument("an SMTP password needs --smtp-user"));
  }
  lo.tsa_url = o.tsa_url;
  if (!o.tsa_ca.empty()) {
    auto anchors = ReadTimestampAnchors(o.tsa_ca);
    if (!anchors.ok()) return Fail(anchors.status());
    lo.tsa_anchors = std::move(*anchors);
  }
  http::ApiOptions& ao = po.api;
  ao.worker_threads = o.workers;
  ao.access_log = !o.no_access_log;
  ao.public_url = o.public_url;
  for (auto [file, env, target] :
       {std::tuple{&o.github_secret_file, "CHANGELEDGER_GITHUB_WEBHOOK_SECRET", &ao.github_webhook_secret},
        std::tuple{&o.gitlab_token_file, "CHANGELEDGER_GITLAB_WEBHOOK_TOKEN", &ao.gitlab_webhook_token}}) {
    auto secret = ReadSharedSecret(*file, env, "a webhook secret");
    if (!secret.ok()) return Fail(secret.status());
    *target = std::move(*secret);
  }
  ao.cookie_secure = o.cookie_secure == "always"  ? http::CookieSecure::kAlways
                     : o.cookie_secure == "never" ? http::CookieSecure::kNever
                                                  : http::CookieSecure::kAuto;
  http::ServerOptions& so = po.http;
  so.address = listen->first;
  so.port = listen->second;
  so.io_threads = o.io_threads;
  so.trust_proxy = o.trust_proxy;
  so.drain_timeout = std::chrono::seconds(o.drain_seconds);
  so.max_connections = o.max_connections;
  so.max_connections_per_client = o.max_connections_per_client;
  so.tls_cert_file = o.tls_cert;
  so.tls_key_file = o.tls_key;
  po.reconcile_minutes = o.reconcile_minutes;
  po.tsa_every_seconds = o.tsa_every_seconds;
  auto started = ServerProcess::Start(po);
  if (!started.ok()) return Fail(started.status());
  ServerProcess& process = **started;
  LocalApp& a = process.app();
  const std::string& base_url = process.base_url();
  std::cout << "Changeledger " << kVersion << " serving " << base_url << " (database " << sql::DescribeDb(o.db)
            << ", audit key " << (a.signer() ? a.signer()->KeyId() : "none") << ")\n"
            << std::flush;
  if (!o.no_bootstrap) {
    auto admin = process.EnsureBootstrapAdmin();
    if (!admin.ok()) {
      log::Error("bootstrap failed", {{"error", admin.status().message()}});
    } else if (admin->has_value()) {
      PrintBootstrap(**admin, base_url);
    }
  }
  process.StartJobs();
  int sig = 0;
  // SIGHUP reloads the TLS certificate and key (after renewal); the
  // others stop the server.
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    if (Status s = process.ReloadTls(); s.ok()) {
      log::Info("reloaded the TLS certificate", {{"certificate", o.tls_cert}});
    } else {
      log::Error("TLS reload failed; the previous certificate stays in use", {{"error", s.message()}});
    }
  }
  log::Info("shutting down: draining in-flight requests",
            {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}, {"open_connections", process.open_connections()}});
  process.Stop();
  started->reset();  // the database closes after signing what the log gained
  log::Info("stopped");
  log::Flush();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the REST API server");
  cmd->add_option("--db", o->db, "SQLite database file (created if missing) or postgres://user@host/db URL")
      ->envname("CHANGELEDGER_DB")
      ->capture_default_str();
  cmd->add_option("--db-pool", o->db_pool,
                  "Database read connections kept open (default: 16 for SQLite, 8 for PostgreSQL)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--audit-witness,--audit-witness-file", o->witnesses,
                  "Publish every signed audit checkpoint to this witness: a file on storage that whoever can "
                  "write the database cannot, or the URL of a witness service (`changeledger witness` on "
                  "another machine); verify with `audit verify --witness`; repeat, or comma-separate in the "
                  "variable")
      ->envname("CHANGELEDGER_AUDIT_WITNESS")
      ->delimiter(',');
  cmd->add_option("--audit-witness-token-file", o->witness_token_file,
                  "File holding the bearer token witness services expect for publishing (else "
                  "CHANGELEDGER_AUDIT_WITNESS_TOKEN)");
  auto* tsa = cmd->add_option("--audit-tsa", o->tsa_url,
                              "Have the newest audit checkpoint time-stamped by this RFC 3161 time-stamp authority "
                              "(http(s) URL) every --audit-tsa-every seconds; the tokens are recorded in the log, so "
                              "even the signing key cannot re-sign a rewritten log with old times (verify with "
                              "`audit verify --tsa-ca`)")
                  ->envname("CHANGELEDGER_AUDIT_TSA");
  cmd->add_option("--audit-tsa-ca", o->tsa_ca,
                  "PEM certificate(s) the authority's tokens must chain to (its CA or its own certificate); "
                  "needed with --audit-tsa, and the API's verification then checks every time-stamp")
      ->envname("CHANGELEDGER_AUDIT_TSA_CA");
  tsa->needs("--audit-tsa-ca");
  cmd->add_option("--audit-tsa-every", o->tsa_every_seconds,
                  "Seconds between time-stamps (only when the log has grown); keep well under the "
                  "verifier's bound (`audit verify --tsa-max-delay`, default 3600)")
      ->check(CLI::Range(1, 1800))
      ->capture_default_str();
  cmd->add_option("--trusted-audit-key", o->trusted_keys,
                  "Pin this audit key id: only pinned keys and keys they endorse (rotate-key) may sign "
                  "checkpoints, at start-up and in the API's verification; this server's own key must be one "
                  "of them; repeat, or comma-separate in the variable")
      ->envname("CHANGELEDGER_TRUSTED_AUDIT_KEYS")
      ->delimiter(',');
  cmd->add_option("--policy", o->policy,
                  "Change policy YAML to load; stored as a new policy version if it differs "
                  "(default: the stored policy, or the built-in one on first start)")
      ->envname("CHANGELEDGER_POLICY");
  cmd->add_option("--signing-key", o->signing_key,
                  "Audit signing key file, created if missing (default for SQLite: "
                  "<db>.signing-key; required for PostgreSQL, one per server)")
      ->envname("CHANGELEDGER_SIGNING_KEY");
  cmd->add_option("--listen", o->listen, "Address and port; port 0 picks a free one")
      ->envname("CHANGELEDGER_LISTEN")
      ->capture_default_str();
  cmd->add_option("--io-threads", o->io_threads, "HTTP I/O threads (0: one per core)");
  cmd->add_option("--workers", o->workers, "Threads for slow requests (hashing, writes)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("--trust-proxy", o->trust_proxy,
                "Take the client address and https from X-Forwarded-For/-Proto (only behind "
                "your own reverse proxy)");
  cmd->add_option("--cookie-secure", o->cookie_secure,
                  "Secure flag on the session cookie: auto (when the request came over https), "
                  "always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd->add_option("--public-url", o->public_url, "External base URL, for /openapi.json");
  cmd->add_option("--github-secret-file", o->github_secret_file,
                  "File holding the GitHub webhook secret (or set CHANGELEDGER_GITHUB_WEBHOOK_SECRET)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--gitlab-token-file", o->gitlab_token_file,
                  "File holding the GitLab webhook secret token (or set CHANGELEDGER_GITLAB_WEBHOOK_TOKEN)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-cert", o->tls_cert,
                  "Serve HTTPS (TLS 1.2+) with this PEM certificate chain; with --tls-key. SIGHUP reloads "
                  "both (after renewal). Without them: plain HTTP, for a reverse proxy that terminates TLS")
      ->envname("CHANGELEDGER_TLS_CERT")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-key", o->tls_key, "The PEM private key of --tls-cert")
      ->envname("CHANGELEDGER_TLS_KEY")
      ->check(CLI::ExistingFile);
  cmd->add_option("--max-connections", o->max_connections,
                  "Open connections at most (default: what the open-file limit leaves room for, at most "
                  "10000); at the cap the oldest idle or slow connections are closed first");
  cmd->add_option("--max-connections-per-client", o->max_connections_per_client,
                  "Open connections from one client address at most (default: a quarter of "
                  "--max-connections, at least 16; not applied with --trust-proxy)");
  cmd->add_option("--webhook-allow-network", o->webhook_allow,
                  "A network webhook receivers may be in although it is not public (on-premise receivers), "
                  "e.g. 10.20.0.0/16 or 10.20.3.4; repeat. Without it loopback, private, link-local and other "
                  "special addresses are refused");
  cmd->add_option("--github-api-token-file", o->github_api_token_file,
                  "File holding a read-only GitHub token (or set CHANGELEDGER_GITHUB_API_TOKEN): evidence linking a "
                  "pull request, commit or workflow run keeps a snapshot of what it showed; without it such links "
                  "are kept as links only");
  cmd->add_option("--github-url", o->snapshots.github_url, "Where GitHub links point (GitHub Enterprise: its address)")
      ->capture_default_str();
  cmd->add_option("--github-api-url", o->snapshots.github_api_url,
                  "The GitHub REST API (GitHub Enterprise: https://<host>/api/v3)")
      ->capture_default_str();
  cmd->add_option("--gitlab-api-token-file", o->gitlab_api_token_file,
                  "File holding a read_api GitLab token (or set CHANGELEDGER_GITLAB_API_TOKEN): evidence linking a "
                  "merge request or pipeline keeps a snapshot of what it showed");
  cmd->add_option("--gitlab-url", o->snapshots.gitlab_url, "The GitLab instance links point to")->capture_default_str();
  cmd->add_option("--smtp-url", o->smtp_url,
                  "The relay notification e-mails go through: smtp://host:587 (upgraded with STARTTLS) or "
                  "smtps://host:465. Without it nobody is e-mailed; notifications are still listed in the app")
      ->envname("CHANGELEDGER_SMTP_URL");
  cmd->add_option("--smtp-from", o->smtp_from, "The sender, e.g. \"Changeledger <changes@example.com>\"")
      ->envname("CHANGELEDGER_SMTP_FROM");
  cmd->add_option("--smtp-user", o->smtp_user, "The relay account, if it wants one")->envname("CHANGELEDGER_SMTP_USER");
  cmd->add_option("--smtp-password-file", o->smtp_password_file,
                  "File holding the relay account's password (or set CHANGELEDGER_SMTP_PASSWORD)");
  cmd->add_option("--smtp-ca-file", o->smtp_ca,
                  "PEM certificates the relay's certificate must chain to (default: "
                  "the system's)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--smtp-tls", o->smtp_tls,
                  "required (default): never send unless the connection is TLS; none: a relay on this machine "
                  "that does not offer STARTTLS")
      ->check(CLI::IsMember({"required", "none"}))
      ->capture_default_str();
  cmd->add_option("--log-level", o->log_level)
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  cmd->add_option("--log-format", o->log_format, "json (one object per line) or text")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  cmd->add_flag("--no-access-log", o->no_access_log, "Do not log one line per request");
  cmd->add_flag("--no-bootstrap", o->no_bootstrap, "Do not create an administrator when none exists");
  cmd->add_option("--reconcile-minutes", o->reconcile_minutes,
                  "Reconcile the records with the audit log at start-up and then every this many minutes "
                  "(0: at start-up only); a row edited outside the log raises a finding and stops writes")
      ->capture_default_str()
      ->check(CLI::Range(0, 10080));
  cmd->add_option("--drain-seconds", o->drain_seconds, "On SIGTERM, how long in-flight requests may take to finish")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  cmd->callback([o, &exit] { exit = RunServe(*o); });
}

}  // namespace cl::cli
