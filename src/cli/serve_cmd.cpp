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

#include "platform/db_lock.h"
#include "app/version.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/local_app.h"
#include "cli/webhook_dispatcher.h"
#include "core/audit_reconcile.h"
#include "http/api.h"
#include "http/server.h"
#include "platform/log.h"
#include "platform/periodic_thread.h"
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
  std::string tls_cert, tls_key;
  size_t max_connections = 0;
  size_t max_connections_per_client = 0;
  int drain_seconds = 30;
  int reconcile_minutes = 60;
};

// Signs the audit tail every second and removes long-dead sessions hourly.
class Housekeeping {
 public:
  explicit Housekeeping(LocalApp& app)
      : app_(app), thread_(std::chrono::seconds(1), PeriodicThread::First::kAfterOnePeriod, [this] { Tick(); }) {}

 private:
  void Tick() {
    if (!app_.store().WritesRefused().ok()) return;  // a tampered log: nothing to sign or sweep
    // Nothing is signed until every witness was reached and the log still
    // holds what it witnessed: a tail cut while a witness was down must not
    // be signed as if it were genuine.
    bool all_known = true;
    for (size_t i = 0; i < app_.witnesses().size(); ++i) {
      AuditWitness& w = *app_.witnesses()[i];
      if (!w.known()) Publish(w, failures_[i]);
      all_known = all_known && w.known();
    }
    if (!app_.store().WritesRefused().ok()) return;
    Status s = Status::Ok();
    if (all_known) {
      s = app_.store().Write([&](Tx& tx) { return app_.audit().Checkpoint(tx).status(); });
      if (!s.ok()) log::Warn("audit checkpoint failed", {{"error", s.message()}});
    }
    for (size_t i = 0; i < app_.witnesses().size(); ++i) {
      if (app_.witnesses()[i]->known()) Publish(*app_.witnesses()[i], failures_[i]);
    }
    if (++ticks_ % 60 == 0) {
      AuditContext ctx{SystemPrincipal().ToActor(), "housekeeping", ""};
      auto raised = app_.changes().RaiseOverdueFindings(ctx);
      if (!raised.ok()) log::Warn("overdue sweep failed", {{"error", raised.status().message()}});
      if (raised.ok() && *raised > 0) log::Info("raised findings for overdue emergency changes", {{"count", *raised}});
    }
    if (ticks_ % 3600 == 0) {
      const Timestamp cutoff = app_.clock().Now() + (-86400 * kMicrosPerSecond);
      s = app_.store().Write([&](Tx& tx) { return tx.Sessions().DeleteEnded(cutoff).status(); });
      if (!s.ok()) log::Warn("session cleanup failed", {{"error", s.message()}});
    }
  }
  // Retried every second until it works; a witness catches up from its
  // newest checkpoint. Said once when it starts failing, then every minute,
  // and when it works again. A witness that refuses the log's checkpoints
  // (they do not extend what it holds) stops writes, as a tampered log does.
  void Publish(AuditWitness& witness, int& failures) {
    auto published = witness.Publish(app_.store());
    if (published.ok()) {
      if (failures > 0) {
        log::Info("audit witness reachable again", {{"witness", witness.name()}, {"failed_attempts", failures},
                                                    {"witnessed_seq", witness.witnessed_seq()}});
      }
      failures = 0;
      return;
    }
    if (published.status().code() == ErrorCode::kDataLoss) {
      log::Error("an audit witness contradicts the log: serving reads only, every write is refused",
                 {{"witness", witness.name()}, {"error", published.status().message()}});
      app_.store().RefuseWrites(Status(ErrorCode::kWritesRefused,
                                       published.status().message() +
                                           " (run `changeledger audit verify --db ... --witness " + witness.name() +
                                           "` and restore a verified backup)"));
      return;
    }
    if (failures++ % 60 == 0) {
      log::Warn("audit witness failed; retrying every second",
                {{"witness", witness.name()}, {"error", published.status().message()}, {"failed_attempts", failures}});
    }
  }

