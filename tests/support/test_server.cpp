#include "tests/support/test_server.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "crypto/crypto.h"
#include "storage/postgres/pg_connection.h"
#include "storage/sqlite/sqlite_connection.h"
#include "tests/support/pg_test_cluster.h"

namespace cl::testing {

TestServer::TestServer(TestServerOptions options) {
  LocalAppOptions lo;
  if (ApiBackend() == "postgres") {
    pg_ = PgTestDatabase::Create();
    pg_->MigrateAndGrant();
    db_path_ = pg_->AppUrl();
    lo.signing_key_path = dir_.File("signing.key");
  } else {
    db_path_ = dir_.File("changeledger.db");
  }
  lo.db_path = db_path_;
  lo.clock = options.clock;
  lo.checkpoint_interval = options.checkpoint_interval;
  lo.policy_yaml = options.policy_yaml;
  lo.policy_origin = "test";
  lo.smtp = options.smtp;
  lo.snapshots = options.snapshots;
  for (const std::string& n : options.webhook_allowed_networks)
    lo.webhook_allowed_networks.push_back(ParseIpNetwork(n).value());
  auto app = LocalApp::Open(lo);
  if (!app.ok()) throw std::runtime_error("LocalApp: " + app.status().message());
  app_ = std::move(app).value();
  http::ApiOptions ao;
  ao.worker_threads = 8;
  ao.access_log = false;
  ao.github_webhook_secret = options.github_secret;
  ao.gitlab_webhook_token = options.gitlab_token;
  api_ = std::make_unique<http::Api>(ApiServicesOf(*app_), ao);
  http::ServerOptions so;
  so.port = 0;
  so.io_threads = 2;
  so.trust_proxy = options.trust_proxy;
  so.drain_timeout = std::chrono::seconds(10);
  so.header_timeout = std::chrono::seconds(2);
  so.body_timeout = std::chrono::seconds(2);
  server_ = std::make_unique<http::HttpServer>(so, *api_);
  Status s = server_->Start();
  if (!s.ok()) throw std::runtime_error("server: " + s.message());
  if (options.dispatch_webhooks) {
    dispatcher_ = std::make_unique<WebhookDispatcher>(app_->store(), app_->clock(), app_->outbound(),
                                                      std::chrono::milliseconds(20));
    dispatcher_->Start();
  }
  if (app_->mailer() != nullptr) {
    mail_ =
        std::make_unique<MailDispatcher>(app_->store(), app_->clock(), *app_->mailer(), std::chrono::milliseconds(20));
  }
}

TestServer::~TestServer() { Stop(); }

void TestServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (dispatcher_) dispatcher_->Stop();
  mail_.reset();
  server_->Stop();
  server_->Wait();
  api_->Shutdown();
}

TestUser TestServer::CreateUser(const std::string& username, std::vector<std::string> roles, UserKind kind) {
  const Principal local = LocalPrincipal("test");
  const AuditContext ctx{local.ToActor(), "test-setup", ""};
  NewUser in;
  in.username = username;
  in.display_name = "Test " + username;
  in.kind = kind;
  in.roles = std::move(roles);
  TestUser out;
  if (kind == UserKind::kHuman) {
    in.email = username + "@example.com";
    out.password = "s3cret-passphrase-" + std::to_string(UserCount()) + "-for-tests";
    in.password = out.password;
  }
  auto created = app_->users().Create(local, ctx, in);
  if (!created.ok()) {
    std::string why = created.status().message();
    for (const FieldError& e : created.status().field_errors()) why += "; " + e.field + ": " + e.message;
    throw std::runtime_error("create user " + username + ": " + why);
  }
  out.user = created->user;
  NewToken t;
  t.name = "test token";
  t.user_id = out.user.id;
  for (const std::string& p : PermissionNames(PermissionsOf(out.user.roles))) t.scopes.push_back(p);
  auto issued = app_->tokens().Create(local, ctx, t);
  if (!issued.ok()) throw std::runtime_error("create token: " + issued.status().message());
  out.token = issued->secret;
  return out;
}

