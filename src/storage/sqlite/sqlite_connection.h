// One SQLite connection with a prepared-statement cache, configured for
// durability (WAL, synchronous=FULL, foreign keys on, busy timeout).
// Not thread-safe: one thread at a time (the store's pools enforce that).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "storage/sql/sql.h"

struct sqlite3;
struct sqlite3_stmt;

namespace cl::sql {

struct SqliteOptions {
  // Opens with mode=ro: nothing in the file changes, no journal mode is set.
  bool read_only = false;
  // With read_only: immutable=1, for a file no process writes (a backup):
  // SQLite takes no locks and creates no -shm/-wal beside it.
  bool immutable = false;
  int busy_timeout_ms = 10000;
  int cache_kib = 16 * 1024;
};

// How to open `path` without changing a byte of it: a file with a -wal
// beside it may be in use by a server (read through its WAL); any other file
// is read as it lies (immutable: no locks, no -shm/-wal created). A rollback
// journal beside it means a write was interrupted (an unfinished backup):
// kInvalidDocument saying so. kNotFound when there is no file.
Result<SqliteOptions> ReadOnlyOptionsFor(const std::string& path, SqliteOptions base = {});

// Creates `path` empty with mode 0600 unless it exists (SQLite takes an empty
// file as a new database and gives its -wal, -shm and -journal files the
// database file's mode, so none of them is readable by other users: the
// database holds webhook secrets). ":memory:" and URIs are left alone.
Status CreatePrivateDatabaseFile(const std::string& path);

class SqliteConnection final : public Connection {
 public:
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, const SqliteOptions& options);
  ~SqliteConnection() override;

  Dialect dialect() const override { return Dialect::kSqlite; }
  Status ExecScript(std::string_view sql) override;
  Status RunV(std::string_view sql, std::span<const Value> params, int64_t* changed = nullptr) override;
  Status QueryV(std::string_view sql, std::span<const Value> params,
                const std::function<bool(const Row&)>& on_row) override;

  sqlite3* raw() { return db_; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  Result<sqlite3_stmt*> Prepare(std::string_view sql);
  Status Bind(sqlite3_stmt* stmt, std::span<const Value> params);
  Status Error(int rc, std::string_view what) const;

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> stmts_;
};

}  // namespace cl::sql
