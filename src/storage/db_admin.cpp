#include "storage/db_admin.h"

#include <fmt/format.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <limits>

#include "platform/log.h"
#include "storage/db_lock.h"
#include "storage/migrations.h"
#include "storage/open_store.h"
#include "storage/postgres/pg_backup.h"
#include "storage/postgres/pg_connection.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_backup.h"
#include "storage/sqlite/sqlite_connection.h"
#include "storage/sqlite/sqlite_store.h"

namespace cl::sql {
namespace {

namespace fs = std::filesystem;

// The connection migrations run on, and the list that applies to it.
struct MigrationTarget {
  std::unique_ptr<Connection> conn;
  std::span<const Migration> all;
};

Result<MigrationTarget> OpenForMigration(const std::string& db, bool status_only) {
  if (IsPostgresUrl(db)) {
    CL_ASSIGN_OR_RETURN(auto conn, PgConnection::Open(db, RedactPostgresUrl(db)));
    return MigrationTarget{std::move(conn), PostgresMigrations()};
  }
  const std::string file = SqlitePathOf(db);
  if (status_only && !fs::exists(file)) return NotFound("no database at " + file);
  if (!status_only) {
    std::error_code ec;
    const auto parent = fs::path(file).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
  }
  CL_ASSIGN_OR_RETURN(auto conn, SqliteConnection::Open(file, {}));
  return MigrationTarget{std::move(conn), SqliteMigrations()};
}

// A sibling path for the copy in progress, renamed into place when checked.
std::string Partial(const std::string& path) { return fmt::format("{}.partial-{}", path, ::getpid()); }

bool LooksPartial(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  const size_t at = name.rfind(".partial-");
  return at != std::string::npos && at + 9 < name.size() && std::isdigit(static_cast<unsigned char>(name[at + 9]));
}

// Opens `path` without migrating or writing anything and verifies its audit
// chain against the keys it holds. Fails if the schema is not this binary's.
Result<CheckedCopy> Check(const std::string& path, int64_t bytes, const Clock& clock) {
  SqliteStoreOptions so;
  so.path = path;
  so.migrate = false;
  so.read_only = true;  // verification changes nothing in the file
  CL_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store, SqliteStore::Open(so, clock));
  CheckedCopy out;
  out.bytes = bytes;
  out.schema_version = LatestSchemaVersion();
  CL_RETURN_IF_ERROR(store->Read([&](Tx& tx) -> Status {
    out.audit = VerifyAuditLog(tx);
    return Status::Ok();
  }));
  return out;
}

CheckedCopy FromPg(const PgChecked& c) { return CheckedCopy{c.bytes, c.schema_version, c.audit}; }

// Copies `from` to `to`, then opens and checks the copy.
Result<CheckedCopy> CopyAndCheck(const std::string& from, const std::string& to, const Clock& clock) {
  CL_ASSIGN_OR_RETURN(SqliteCopyStats copy, CopySqliteDatabase(from, to));
  return Check(to, copy.bytes, clock);
}

// A backup file checked where it lies (read-only: its bytes stay as they
// are): integrity, schema, audit chain. A file an interrupted backup left
// is named as such.
Result<CheckedCopy> CheckInPlace(const std::string& path, const Clock& clock) {
  if (LooksPartial(path)) {
    return Status(ErrorCode::kInvalidDocument,
                  fmt::format("{} is the partial file of a backup that did not finish (backup writes "
                              "<file>.partial-<pid> and renames it when checked); use a finished backup",
                              path));
  }
  CL_RETURN_IF_ERROR(CheckSqliteIntegrity(path));
  std::error_code ec;
  const auto bytes = static_cast<int64_t>(fs::file_size(path, ec));
  return Check(path, ec ? 0 : bytes, clock);
}

void RemoveDb(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
}

// Removes what backups of `path` that were killed left behind (their
// process is gone); the partial files of a backup still running stay.
void RemoveStalePartials(const std::string& path) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = target.filename().string() + ".partial-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string_view rest = std::string_view(name).substr(prefix.size());
    int64_t pid = 0;
    const auto [end, err] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (err != std::errc() || end == rest.data() || pid <= 0 || pid > std::numeric_limits<pid_t>::max()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still running
    std::error_code rm;
    if (fs::remove(entry.path(), rm)) {
      log::Info("removed the partial file of an interrupted backup", {{"path", entry.path().string()}});
    }
  }
}

}  // namespace

