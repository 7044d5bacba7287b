// Numbered schema migrations. Each backend has its own ordered list of SQL
// scripts (src/storage/migrations/<backend>/NNNN_name.sql, embedded into the
// binary at build time); applied versions are recorded in schema_version.
// Functions here take a connection that no other thread is using.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/sql/sql.h"

namespace cl::sql {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Generated from the .sql files (see CMakeLists.txt).
std::span<const Migration> SqliteMigrations();
std::span<const Migration> PostgresMigrations();

struct MigrationStatus {
  int current_version = 0;  // 0: empty database
  int latest_version = 0;   // newest this binary knows
  std::vector<std::string> pending;
};

// Whether the database holds a schema_version table (a Changeledger schema),
// without creating it.
Result<bool> HasSchemaVersionTable(Connection& conn);

Result<MigrationStatus> GetMigrationStatus(Connection& conn, std::span<const Migration> all);

// Applies every pending migration, each in its own transaction. Fails with a
// clear message if the database is newer than this binary.
Result<MigrationStatus> Migrate(Connection& conn, std::span<const Migration> all, int64_t now_micros);

// kConflict naming the `changeledger migrate` command unless the database is
// at the newest version this binary knows (`where` names it in the message).
Status RequireCurrentSchema(Connection& conn, std::span<const Migration> all, std::string_view where);

}  // namespace cl::sql
