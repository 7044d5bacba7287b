#include "tests/support/pg_test_cluster.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <stdexcept>

#include "server/system.h"
#include "storage/migrations.h"
#include "storage/postgres/pg_connection.h"
#include "storage/postgres/pg_store.h"

namespace cl::testing {
namespace {

std::string ClusterDir() { return CL_TEST_PG_DIR; }

std::string ClusterUrl(const std::string& db, const std::string& user) {
  return fmt::format("postgresql:///{}?host={}&port=5432&user={}", db, ClusterDir(), user);
}

void EnsureCluster() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::filesystem::exists(ClusterDir() + "/.s.PGSQL.5432")) return;
    const std::string cmd = fmt::format("'{}/tests/support/pg-cluster.sh' start '{}'", CL_SOURCE_DIR, ClusterDir());
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("could not start the test PostgreSQL: " + cmd);
  });
}

std::string ExecOn(const std::string& url, const std::string& sql) {
  auto conn = sql::PgConnection::Open(url, url);
  if (!conn.ok()) return conn.status().message();
  Status s = (*conn)->ExecScript(sql);
  return s.ok() ? "" : s.message();
}

}  // namespace

bool PostgresWanted() {
  const char* v = std::getenv("CL_TEST_BACKENDS");
  return v == nullptr || std::string_view(v).find("postgres") != std::string_view::npos;
}

std::string ApiBackend() {
  const char* v = std::getenv("CL_TEST_BACKEND");
  return v != nullptr && std::string_view(v) == "postgres" ? "postgres" : "sqlite";
}

std::unique_ptr<PgTestDatabase> PgTestDatabase::Create() {
  EnsureCluster();
  static std::atomic<int> counter{0};
  std::random_device rd;
  const std::string name = fmt::format("t_{}_{}_{:08x}", ::getpid(), ++counter, rd());
  const std::string err =
      ExecOn(ClusterUrl("postgres", "postgres"), fmt::format("CREATE DATABASE {} OWNER cl_owner", name));
  if (!err.empty()) throw std::runtime_error("CREATE DATABASE: " + err);
  return std::unique_ptr<PgTestDatabase>(new PgTestDatabase(name));
}

PgTestDatabase::~PgTestDatabase() {
  ExecOn(ClusterUrl("postgres", "postgres"), fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", name_));
}

std::string PgTestDatabase::Url(const std::string& user) const { return ClusterUrl(name_, user); }

void PgTestDatabase::MigrateAndGrant() const {
  auto conn = sql::PgConnection::Open(OwnerUrl(), name_);
  if (!conn.ok()) throw std::runtime_error(conn.status().message());
  SystemClock clock;
  auto st = sql::Migrate(**conn, sql::PostgresMigrations(), clock.Now().micros);
  if (!st.ok()) throw std::runtime_error("migrate: " + st.status().message());
  Status g = sql::PgStore::GrantAppRole(**conn, "cl_app");
  if (!g.ok()) throw std::runtime_error("grant: " + g.message());
}

std::string PgTestDatabase::Exec(const std::string& sql, const std::string& user) const {
  return ExecOn(Url(user), sql);
}

int64_t PgTestDatabase::QueryInt(const std::string& sql) const {
  auto conn = sql::PgConnection::Open(AdminUrl(), name_);
  if (!conn.ok()) return -1;
  int64_t v = -1;
  Status s = (*conn)->Query(sql, {}, [&](const sql::Row& r) {
    v = r.Int(0);
    return false;
  });
  return s.ok() ? v : -1;
}

std::vector<std::pair<std::string, std::string>> PgTestDatabase::QueryPairs(const std::string& sql) const {
  std::vector<std::pair<std::string, std::string>> rows;
  auto conn = sql::PgConnection::Open(AdminUrl(), name_);
  if (!conn.ok()) return rows;
  (*conn)
      ->Query(sql, {},
              [&](const sql::Row& r) {
                rows.emplace_back(r.String(0), r.String(1));
                return true;
              })
      .IgnoreError();
  return rows;
}

}  // namespace cl::testing
