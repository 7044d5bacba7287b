#include "storage/migrations.h"

#include <fmt/format.h>

namespace cl::sql {
namespace {

constexpr std::string_view kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT "
    "NULL, applied_at INTEGER NOT NULL)";
constexpr std::string_view kCreatePgVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, name TEXT NOT "
    "NULL, applied_at BIGINT NOT NULL)";
// Session advisory lock key that serializes migrations of several servers
// starting at once on one PostgreSQL database ("cl_migr").
constexpr std::string_view kPgLockMigrations = "SELECT pg_advisory_lock(27981826391140722)";
constexpr std::string_view kPgUnlockMigrations = "SELECT pg_advisory_unlock(27981826391140722)";

Status EnsureVersionTable(Connection& conn) {
  if (conn.dialect() == Dialect::kSqlite) return conn.ExecScript(kCreateVersionTable);
  // Look first: the serving role may not create tables, and PostgreSQL checks
  // that right before IF NOT EXISTS.
  CL_ASSIGN_OR_RETURN(bool exists, HasSchemaVersionTable(conn));
  return exists ? Status::Ok() : conn.ExecScript(kCreatePgVersionTable);
}

Result<int> CurrentVersion(Connection& conn) {
  CL_RETURN_IF_ERROR(EnsureVersionTable(conn));
  int version = 0;
  CL_RETURN_IF_ERROR(conn.Query("SELECT COALESCE(MAX(version), 0) FROM schema_version", {}, [&](const Row& r) {
    version = static_cast<int>(r.Int(0));
    return false;
  }));
  return version;
}

}  // namespace

Result<bool> HasSchemaVersionTable(Connection& conn) {
  const std::string_view sql = conn.dialect() == Dialect::kSqlite
                                   ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                                     "name = 'schema_version'"
                                   : "SELECT to_regclass('schema_version') IS NOT NULL";
  bool exists = false;
  CL_RETURN_IF_ERROR(conn.Query(sql, {}, [&](const Row& r) {
    exists = r.Int(0) != 0;
    return false;
  }));
  return exists;
}

Result<MigrationStatus> GetMigrationStatus(Connection& conn, std::span<const Migration> all) {
  MigrationStatus st;
  CL_ASSIGN_OR_RETURN(st.current_version, CurrentVersion(conn));
  st.latest_version = all.empty() ? 0 : all.back().version;
  for (const Migration& m : all) {
    if (m.version > st.current_version) {
      st.pending.push_back(fmt::format("{:04d}_{}", m.version, m.name));
    }
  }
  return st;
}

static Result<MigrationStatus> MigrateLocked(Connection& conn, std::span<const Migration> all, int64_t now_micros) {
  CL_ASSIGN_OR_RETURN(MigrationStatus st, GetMigrationStatus(conn, all));
  if (st.current_version > st.latest_version) {
    return Status(ErrorCode::kConflict, fmt::format("the database schema is version {}, newer than this binary "
                                                    "supports ({}); upgrade changeledger",
                                                    st.current_version, st.latest_version));
  }
  const std::string_view begin = conn.dialect() == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN";
  for (const Migration& m : all) {
    if (m.version <= st.current_version) continue;
    CL_RETURN_IF_ERROR(conn.ExecScript(begin));
    // Re-check under the write lock: another process may have migrated.
    auto again = CurrentVersion(conn);
    Status s = again.ok() ? Status::Ok() : again.status();
    if (s.ok() && *again >= m.version) {
      CL_RETURN_IF_ERROR(conn.ExecScript("COMMIT"));
      continue;
    }
    if (s.ok()) s = conn.ExecScript(m.sql);
    if (s.ok()) {
      s = conn.Run("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                   {int64_t{m.version}, m.name, now_micros});
    }
    if (s.ok()) s = conn.ExecScript("COMMIT");
    if (!s.ok()) {
      conn.ExecScript("ROLLBACK").IgnoreError();
      return Status(s.code(), fmt::format("migration {:04d}_{} failed: {}", m.version, m.name, s.message()));
    }
  }
  return GetMigrationStatus(conn, all);
}

Result<MigrationStatus> Migrate(Connection& conn, std::span<const Migration> all, int64_t now_micros) {
  if (conn.dialect() == Dialect::kSqlite) return MigrateLocked(conn, all, now_micros);
  CL_RETURN_IF_ERROR(conn.ExecScript(kPgLockMigrations));
  Result<MigrationStatus> out = MigrateLocked(conn, all, now_micros);
  conn.ExecScript(kPgUnlockMigrations).IgnoreError();
  return out;
}

Status RequireCurrentSchema(Connection& conn, std::span<const Migration> all, std::string_view where) {
  CL_ASSIGN_OR_RETURN(MigrationStatus st, GetMigrationStatus(conn, all));
  if (st.current_version == st.latest_version) return Status::Ok();
  return Status(ErrorCode::kConflict, fmt::format("database {} is at schema version {}, this binary needs {}; run "
                                                  "`changeledger migrate --db {}`",
                                                  where, st.current_version, st.latest_version, where));
}

}  // namespace cl::sql
