// Operations on a database's audit log that the CLI runs with --db (the
// server does not run meanwhile, or need not): writing a sealed export and
// rotating the signing key. Each opens the database itself.
#pragma once

#include <optional>
#include <string>

#include "core/audit_checkpoint.h"
#include "core/status.h"
#include "server/audit_export.h"

namespace cl {

// Exports from the database and seals the export with the server's key file
// (read, never created): it must be a key the log registers and has not retired.
Result<std::optional<AuditExportSeal>> ExportFromDb(const std::string& db, const std::string& key_file,
                                                    AuditExportWriter& w);

// Replaces the signing key of `db`: the new
// key is registered endorsed by the old, signs the head at once, and takes
// the old key's file name; the old file is kept beside it, retired.
struct Rotation {
  std::string old_id, new_id, retired_path;
  int64_t seq = 0;
};

Result<Rotation> RotateSigningKey(const std::string& db, const std::string& signing_key);

}  // namespace cl
