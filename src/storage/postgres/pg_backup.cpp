#include "storage/postgres/pg_backup.h"

#include <fmt/format.h>

#include <filesystem>

#include "platform/subprocess.h"
#include "storage/migrations.h"
#include "storage/postgres/pg_connection.h"
#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

namespace fs = std::filesystem;

Status RunTool(const std::vector<std::string>& argv) {
  const ProgramResult r = RunProgram(argv);
  if (!r.started) return Unavailable(r.err);
  if (r.exit_code != 0) {
    return Unavailable(fmt::format("{} failed (exit {}): {}", argv[0], r.exit_code, r.err));
  }
  return Status::Ok();
}

// Schema version and audit verification in the read-only transaction open
// on `conn`, which this ends; `file` is the dump whose size is reported.
Result<PgChecked> CheckAndEnd(sql::PgConnection& conn, const std::string& label, const std::string& file) {
  Result<PgChecked> out = PgChecked{};
  if (Status s = sql::RequireCurrentSchema(conn, sql::PostgresMigrations(), label); !s.ok()) {
    out = s;
  } else {
    out->schema_version = sql::PostgresMigrations().back().version;
    sql::SqlTx tx(conn);
    out->audit = VerifyAuditLog(tx);
    std::error_code ec;
    out->bytes = static_cast<int64_t>(fs::file_size(file, ec));
  }
  conn.ExecScript("COMMIT").IgnoreError();
  return out;
}

}  // namespace

Result<PgChecked> PgBackup(const std::string& url, const std::string& file) {
  const std::string label = sql::RedactPostgresUrl(url);
  CL_ASSIGN_OR_RETURN(auto conn, sql::PgConnection::Open(url, label));
  CL_RETURN_IF_ERROR(conn->ExecScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  std::string snapshot;
  CL_RETURN_IF_ERROR(conn->Query("SELECT pg_export_snapshot()", {}, [&](const sql::Row& r) {
    snapshot = r.String(0);
    return false;
  }));
  // pg_dump imports the snapshot while this transaction holds it open, so the
  // file and the verification below see exactly the same data.
  Status dumped =
      RunTool({"pg_dump", "--format=custom", "--snapshot=" + snapshot, "--file=" + file, "--dbname=" + url});
  if (!dumped.ok()) {
    conn->ExecScript("COMMIT").IgnoreError();
    return dumped;
  }
  return CheckAndEnd(*conn, label, file);
}

Result<PgChecked> PgRestore(const std::string& url, const std::string& dump, bool force) {
  const std::string label = sql::RedactPostgresUrl(url);
  if (!fs::is_regular_file(dump)) return NotFound("no dump file at " + dump);
  CL_ASSIGN_OR_RETURN(auto conn, sql::PgConnection::Open(url, label));
  CL_ASSIGN_OR_RETURN(bool has_schema, sql::HasSchemaVersionTable(*conn));
  if (has_schema && !force) {
    return Status(ErrorCode::kAlreadyExists,
                  fmt::format("{} already holds a Changeledger schema; restore into a new empty database "
                              "(createdb) or stop its servers and pass --force to replace its contents",
                              label));
  }
  if (has_schema) {
    // Servers keep caches of what they read: replacing the data under them is
    // refused, as SQLite's restore refuses a database a server holds.
    int64_t servers = 0;
    CL_RETURN_IF_ERROR(
        conn->Query("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND application_name = 'changeledger'",
                    {}, [&](const sql::Row& r) {
                      servers = r.Int(0);
                      return false;
                    }));
    if (servers > 0) {
      return Conflict(
          fmt::format("{} is in use by {} changeledger connection(s); stop its servers first", label, servers));
    }
  }
  std::vector<std::string> argv = {"pg_restore", "--exit-on-error", "--single-transaction", "--no-owner"};
  if (has_schema) argv.insert(argv.end(), {"--clean", "--if-exists"});
  argv.push_back("--dbname=" + url);
  argv.push_back(dump);
  CL_RETURN_IF_ERROR(RunTool(argv));
  CL_RETURN_IF_ERROR(conn->ExecScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  return CheckAndEnd(*conn, label, dump);
}

}  // namespace cl::sql