const TestUser& TestServer::Admin() {
  if (!admin_) admin_ = std::make_unique<TestUser>(CreateUser("root-admin", {"admin"}));
  return *admin_;
}

int64_t TestServer::AuditCount() {
  int64_t n = 0;
  Status s = app_->store().Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(n, tx.Audit().Count());
    return Status::Ok();
  });
  if (!s.ok()) throw std::runtime_error(s.message());
  return n;
}

int64_t TestServer::UserCount() {
  int64_t n = 0;
  Status s = app_->store().Read([&](Tx& tx) -> Status {
    UserListQuery q;
    q.limit = 100000;
    CL_ASSIGN_OR_RETURN(auto users, tx.Users().List(q));
    n = static_cast<int64_t>(users.size());
    return Status::Ok();
  });
  if (!s.ok()) throw std::runtime_error(s.message());
  return n;
}

std::vector<FieldError> ResponseSchemaErrors(const http::Api& api, const std::string& method,
                                             const std::string& pattern, const nlohmann::json& body) {
  for (const http::Route& r : api.router().routes()) {
    if (r.method != method || r.pattern != pattern) continue;
    if (!r.response) return {{"/", "the route documents no JSON response"}};
    std::vector<FieldError> errors;
    r.response->Validate(body, "", errors);
    return errors;
  }
  return {{"/", "no such route " + method + " " + pattern}};
}

std::string TestServer::DatabaseDigest() {
  const std::set<std::string> volatile_columns = {"api_tokens.last_used_at", "sessions.last_seen_at"};
  std::unique_ptr<sql::Connection> conn;
  const bool pg = pg_ != nullptr;
  if (pg) {
    auto c = sql::PgConnection::Open(pg_->AdminUrl(), pg_->name());
    if (!c.ok()) throw std::runtime_error(c.status().message());
    conn = std::move(c).value();
  } else {
    auto o = sql::ReadOnlyOptionsFor(db_path_);
    if (!o.ok()) throw std::runtime_error(o.status().message());
    auto c = sql::SqliteConnection::Open(db_path_, *o);
    if (!c.ok()) throw std::runtime_error(c.status().message());
    conn = std::move(c).value();
  }
  auto check = [](const Status& s) {
    if (!s.ok()) throw std::runtime_error(s.message());
  };
  std::vector<std::string> tables;
  check(conn->Query(pg ? "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                         "AND table_type = 'BASE TABLE' ORDER BY 1"
                       : "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1",
                    {}, [&](const sql::Row& r) {
                      tables.emplace_back(r.Text(0));
                      return true;
                    }));
  std::string all;
  for (const std::string& t : tables) {
    std::vector<std::string> columns;
    check(conn->Query(pg ? "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND "
                           "table_name = ? ORDER BY ordinal_position"
                         : "SELECT name FROM pragma_table_info(?)",
                      {std::string_view(t)}, [&](const sql::Row& r) {
                        const std::string c(r.Text(0));
                        if (!volatile_columns.count(fmt::format("{}.{}", t, c))) columns.push_back(c);
                        return true;
                      }));
    std::string row_sql;
    for (const std::string& c : columns) {
      if (!row_sql.empty()) row_sql += pg ? ", " : " || ',' || ";
      row_sql += pg ? fmt::format("coalesce(md5(\"{}\"::text), 'null')", c) : fmt::format("quote(\"{}\")", c);
    }
    if (pg) row_sql = fmt::format("concat_ws(',', {})", row_sql);
    std::vector<std::string> rows;
    check(conn->Query(fmt::format("SELECT {} FROM \"{}\"", row_sql, t), {}, [&](const sql::Row& r) {
      rows.emplace_back(r.Text(0));
      return true;
    }));
    std::sort(rows.begin(), rows.end());
    all += t + "\n";
    for (const std::string& r : rows) all += r + "\n";
  }
  return crypto::ToHex(crypto::Sha256(all));
}

}  // namespace cl::testing