  LocalApp& app_;
  int ticks_ = 0;  // only the thread touches it
  std::vector<int> failures_ = std::vector<int>(app_.witnesses().size(), 0);  // per witness, in a row
  PeriodicThread thread_;  // last: stops before the rest goes
};

// Reconciles the records with the audit log right after start-up and then
// every `minutes` (0: at start-up only). An edit made outside the log raises
// a finding and, like a tampered log, stops every write (reads go on,
// /readyz fails) until an operator has looked: a write on an edited row would
// carry the edit on. A log from before reconciliation is baselined once.
class RecordsReconciler {
 public:
  RecordsReconciler(LocalApp& app, int minutes)
      : app_(app), thread_(std::chrono::minutes(minutes), PeriodicThread::First::kAtStart, [this] {
          if (app_.store().WritesRefused().ok()) ReconcileOnce();
        }) {}

 private:
  void ReconcileOnce() {
    AuditContext ctx{SystemPrincipal().ToActor(), "reconcile", ""};
    auto done = ReconcileAndRaise(app_.deps(), ctx);
    if (!done.ok()) {
      log::Warn("reconciling the records with the audit log failed", {{"error", done.status().message()}});
      return;
    }
    const ReconcileReport& r = done->report;
    if (done->baselined) {
      log::Info("reconciliation baseline recorded: rows that differed from the log were accepted as found",
                {{"accepted_rows", done->accepted}, {"rows", r.rows}});
    }
    if (r.ok()) {
      log::Info("records reconciled with the audit log", {{"rows", r.rows}, {"events", r.events}, {"files", r.files}});
      return;
    }
    const ReconcileProblem& first = r.problems.front();
    const std::string why = fmt::format(
        "{} record(s) differ from the audit log, first {} {}{}: {} (run `changeledger audit verify --db ... "
        "--reconcile`, find who edited the database, restore a verified backup)",
        r.problem_count, first.table, first.id, first.field.empty() ? "" : " ." + first.field, first.what);
    log::Error("records were edited outside the audit log: serving reads only, every write is refused",
               {{"problems", r.problem_count}, {"first", first.what}, {"finding", done->finding_id}});
    app_.store().RefuseWrites(Status(ErrorCode::kWritesRefused, why));
  }

  LocalApp& app_;
  PeriodicThread thread_;  // last
};

// Has the newest checkpoint time-stamped every `seconds` (serve --audit-tsa).
// Said once when the authority starts failing, then every tenth try, and
// when it works again; the verifier's bound (an hour by default) rides out
// the outage in between.
class TimestampJob {
 public:
  TimestampJob(LocalApp& app, int seconds)
      : app_(app), thread_(std::chrono::seconds(seconds), PeriodicThread::First::kAfterOnePeriod, [this] { Tick(); }) {}

 private:
  void Tick() {
    if (!app_.store().WritesRefused().ok()) return;  // a tampered log is not vouched for
    AuditTimestamper& tsa = *app_.timestamper();
    AuditContext ctx{SystemPrincipal().ToActor(), "timestamp", ""};
    auto stamped = tsa.StampNewest(app_.store(), app_.audit(), ctx);
    if (stamped.ok()) {
      if (failures_ > 0) {
        log::Info("time-stamp authority reachable again", {{"tsa", tsa.url()}, {"failed_attempts", failures_}});
      }
      failures_ = 0;
      return;
    }
    if (failures_++ % 10 == 0) {
      log::Warn("time-stamping the audit log failed; retrying",
                {{"tsa", tsa.url()}, {"error", stamped.status().message()}, {"failed_attempts", failures_}});
    }
  }

