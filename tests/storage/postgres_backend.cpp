// The PostgreSQL harness: a fresh database in the test run's private cluster,
// migrated by the owner role; the store under test connects as the app role
// (least privilege, as `serve` should run), ExecRaw as the superuser.
#include <stdexcept>

#include "storage/postgres/pg_store.h"
#include "tests/storage/backends.h"
#include "tests/support/pg_test_cluster.h"

namespace cl::testing {
namespace {

class PostgresHarness final : public StoreHarness {
 public:
  PostgresHarness() : db_(PgTestDatabase::Create()) {
    db_->MigrateAndGrant();
    Open();
  }

  Store& store() override { return *store_; }

  void Reopen() override {
    store_.reset();
    Open();
  }

  std::string ExecRaw(const std::string& sql) override { return db_->Exec(sql, "postgres"); }

  int SchemaVersion() override { return static_cast<int>(db_->QueryInt("SELECT MAX(version) FROM schema_version")); }

  std::string OpenFailure() override {
    auto s = sql::PgStore::Open({.url = db_->AppUrl()}, clock_);
    return s.ok() ? "" : s.status().message();
  }

  std::string DropAppendOnlyTriggersSql() const override {
    return "DROP TRIGGER audit_events_append_only ON audit_events;"
           "DROP TRIGGER audit_checkpoints_append_only ON audit_checkpoints;"
           "DROP TRIGGER audit_keys_append_only ON audit_keys;";
  }
  std::string BlobLiteral(const std::string& hex) const override { return "'\\x" + hex + "'::bytea"; }
  std::optional<std::string> ExecAsServingRole(const std::string& sql) override { return db_->Exec(sql, "cl_app"); }
  std::map<std::string, std::set<std::string>> Columns() override {
    std::map<std::string, std::set<std::string>> out;
    for (auto& [table, column] : db_->QueryPairs("SELECT table_name, column_name FROM information_schema.columns "
                                                 "WHERE table_schema = 'public' ORDER BY 1, 2")) {
      out[table].insert(column);
    }
    return out;
  }

 private:
  void Open() {
    auto s = sql::PgStore::Open({.url = db_->AppUrl()}, clock_);
    if (!s.ok()) throw std::runtime_error("open store: " + s.status().message());
    store_ = std::move(s).value();
  }

  std::unique_ptr<PgTestDatabase> db_;
  std::unique_ptr<sql::PgStore> store_;
};

}  // namespace

std::unique_ptr<StoreHarness> MakePostgresHarness() { return std::make_unique<PostgresHarness>(); }

}  // namespace cl::testing
