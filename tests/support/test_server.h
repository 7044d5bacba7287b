// TestServer: the real API server, in this process, on an ephemeral port,
// over a real SQLite file in a temp directory (or, with
// CL_TEST_BACKEND=postgres, a fresh database in the test PostgreSQL). Tests talk to it over TCP.
// Helpers create users and tokens through the same services the API uses.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "http/api.h"
#include "http/server.h"
#include "server/local_app.h"
#include "server/mail_dispatcher.h"
#include "server/webhook_dispatcher.h"
#include "tests/support/http.h"
#include "tests/support/temp_dir.h"

namespace cl::testing {

struct TestServerOptions {
  const Clock* clock = nullptr;  // default: system clock
  bool trust_proxy = false;
  int64_t checkpoint_interval = 1000;
  std::string policy_yaml;         // empty: the built-in default policy
  bool dispatch_webhooks = false;  // run the webhook dispatcher (polls every 20 ms)
  // Networks webhook receivers may be in (the tests' receivers listen on loopback).
  std::vector<std::string> webhook_allowed_networks;
  // The SMTP relay notification e-mails go to; when set, the e-mail
  // dispatcher runs (polls every 20 ms).
  SmtpOptions smtp;
  SourceSnapshotOptions snapshots;  // evidence links kept as snapshots
  std::string github_secret;        // GitHub/GitLab webhook receivers' secrets
  std::string gitlab_token;
};

struct TestUser {
  User user;
  std::string password;  // set for humans created with a known password
  std::string token;     // API token with every permission of the user's roles
};

class PgTestDatabase;

class TestServer {
 public:
  explicit TestServer(TestServerOptions options = {});
  ~TestServer();

  uint16_t port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  Http http() const { return Http(url()); }
  LocalApp& app() { return *app_; }
  http::Api& api() { return *api_; }
  // The --db value: the SQLite file, or the PostgreSQL URL (as the app role).
  const std::string& db_path() const { return db_path_; }
  const TempDir& dir() const { return dir_; }

  // A user with the given roles, a known password (already changed, so no
  // password change is pending) and an API token with all its permissions.
  TestUser CreateUser(const std::string& username, std::vector<std::string> roles, UserKind kind = UserKind::kHuman);
  // An admin created the same way (cached per server).
  const TestUser& Admin();

  // Number of audit events and users right now (to prove nothing was stored).
  int64_t AuditCount();
  int64_t UserCount();
  // SHA-256 over every row of every table, read beside the server (so a
  // test can prove a refused request stored nothing). Leaves out what every
  // authenticated request touches: when a token was last used, a session
  // last seen.
  std::string DatabaseDigest();
  void Stop();

 private:
  TempDir dir_;
  std::unique_ptr<PgTestDatabase> pg_;  // declared first: outlives the app
  std::string db_path_;
  std::unique_ptr<LocalApp> app_;
  std::unique_ptr<http::Api> api_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<WebhookDispatcher> dispatcher_;
  std::unique_ptr<MailDispatcher> mail_;
  std::unique_ptr<TestUser> admin_;
  bool stopped_ = false;
};

// Problems with `body` against the documented response schema of a route
// (empty when it conforms), so tests keep /openapi.json honest.
std::vector<FieldError> ResponseSchemaErrors(const http::Api& api, const std::string& method,
                                             const std::string& pattern, const nlohmann::json& body);

}  // namespace cl::testing