  LocalApp& app_;
  int failures_ = 0;       // only the thread touches it
  PeriodicThread thread_;  // last
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
            << "    " << SelfCommand() << " login --server " << base_url << " --username "
            << admin.user.username << "\n"
            << "  or with curl:\n"
            << "    curl -i -c cookies.txt -H 'Content-Type: application/json' -d '{\"username\":\""
            << admin.user.username << "\",\"password\":\"" << admin.one_time_password << "\"}' "
            << base_url << "/api/v1/session\n\n"
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

  const log::Level level = o.log_level == "debug"  ? log::Level::kDebug
                           : o.log_level == "warn" ? log::Level::kWarn
                           : o.log_level == "error" ? log::Level::kError
                                                   : log::Level::kInfo;
  log::Init(level, o.log_format != "text");
  auto listen = ParseListen(o.listen);
  if (!listen.ok()) return Fail(listen.status());


  // Held while serving: `restore` refuses to replace the SQLite file under
  // us (PostgreSQL restores go through pg_restore, docs/operations.md).
  std::optional<DbUseLock> in_use;
  if (const std::string file = sql::SqlitePathOf(o.db); !file.empty()) {
    auto lock = DbUseLock::Acquire(file, DbUseLock::Mode::kShared);
    if (!lock.ok()) return Fail(lock.status());
    in_use.emplace(std::move(lock).value());
  }

  LocalAppOptions lo;
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
  lo.tsa_url = o.tsa_url;
  if (!o.tsa_ca.empty()) {
    auto anchors = ReadTimestampAnchors(o.tsa_ca);
    if (!anchors.ok()) return Fail(anchors.status());
    lo.tsa_anchors = std::move(*anchors);
  }
  auto app = LocalApp::Open(lo);
  if (!app.ok()) return Fail(app.status());
  LocalApp& a = **app;
  if (a.created_signing_key() && a.signer() != nullptr) {
    log::Info("created audit signing key", {{"path", a.signing_key_path()}, {"key_id", a.signer()->KeyId()}});
  }
  if (const AuditVerifyResult& check = a.startup_check(); !check.ok) {
    log::Error("the audit log failed verification at start-up: serving reads only, every write is refused and "
               "nothing is signed; run `changeledger audit verify --db` on this database and restore a verified "
               "backup",
               {{"problem", check.problem}, {"first_bad_seq", check.first_bad_seq.value_or(0)}});
  }

  http::ApiOptions ao;
  ao.worker_threads = o.workers;
  ao.access_log = !o.no_access_log;
  ao.public_url = o.public_url;
  for (auto [file, env, target] : {std::tuple{&o.github_secret_file, "CHANGELEDGER_GITHUB_WEBHOOK_SECRET",
                                              &ao.github_webhook_secret},
                                   std::tuple{&o.gitlab_token_file, "CHANGELEDGER_GITLAB_WEBHOOK_TOKEN",
                                              &ao.gitlab_webhook_token}}) {
    auto secret = ReadSharedSecret(*file, env, "a webhook secret");
    if (!secret.ok()) return Fail(secret.status());
    *target = std::move(*secret);
  }
  ao.cookie_secure = o.cookie_secure == "always"  ? http::CookieSecure::kAlways
                     : o.cookie_secure == "never" ? http::CookieSecure::kNever
                                                  : http::CookieSecure::kAuto;
  http::Api api(ApiServicesOf(a),
                ao);
  http::ServerOptions so;
  so.address = listen->first;
  so.port = listen->second;
  so.io_threads = o.io_threads;
  so.trust_proxy = o.trust_proxy;
  so.drain_timeout = std::chrono::seconds(o.drain_seconds);
  so.max_connections = o.max_connections;
  so.max_connections_per_client = o.max_connections_per_client;
  so.tls_cert_file = o.tls_cert;
  so.tls_key_file = o.tls_key;
  http::HttpServer server(so, api);
  api.metrics().AddGauge("changeledger_http_open_connections", "Open client connections.",
                         [&server] { return static_cast<double>(server.open_connections()); });
  api.metrics().AddGauge("changeledger_http_connections_evicted_total",
                         "Idle or slow connections closed to make room at a connection cap.",
                         [&server] { return static_cast<double>(server.evicted_connections()); });
  api.metrics().AddGauge("changeledger_http_connections_refused_total",
                         "Connections refused at a cap with nothing idle or slow to close.",
                         [&server] { return static_cast<double>(server.refused_connections()); });
  if (Status s = server.Start(); !s.ok()) return Fail(s);
  log::Info("connection limits", {{"max_connections", server.max_connections()},
                                  {"max_connections_per_client", server.max_connections_per_client()},
                                  {"open_file_limit", http::RaiseOpenFileLimit()}});

