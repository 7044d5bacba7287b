#include "storage/sqlite/sqlite_store.h"

#include <fmt/format.h>

namespace cl::sql {

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options, const Clock& clock) {
  SqliteOptions conn_opts;
  conn_opts.busy_timeout_ms = options.busy_timeout_ms;
  if (options.read_only) {
    if (options.migrate) return InvalidArgument("a read-only database cannot be migrated");
    CL_ASSIGN_OR_RETURN(conn_opts, ReadOnlyOptionsFor(options.path, conn_opts));
  }
  CL_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> writer, SqliteConnection::Open(options.path, conn_opts));
  if (options.migrate) {
    CL_RETURN_IF_ERROR(Migrate(*writer, SqliteMigrations(), clock.Now().micros).status());
  } else {
    CL_RETURN_IF_ERROR(RequireCurrentSchema(*writer, SqliteMigrations(), options.path));
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(options, std::move(writer)));
}

SqliteStore::SqliteStore(SqliteStoreOptions options, std::unique_ptr<SqliteConnection> writer)
    : BatchedStore(std::move(writer), options.max_batch, options.max_readers), options_(std::move(options)) {
  StartWriter();
}

SqliteStore::~SqliteStore() { StopWriter(); }

Status SqliteStore::BeginWrite(Connection& writer) { return writer.Run("BEGIN IMMEDIATE", {}); }

Result<std::unique_ptr<Connection>> SqliteStore::OpenReader() {
  SqliteOptions o;
  o.busy_timeout_ms = options_.busy_timeout_ms;
  o.cache_kib = 4 * 1024;
  if (options_.read_only) {
    CL_ASSIGN_OR_RETURN(o, ReadOnlyOptionsFor(options_.path, o));
  }
  CL_ASSIGN_OR_RETURN(auto conn, SqliteConnection::Open(options_.path, o));
  CL_RETURN_IF_ERROR(conn->ExecScript("PRAGMA query_only = ON"));
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace cl::sql
