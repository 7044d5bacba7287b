// Opens the Store a --db value names: a libpq URL (postgres://...) opens
// PostgreSQL, anything else (a path, or sqlite:///path) an SQLite file.
// The one place that knows which backends exist.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/store.h"

namespace cl::sql {

struct OpenStoreOptions {
  std::string db;          // path, sqlite:///path or postgres://...
  bool migrate = true;     // apply pending migrations on open
  bool read_only = false;  // SQLite: change nothing in the file (verification)
  int pool_size = 0;       // read connections kept open; 0: the backend's default
};

Result<std::unique_ptr<Store>> OpenStore(const OpenStoreOptions& options, const Clock& clock);

// The SQLite file a --db value names ("sqlite:///var/x.db" -> "/var/x.db"),
// or "" for PostgreSQL.
std::string SqlitePathOf(const std::string& db);

// The --db value fit for messages and logs (no password).
std::string DescribeDb(const std::string& db);

}  // namespace cl::sql
