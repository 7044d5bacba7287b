// The `serve` process: its long-lived parts and the order they start and
// stop in. Start: hold the SQLite file against a restore, open the database
// (LocalApp: start-up verification, signing key, policy), wire the API,
// listen. Then the caller may create the first administrator and starts the
// background jobs (server/jobs.h). Stop: stop accepting, drain requests in
// flight, finish queued slow requests, stop the jobs; the database closes
// last, after signing what the log gained (LocalApp's destructor).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/status.h"
#include "core/users.h"
#include "http/api.h"
#include "http/server.h"
#include "server/local_app.h"

namespace cl {

struct ProcessOptions {
  LocalAppOptions app;
  http::ApiOptions api;
  http::ServerOptions http;
  int reconcile_minutes = 60;   // 0: at start-up only
  int tsa_every_seconds = 300;  // with app.tsa_url
};

class ServerProcess {
 public:
  // Opens the database and starts listening; logs what it found (a created
  // signing key, a log that failed verification: then it serves reads only).
  static Result<std::unique_ptr<ServerProcess>> Start(const ProcessOptions& options);
  ~ServerProcess();

  const std::string& base_url() const { return base_url_; }
  LocalApp& app() { return *app_; }
  // The first administrator, if the database has none (its one-time
  // password is for the terminal only; nullopt: there is one already).
  Result<std::optional<CreatedUser>> EnsureBootstrapAdmin();
  // Starts the background jobs: checkpoints, witnesses, reconciliation,
  // time-stamps, webhook deliveries.
  void StartJobs();
  Status ReloadTls() { return server_->ReloadTls(); }
  size_t open_connections() const { return server_->open_connections(); }
  // Drains and stops everything but the database; idempotent.
  void Stop();

 private:
  struct Jobs;
  ServerProcess() = default;
  // Destroyed in reverse: jobs, listener, API, database, file lock.
  struct Lock;
  std::unique_ptr<Lock> in_use_;
  std::unique_ptr<LocalApp> app_;
  std::unique_ptr<http::Api> api_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<Jobs> jobs_;
  int reconcile_minutes_ = 60;  // what StartJobs needs of the options
  int tsa_every_seconds_ = 300;
  std::string base_url_;
  bool stopped_ = false;
};

// The OpenAPI document of this build's API (built over a throw-away
// database, since it comes from the wired route table).
Result<nlohmann::json> OpenApiDocument();

}  // namespace cl
