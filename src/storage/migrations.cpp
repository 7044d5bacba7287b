#include "storage/migrations.h"

#include <fmt/format.h>

namespace cl::sql {
namespace {

constexpr std::string_view kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT "
    "NULL, applied_at INTEGER NOT NULL)";

Result<int> CurrentVersion(Connection& conn) {
  CL_RETURN_IF_ERROR(conn.ExecScript(kCreateVersionTable));
  int version = 0;
  CL_RETURN_IF_ERROR(conn.Query("SELECT COALESCE(MAX(version), 0) FROM schema_version", {},
                                [&](const Row& r) {
                                  version = static_cast<int>(r.Int(0));
                                  return false;
                                }));
  return version;
}

}  // namespace

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

Result<MigrationStatus> Migrate(Connection& conn, std::span<const Migration> all,
                                int64_t now_micros) {
  CL_ASSIGN_OR_RETURN(MigrationStatus st, GetMigrationStatus(conn, all));
  if (st.current_version > st.latest_version) {
    return Status(ErrorCode::kConflict,
                  fmt::format("the database schema is version {}, newer than this binary "
                              "supports ({}); upgrade changeledger",
                              st.current_version, st.latest_version));
  }
  const std::string_view begin =
      conn.dialect() == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN";
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
      return Status(s.code(), fmt::format("migration {:04d}_{} failed: {}", m.version, m.name,
                                          s.message()));
    }
  }
  return GetMigrationStatus(conn, all);
}

}  // namespace cl::sql
