#include "storage/open_store.h"

#include "storage/postgres/pg_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace cl::sql {

std::string SqlitePathOf(const std::string& db) {
  if (IsPostgresUrl(db)) return "";
  constexpr std::string_view kScheme = "sqlite://";
  if (std::string_view(db).starts_with(kScheme)) return db.substr(kScheme.size());
  return db;
}

std::string DescribeDb(const std::string& db) { return IsPostgresUrl(db) ? RedactPostgresUrl(db) : SqlitePathOf(db); }

Result<std::unique_ptr<Store>> OpenStore(const OpenStoreOptions& o, const Clock& clock) {
  if (IsPostgresUrl(o.db)) {
    PgStoreOptions po;
    po.url = o.db;
    po.migrate = o.migrate;
    if (o.pool_size > 0) po.max_readers = o.pool_size;
    CL_ASSIGN_OR_RETURN(std::unique_ptr<PgStore> s, PgStore::Open(po, clock));
    return std::unique_ptr<Store>(std::move(s));
  }
  SqliteStoreOptions so;
  so.path = SqlitePathOf(o.db);
  if (so.path.empty()) return InvalidArgument("--db names no database file");
  so.migrate = o.migrate;
  so.read_only = o.read_only;
  if (o.pool_size > 0) so.max_readers = o.pool_size;
  CL_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> s, SqliteStore::Open(so, clock));
  return std::unique_ptr<Store>(std::move(s));
}

}  // namespace cl::sql
