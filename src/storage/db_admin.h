// Whole-database operations the CLI runs on a --db value: create or upgrade
// the schema, back up, restore. Like open_store.h they pick the backend from
// the value itself, so nothing above storage/ names a backend, a connection
// or a migration list.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/audit_verify.h"
#include "core/clock.h"
#include "core/status.h"

namespace cl::sql {

// Whether a --db value names PostgreSQL (a libpq URL) rather than SQLite.
bool IsPostgresDb(const std::string& db);

// The newest schema version this binary knows, and the SQLite library in use.
int LatestSchemaVersion();
const char* SqliteLibraryVersion();

struct SchemaReport {
  int version_before = 0;  // 0: an empty database
  int version_after = 0;
  int latest = 0;                    // newest this binary knows
  std::vector<std::string> pending;  // before: what was (or would be) applied
};

struct MigrateOptions {
  bool status_only = false;  // report, change nothing (fails on a missing SQLite file)
  // PostgreSQL: grant this role what `serve` needs (no UPDATE/DELETE on the
  // audit tables); refused for SQLite, which has no roles.
  std::string app_role;
};

// Applies every pending migration (each in its own transaction), creating an
// SQLite file and its directory when missing.
Result<SchemaReport> MigrateDb(const std::string& db, const MigrateOptions& options, Timestamp now);

// A database copy as checked after writing or before restoring: size,
// schema and the audit chain verified against the keys it holds.
struct CheckedCopy {
  int64_t bytes = 0;
  int64_t schema_version = 0;
  AuditVerifyResult audit;
};

// A consistent online copy of `db` in `file` (SQLite: page by page through
// <file>.partial-<pid>, renamed into place when checked, and made
// self-contained; PostgreSQL: pg_dump on the snapshot that is verified). The
// servers may keep running. `force` replaces an existing file.
Result<CheckedCopy> BackUpDb(const std::string& db, const std::string& file, bool force, const Clock& clock);

struct Restored {
  CheckedCopy copy;  // the restored database, verified again
  // Whether the restored log ends where the backup's did (SQLite; a
  // PostgreSQL restore is checked by its own verification).
  bool matches_backup = true;
};

// Restores a backup into `db`. The backup is verified first (integrity,
// schema, audit chain; read-only, not a byte of it changes) and refused if it
// fails; SQLite refuses a database a server holds open; `force` replaces an
// existing database.
Result<Restored> RestoreDb(const std::string& backup, const std::string& db, bool force, const Clock& clock);

}  // namespace cl::sql
