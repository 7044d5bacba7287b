// PgStore: PostgreSQL behind the same BatchedStore as SQLite, for several
// stateless servers on one database. Writes of every process are one total
// order: each batch's transaction first takes one transaction-scoped
// advisory lock, so the audit chain never forks and CHG numbers never
// collide; reads run on a pool in REPEATABLE READ READ ONLY snapshots and
// never wait for writers. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "storage/postgres/pg_connection.h"
#include "storage/sql/batched_store.h"

namespace cl::sql {

struct PgStoreOptions {
  std::string url;      // postgres://user[:password]@host[:port]/db?...
  bool migrate = true;  // apply pending migrations on open (needs the owner role)
  int max_readers = 8;  // read connections kept open
  // Writes per group commit. Below 64: each job's savepoint takes a
  // subtransaction id, and past 64 in one transaction PostgreSQL's snapshots
  // of every session overflow their subtransaction cache and slow down.
  int max_batch = 60;
};

class PgStore final : public BatchedStore {
 public:
  static Result<std::unique_ptr<PgStore>> Open(const PgStoreOptions& options, const Clock& clock);
  ~PgStore() override;

  std::string_view BackendName() const override { return "postgres"; }

  // Grants `role` what `serve` needs on every table: SELECT and INSERT
  // everywhere, UPDATE and DELETE except on the append-only audit tables,
  // TRUNCATE nowhere. Idempotent; run by `migrate --app-role` as the owner.
  static Status GrantAppRole(Connection& owner, std::string_view role);

 protected:
  Result<std::unique_ptr<Connection>> OpenReader() override;
  Status BeginWrite(Connection& writer) override;
  std::string_view BeginRead() const override { return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"; }

 private:
  PgStore(PgStoreOptions options, std::unique_ptr<PgConnection> writer);
  const PgStoreOptions options_;
  const std::string label_;
};

}  // namespace cl::sql
