// SqliteStore: the embedded default backend, a BatchedStore over one SQLite
// file: one write connection (BEGIN IMMEDIATE batches) and a pool of
// query-only connections reading WAL snapshots. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "storage/migrations.h"
#include "storage/sql/batched_store.h"
#include "storage/sqlite/sqlite_connection.h"

namespace cl::sql {

struct SqliteStoreOptions {
  std::string path;
  bool migrate = true;  // apply pending migrations on open
  // Read the file without changing a byte of it (verification of a
  // database or backup): no migration, no journal mode, no -wal/-shm left
  // beside a file no server has open. Writes fail.
  bool read_only = false;
  int max_readers = 16;  // read connections kept open
  int max_batch = 512;   // writes per group commit
  int busy_timeout_ms = 10000;
};

class SqliteStore final : public BatchedStore {
 public:
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options, const Clock& clock);
  ~SqliteStore() override;  // finishes queued writes, then closes

  std::string_view BackendName() const override { return "sqlite"; }

 protected:
  Result<std::unique_ptr<Connection>> OpenReader() override;
  Status BeginWrite(Connection& writer) override;
  std::string_view BeginRead() const override { return "BEGIN"; }

 private:
  SqliteStore(SqliteStoreOptions options, std::unique_ptr<SqliteConnection> writer);
  const SqliteStoreOptions options_;
};

}  // namespace cl::sql
