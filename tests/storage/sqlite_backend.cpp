// The SQLite harness: a real database file in a temp directory.
#include <sqlite3.h>

#include <stdexcept>

#include "storage/sqlite/sqlite_store.h"
#include "tests/storage/backends.h"

namespace cl::testing {
namespace {

class SqliteHarness final : public StoreHarness {
 public:
  SqliteHarness() : path_(dir_.File("store.db")) { Open(); }

  Store& store() override { return *store_; }

  void Reopen() override {
    store_.reset();
    Open();
  }

  std::string ExecRaw(const std::string& sql) override {
    sqlite3* db = nullptr;
    if (sqlite3_open(path_.c_str(), &db) != SQLITE_OK) throw std::runtime_error("open");
    sqlite3_busy_timeout(db, 10000);
    char* err = nullptr;
    std::string out;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      out = err != nullptr ? err : "error";
      sqlite3_free(err);
    }
    sqlite3_close(db);
    return out;
  }

  int SchemaVersion() override {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    int v = -1;
    if (sqlite3_prepare_v2(db, "SELECT MAX(version) FROM schema_version", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      v = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  }

  std::string DropAppendOnlyTriggersSql() const override {
    return "DROP TRIGGER audit_events_append_only_update;"
           "DROP TRIGGER audit_events_append_only_delete;"
           "DROP TRIGGER audit_checkpoints_append_only_update;"
           "DROP TRIGGER audit_checkpoints_append_only_delete;"
           "DROP TRIGGER audit_keys_append_only_update;"
           "DROP TRIGGER audit_keys_append_only_delete;";
  }
  std::string BlobLiteral(const std::string& hex) const override { return "x'" + hex + "'"; }
  std::optional<std::string> ExecAsServingRole(const std::string&) override { return std::nullopt; }

  std::map<std::string, std::set<std::string>> Columns() override {
    std::map<std::string, std::set<std::string>> out;
    // table_xinfo: generated columns too (PostgreSQL lists them as columns).
    sqlite3* db = nullptr;
    sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db,
                           "SELECT m.name, p.name FROM sqlite_schema m, pragma_table_xinfo(m.name) p "
                           "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2",
                           -1, &st, nullptr) == SQLITE_OK) {
      while (sqlite3_step(st) == SQLITE_ROW) {
        out[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))].insert(
            reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
      }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  std::string OpenFailure() override {
    sql::SqliteStoreOptions o;
    o.path = path_;
    auto s = sql::SqliteStore::Open(o, clock_);
    return s.ok() ? "" : s.status().message();
  }

 private:
  void Open() {
    sql::SqliteStoreOptions o;
    o.path = path_;
    auto s = sql::SqliteStore::Open(o, clock_);
    if (!s.ok()) throw std::runtime_error("open store: " + s.status().message());
    store_ = std::move(s).value();
  }

  std::string path_;
  std::unique_ptr<sql::SqliteStore> store_;
};

}  // namespace

std::unique_ptr<StoreHarness> MakeSqliteHarness() { return std::make_unique<SqliteHarness>(); }

}  // namespace cl::testing