bool IsPostgresDb(const std::string& db) { return IsPostgresUrl(db); }

int LatestSchemaVersion() { return SqliteMigrations().empty() ? 0 : SqliteMigrations().back().version; }

const char* SqliteLibraryVersion() { return sqlite3_libversion(); }

Result<SchemaReport> MigrateDb(const std::string& db, const MigrateOptions& o, Timestamp now) {
  if (!o.app_role.empty() && !IsPostgresUrl(db)) {
    return InvalidArgument("--app-role applies to PostgreSQL only (SQLite has no roles)");
  }
  CL_ASSIGN_OR_RETURN(MigrationTarget target, OpenForMigration(db, o.status_only));
  CL_ASSIGN_OR_RETURN(MigrationStatus before, GetMigrationStatus(*target.conn, target.all));
  MigrationStatus after = before;
  if (!o.status_only) {
    CL_ASSIGN_OR_RETURN(after, Migrate(*target.conn, target.all, now.micros));
    if (!o.app_role.empty()) CL_RETURN_IF_ERROR(PgStore::GrantAppRole(*target.conn, o.app_role));
  }
  return SchemaReport{before.current_version, after.current_version, after.latest_version, before.pending};
}

Result<CheckedCopy> BackUpDb(const std::string& db, const std::string& file, bool force, const Clock& clock) {
  if (fs::exists(file) && !force) {
    return Status(ErrorCode::kAlreadyExists, fmt::format("{} exists; pass --force to replace it", file));
  }
  RemoveStalePartials(file);
  const std::string partial = Partial(file);
  Result<CheckedCopy> done = CheckedCopy{};
  if (IsPostgresUrl(db)) {
    Result<PgChecked> pg = PgBackup(db, partial);
    done = pg.ok() ? Result<CheckedCopy>(FromPg(*pg)) : Result<CheckedCopy>(pg.status());
  } else {
    done = CopyAndCheck(SqlitePathOf(db), partial, clock);
    if (done.ok()) {
      if (Status s = MakeSelfContained(partial); !s.ok()) done = s;
    }
  }
  if (!done.ok()) {
    RemoveDb(partial);
    return done;
  }
  RemoveDb(file);
  std::error_code ec;
  fs::rename(partial, file, ec);
  RemoveDb(partial);
  if (ec) return Unavailable(fmt::format("cannot move the backup to {}: {}", file, ec.message()));
  return done;
}

Result<Restored> RestoreDb(const std::string& backup, const std::string& db, bool force, const Clock& clock) {
  if (IsPostgresUrl(db)) {
    CL_ASSIGN_OR_RETURN(PgChecked pg, PgRestore(db, backup, force));
    return Restored{FromPg(pg), true};
  }
  const std::string file = SqlitePathOf(db);
  if (fs::exists(file) && !force) {
    return Status(ErrorCode::kAlreadyExists,
                  fmt::format("{} exists; stop its servers and pass --force to replace it", file));
  }
  // The backup is checked where it lies, opened read-only: not a byte of it changes.
  Result<CheckedCopy> before = CheckInPlace(backup, clock);
  if (!before.ok()) {
    return Status(before.status().code(), fmt::format("{} cannot be restored: {}", backup, before.status().message()));
  }
  if (!before->audit.ok) {
    return Status(ErrorCode::kDataLoss, fmt::format("{} cannot be restored: its audit log fails verification: {}",
                                                    backup, before->audit.problem));
  }
  // Not under a running server, and no server starts meanwhile.
  CL_ASSIGN_OR_RETURN(DbUseLock exclusive, DbUseLock::Acquire(file, DbUseLock::Mode::kExclusive));
  // Through the destination's own pager: its WAL is replaced atomically.
  CL_ASSIGN_OR_RETURN(CheckedCopy after, CopyAndCheck(backup, file, clock));
  const bool same = after.audit.head_hash == before->audit.head_hash;
  return Restored{std::move(after), same};
}

}  // namespace cl::sql