  const std::string host = so.address.find(':') != std::string::npos ? "[" + so.address + "]" : so.address;
  const std::string base_url = fmt::format("{}://{}:{}", server.tls() ? "https" : "http", host, server.port());
  std::cout << "Changeledger " << kVersion << " serving " << base_url << " (database " << sql::DescribeDb(o.db)
            << ", audit key " << (a.signer() ? a.signer()->KeyId() : "none") << ")\n"
            << std::flush;
  log::Info("listening", {{"url", base_url}, {"database", sql::DescribeDb(o.db)}, {"version", kVersion}});

  if (!o.no_bootstrap) {
    AuditContext ctx{SystemPrincipal().ToActor(), "bootstrap", ""};
    auto admin = a.users().EnsureBootstrapAdmin(ctx);
    if (!admin.ok()) {
      log::Error("bootstrap failed", {{"error", admin.status().message()}});
    } else if (admin->has_value()) {
      log::Info("created bootstrap administrator (password printed to the terminal only)",
                {{"username", (*admin)->user.username}});
      PrintBootstrap(**admin, base_url);
    }
  }

  {
    Housekeeping housekeeping(a);
    RecordsReconciler reconciler(a, o.reconcile_minutes);
    std::optional<TimestampJob> timestamps;
    if (a.timestamper() != nullptr) timestamps.emplace(a, o.tsa_every_seconds);
    WebhookDispatcher webhooks(a.store(), a.clock(), a.outbound(), std::chrono::seconds(1));
    webhooks.Start();
    int sig = 0;
    // SIGHUP reloads the TLS certificate and key (after renewal); the
    // others stop the server.
    while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
      if (Status s = server.ReloadTls(); s.ok()) {
        log::Info("reloaded the TLS certificate", {{"certificate", o.tls_cert}});
      } else {
        log::Error("TLS reload failed; the previous certificate stays in use", {{"error", s.message()}});
      }
    }
    log::Info("shutting down: draining in-flight requests",
              {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
               {"open_connections", server.open_connections()}});
    server.Stop();
    server.Wait();
    api.Shutdown();
  }
  log::Info("stopped");
  log::Flush();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the REST API server");
  cmd->add_option("--db", o->db,
                  "SQLite database file (created if missing) or postgres://user@host/db URL")
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
  cmd->add_option("--log-level", o->log_level)
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  cmd->add_option("--log-format", o->log_format, "json (one object per line) or text")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  cmd->add_flag("--no-access-log", o->no_access_log, "Do not log one line per request");
  cmd->add_flag("--no-bootstrap", o->no_bootstrap,
                "Do not create an administrator when none exists");
  cmd->add_option("--reconcile-minutes", o->reconcile_minutes,
                  "Reconcile the records with the audit log at start-up and then every this many minutes "
                  "(0: at start-up only); a row edited outside the log raises a finding and stops writes")
      ->capture_default_str()
      ->check(CLI::Range(0, 10080));
  cmd->add_option("--drain-seconds", o->drain_seconds,
                  "On SIGTERM, how long in-flight requests may take to finish")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  cmd->callback([o, &exit] { exit = RunServe(*o); });
}

}  // namespace cl::cli
