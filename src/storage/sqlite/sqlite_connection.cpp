#include "storage/sqlite/sqlite_connection.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>

namespace cl::sql {
namespace {

class SqliteRow final : public Row {
 public:
  explicit SqliteRow(sqlite3_stmt* s) : s_(s) {}
  bool IsNull(int c) const override { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  int64_t Int(int c) const override { return sqlite3_column_int64(s_, c); }
  std::string_view Text(int c) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, c))) : std::string_view();
  }
  std::span<const uint8_t> Blob(int c) const override {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(s_, c));
    return p ? std::span(p, static_cast<size_t>(sqlite3_column_bytes(s_, c))) : std::span<const uint8_t>();
  }

 private:
  sqlite3_stmt* s_;
};

// Resets a cached statement however the call ends.
struct StmtReset {
  sqlite3_stmt* s;
  ~StmtReset() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

bool Exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

}  // namespace

Result<SqliteOptions> ReadOnlyOptionsFor(const std::string& path, SqliteOptions o) {
  if (!std::filesystem::is_regular_file(path)) return NotFound(fmt::format("no database at {}", path));
  if (Exists(path + "-journal")) {
    return Status(ErrorCode::kInvalidDocument,
                  fmt::format("{} has a rollback journal beside it ({}-journal): a write to it was interrupted, "
                              "so it is not a finished database or backup; if it was a backup in progress, "
                              "delete both and back up again",
                              path, path));
  }
  o.read_only = true;
  o.immutable = !Exists(path + "-wal");
  return o;
}

Status CreatePrivateDatabaseFile(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return Status::Ok();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return Status::Ok();
  }
  if (errno == EEXIST) return Status::Ok();
  return Unavailable(fmt::format("cannot create database {}: {}", path, std::strerror(errno)));
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                 const SqliteOptions& options) {
  if (!options.read_only) CL_RETURN_IF_ERROR(CreatePrivateDatabaseFile(path));
  sqlite3* db = nullptr;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  std::string name = path;
  if (options.read_only) {
    // A URI, so the mode cannot be overridden by the path: escape what URIs reserve.
    name = "file:";
    for (char c : path) {
      if (c == '%' || c == '?' || c == '#') {
        name += fmt::format("%{:02x}", static_cast<unsigned char>(c));
      } else {
        name += c;
      }
    }
    name += options.immutable ? "?mode=ro&immutable=1" : "?mode=ro";
  }
  const int rc = sqlite3_open_v2(name.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Unavailable(fmt::format("cannot open database {}: {}", path, msg));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  std::string pragmas = fmt::format(
      "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -{}; "
      "PRAGMA temp_store = MEMORY;",
      options.cache_kib);
  if (!options.read_only) pragmas += "PRAGMA journal_mode = WAL;";
  CL_RETURN_IF_ERROR(conn->ExecScript(pragmas));
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status SqliteConnection::Error(int rc, std::string_view what) const {
  const std::string msg = fmt::format("{}: {}", what, sqlite3_errmsg(db_));
  switch (rc) {
    // Errors a client may see (4xx) are in our words; the database's text
    // stays in 5xx errors, which reach only the log.
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Status(ErrorCode::kAlreadyExists, ClientConflictMessage(true));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
    case SQLITE_CONSTRAINT_TRIGGER:
      return Status(ErrorCode::kConflict, ClientConflictMessage(false));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return Unavailable(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status(ErrorCode::kDataLoss, msg);
    default:
      if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_IOERR) return Unavailable(msg);
      return Internal(msg);
  }
}

Status SqliteConnection::ExecScript(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status s = Error(rc, "sql");
    return Status(s.code(), msg);
  }
  return Status::Ok();
}

Result<sqlite3_stmt*> SqliteConnection::Prepare(std::string_view sql) {
  if (auto it = stmts_.find(sql); it != stmts_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, fmt::format("prepare [{}]", sql));
  stmts_.emplace(std::string(sql), stmt);
  return stmt;
}

Status SqliteConnection::Bind(sqlite3_stmt* stmt, std::span<const Value> params) {
  int i = 1;
  for (const Value& v : params) {
    int rc = SQLITE_OK;
    if (std::holds_alternative<Null>(v)) {
      rc = sqlite3_bind_null(stmt, i);
    } else if (const auto* n = std::get_if<int64_t>(&v)) {
      rc = sqlite3_bind_int64(stmt, i, *n);
    } else if (const auto* t = std::get_if<std::string_view>(&v)) {
      rc = sqlite3_bind_text64(stmt, i, t->data(), t->size(), SQLITE_STATIC, SQLITE_UTF8);
    } else if (const auto* b = std::get_if<Blob>(&v)) {
      rc = sqlite3_bind_blob64(stmt, i, b->bytes.data(), b->bytes.size(), SQLITE_STATIC);
    }
    if (rc != SQLITE_OK) return Error(rc, "bind");
    ++i;
  }
  return Status::Ok();
}

Status SqliteConnection::RunV(std::string_view sql, std::span<const Value> params, int64_t* changed) {
  CL_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
  StmtReset reset{stmt};
  CL_RETURN_IF_ERROR(Bind(stmt, params));
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {}
  if (rc != SQLITE_DONE) return Error(rc, "step");
  if (changed) *changed = sqlite3_changes64(db_);
  return Status::Ok();
}

Status SqliteConnection::QueryV(std::string_view sql, std::span<const Value> params,
                                const std::function<bool(const Row&)>& on_row) {
  CL_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
  StmtReset reset{stmt};
  CL_RETURN_IF_ERROR(Bind(stmt, params));
  SqliteRow row(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (!on_row(row)) return Status::Ok();
  }
  if (rc != SQLITE_DONE) return Error(rc, "step");
  return Status::Ok();
}

}  // namespace cl::sql
