#include "storage/sqlite/sqlite_backup.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "storage/sqlite/sqlite_connection.h"

namespace cl::sql {
namespace {

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, Closer>;

Result<Db> OpenDb(const std::string& path, int flags) {
  if ((flags & SQLITE_OPEN_CREATE) != 0) CL_RETURN_IF_ERROR(CreatePrivateDatabaseFile(path));
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return Unavailable(fmt::format("cannot open {}: {}", path, raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(raw, 10000);
  return db;
}

}  // namespace

namespace {

Status IntegrityCheck(sqlite3* db, const std::string& path) {
  std::string check;
  char* err = nullptr;
  const int rc = sqlite3_exec(
      db, "PRAGMA integrity_check",
      [](void* out, int, char** values, char**) {
        auto* s = static_cast<std::string*>(out);
        if (!s->empty()) *s += "; ";
        *s += values[0] ? values[0] : "";
        return 0;
      },
      &check, &err);
  const std::string why = err ? err : "";
  sqlite3_free(err);
  if (rc != SQLITE_OK) return Unavailable(fmt::format("checking {} failed: {}", path, why));
  if (check != "ok") return Status(ErrorCode::kDataLoss, fmt::format("{} fails integrity_check: {}", path, check));
  return Status::Ok();
}

// `path` opened without changing it; fails unless it is a SQLite database.
Result<std::unique_ptr<SqliteConnection>> OpenSource(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) return NotFound(fmt::format("no database at {}", path));
  CL_ASSIGN_OR_RETURN(SqliteOptions o, ReadOnlyOptionsFor(path));
  auto conn = SqliteConnection::Open(path, o);
  // Reading the schema proves `path` is a database before anything is written.
  if (!conn.ok() ||
      sqlite3_exec((*conn)->raw(), "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Status(ErrorCode::kInvalidDocument,
                  fmt::format("{} is not a SQLite database: {}", path,
                              conn.ok() ? sqlite3_errmsg((*conn)->raw()) : conn.status().message()));
  }
  return conn;
}

}  // namespace

Result<SqliteCopyStats> CopySqliteDatabase(const std::string& from, const std::string& to) {
  CL_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> src, OpenSource(from));
  CL_ASSIGN_OR_RETURN(Db dst, OpenDb(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  sqlite3_backup* b = sqlite3_backup_init(dst.get(), "main", src->raw(), "main");
  if (b == nullptr) return Unavailable(fmt::format("cannot write {}: {}", to, sqlite3_errmsg(dst.get())));
  // All pages in one step: one consistent snapshot of the source.
  const int step = sqlite3_backup_step(b, -1);
  SqliteCopyStats stats;
  stats.pages = sqlite3_backup_pagecount(b);
  const int finish = sqlite3_backup_finish(b);
  if (step != SQLITE_DONE || finish != SQLITE_OK) {
    return Unavailable(fmt::format("copying {} to {} failed: {}", from, to, sqlite3_errmsg(dst.get())));
  }
  CL_RETURN_IF_ERROR(IntegrityCheck(dst.get(), to));
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(dst.get(), "PRAGMA page_size", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    stats.bytes = stats.pages * sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return stats;
}

Status CheckSqliteIntegrity(const std::string& path) {
  CL_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db, OpenSource(path));
  return IntegrityCheck(db->raw(), path);
}

Status MakeSelfContained(const std::string& path) {
  CL_ASSIGN_OR_RETURN(Db db, OpenDb(path, SQLITE_OPEN_READWRITE));
  if (sqlite3_exec(db.get(), "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Unavailable(fmt::format("cannot finish {}: {}", path, sqlite3_errmsg(db.get())));
  }
  return Status::Ok();
}

}  // namespace cl::sql
