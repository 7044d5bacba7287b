#include "server/process.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "platform/build_info.h"
#include "platform/log.h"
#include "server/jobs.h"
#include "server/mail_dispatcher.h"
#include "server/webhook_dispatcher.h"
#include "storage/db_lock.h"
#include "storage/open_store.h"

namespace cl {

struct ServerProcess::Lock {
  DbUseLock lock;
};

// In start order; destroyed in reverse.
struct ServerProcess::Jobs {
  Housekeeping housekeeping;
  RecordsReconciler reconciler;
  std::optional<TimestampJob> timestamps;
  WebhookDispatcher webhooks;
  std::optional<MailDispatcher> mail;

  Jobs(LocalApp& a, int reconcile_minutes, int tsa_every_seconds)
      : housekeeping(a),
        reconciler(a, reconcile_minutes),
        webhooks(a.store(), a.clock(), a.outbound(), std::chrono::seconds(1)) {
    if (a.timestamper() != nullptr) timestamps.emplace(a, tsa_every_seconds);
    webhooks.Start();
    if (a.mailer() != nullptr) mail.emplace(a.store(), a.clock(), *a.mailer(), std::chrono::seconds(2));
  }
};

Result<std::unique_ptr<ServerProcess>> ServerProcess::Start(const ProcessOptions& o) {
  std::unique_ptr<ServerProcess> p(new ServerProcess());
  p->reconcile_minutes_ = o.reconcile_minutes;
  p->tsa_every_seconds_ = o.tsa_every_seconds;
  // Held while serving: `restore` refuses to replace the SQLite file under
  // us (PostgreSQL restores go through pg_restore, docs/operations.md).
  if (const std::string file = sql::SqlitePathOf(o.app.db_path); !file.empty()) {
    CL_ASSIGN_OR_RETURN(DbUseLock lock, DbUseLock::Acquire(file, DbUseLock::Mode::kShared));
    p->in_use_ = std::make_unique<Lock>(Lock{std::move(lock)});
  }
  CL_ASSIGN_OR_RETURN(p->app_, LocalApp::Open(o.app));
  LocalApp& a = *p->app_;
  if (a.created_signing_key() && a.signer() != nullptr) {
    log::Info("created audit signing key", {{"path", a.signing_key_path()}, {"key_id", a.signer()->KeyId()}});
  }
  if (const AuditVerifyResult& check = a.startup_check(); !check.ok) {
    log::Error(
        "the audit log failed verification at start-up: serving reads only, every write is refused and "
        "nothing is signed; run `changeledger audit verify --db` on this database and restore a verified "
        "backup",
        {{"problem", check.problem}, {"first_bad_seq", check.first_bad_seq.value_or(0)}});
  }
  p->api_ = std::make_unique<http::Api>(ApiServicesOf(a), o.api);
  p->server_ = std::make_unique<http::HttpServer>(o.http, *p->api_);
  http::HttpServer& server = *p->server_;
  http::Metrics& metrics = p->api_->metrics();
  metrics.AddGauge("changeledger_http_open_connections", "Open client connections.",
                   [&server] { return static_cast<double>(server.open_connections()); });
  metrics.AddGauge("changeledger_http_connections_evicted_total",
                   "Idle or slow connections closed to make room at a connection cap.",
                   [&server] { return static_cast<double>(server.evicted_connections()); });
  metrics.AddGauge("changeledger_http_connections_refused_total",
                   "Connections refused at a cap with nothing idle or slow to close.",
                   [&server] { return static_cast<double>(server.refused_connections()); });
  CL_RETURN_IF_ERROR(server.Start());
  log::Info("connection limits", {{"max_connections", server.max_connections()},
                                  {"max_connections_per_client", server.max_connections_per_client()},
                                  {"open_file_limit", http::RaiseOpenFileLimit()}});
  const std::string& address = o.http.address;
  const std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  p->base_url_ = fmt::format("{}://{}:{}", server.tls() ? "https" : "http", host, server.port());
  log::Info("listening", {{"url", p->base_url_}, {"database", sql::DescribeDb(o.app.db_path)}, {"version", kVersion}});
  return p;
}

Result<std::optional<CreatedUser>> ServerProcess::EnsureBootstrapAdmin() {
  AuditContext ctx{SystemPrincipal().ToActor(), "bootstrap", ""};
  CL_ASSIGN_OR_RETURN(std::optional<CreatedUser> admin, app_->users().EnsureBootstrapAdmin(ctx));
  if (admin) {
    log::Info("created bootstrap administrator (password printed to the terminal only)",
              {{"username", admin->user.username}});
  }
  return admin;
}

void ServerProcess::StartJobs() {
  if (!jobs_ && !stopped_) jobs_ = std::make_unique<Jobs>(*app_, reconcile_minutes_, tsa_every_seconds_);
}

void ServerProcess::Stop() {
  if (stopped_) return;
  stopped_ = true;
  server_->Stop();
  server_->Wait();
  api_->Shutdown();
  jobs_.reset();
}

ServerProcess::~ServerProcess() {
  if (server_) Stop();
}

Result<nlohmann::json> OpenApiDocument() {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("changeledger-openapi-{}", ::getpid());
  std::filesystem::create_directories(dir);
  Result<nlohmann::json> doc = nlohmann::json();
  {
    LocalAppOptions lo;
    lo.db_path = (dir / "scratch.db").string();
    auto app = LocalApp::Open(lo);
    if (!app.ok()) {
      doc = app.status();
    } else {
      http::Api api(ApiServicesOf(**app), http::ApiOptions{.worker_threads = 1});
      doc = api.OpenApi();
    }
  }
  std::filesystem::remove_all(dir);
  return doc;
}

}  // namespace cl
