// `backup` and `restore` for PostgreSQL, through pg_dump and pg_restore and
// checked like the SQLite ones: the dump is taken on the very snapshot whose
// audit chain is verified (an exported snapshot), and a restore is verified
// before it reports success. The server may keep running during a backup.
#pragma once

#include <string>

#include "core/audit_verify.h"
#include "core/status.h"

namespace cl::sql {

struct PgChecked {
  int64_t bytes = 0;  // size of the dump file
  int64_t schema_version = 0;
  AuditVerifyResult audit;
};

// pg_dump --format=custom of `url` into `file`, and the audit chain verified
// on the same snapshot.
Result<PgChecked> PgBackup(const std::string& url, const std::string& file);

// pg_restore of `dump` into `url` (an empty database, or with `force` one
// whose contents are replaced), in one transaction; then verified.
Result<PgChecked> PgRestore(const std::string& url, const std::string& dump, bool force);

}  // namespace cl::sql
