// Consistent copies of a SQLite database with SQLite's online backup API:
// the source may be in use by a running server (the copy is one snapshot;
// writers are not blocked in WAL mode), and the destination is written
// through its own pager, so an existing destination and its WAL are replaced
// atomically rather than overwritten file by file.
#pragma once

#include <string>

#include "core/status.h"

namespace cl::sql {

struct SqliteCopyStats {
  int64_t pages = 0;
  int64_t bytes = 0;
};

// Copies the database at `from` into `to` (created if missing) and checks the
// copy with PRAGMA integrity_check. `from` must exist and be a database; it
// is opened read-only and is not changed.
Result<SqliteCopyStats> CopySqliteDatabase(const std::string& from, const std::string& to);

// PRAGMA integrity_check on `path`, opened without changing it (a backup is
// checked where it lies: no copy, no -wal or -shm left beside it).
Status CheckSqliteIntegrity(const std::string& path);

// Switches `path` to a rollback journal so the file stands alone (no -wal or
// -shm beside it, opens read-only anywhere): for backup files.
Status MakeSelfContained(const std::string& path);

}  // namespace cl::sql
