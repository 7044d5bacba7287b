#include "storage/postgres/pg_store.h"

#include <fmt/format.h>

#include "storage/migrations.h"

namespace cl::sql {
namespace {

// pg_advisory_xact_lock key of the write order ("cl_write" in ASCII).
constexpr std::string_view kBeginWrite = "BEGIN; SELECT pg_advisory_xact_lock(7164771278364717157)";

// Tables the serving role may never rewrite.
constexpr std::string_view kAppendOnly[] = {"audit_events", "audit_checkpoints", "audit_keys"};

bool IsPlainIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<PgStore>> PgStore::Open(const PgStoreOptions& options, const Clock& clock) {
  const std::string label = RedactPostgresUrl(options.url);
  CL_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> writer, PgConnection::Open(options.url, label));
  if (options.migrate) {
    Status s = Migrate(*writer, PostgresMigrations(), clock.Now().micros).status();
    if (!s.ok() && s.message().find(kInsufficientPrivilege) != std::string::npos) {
      // The serving role is not the schema owner (as it should be).
      return Status(ErrorCode::kConflict,
                    fmt::format("{}: the schema of {} is not current and this role may not change "
                                "it; run `changeledger migrate --db <owner URL> --app-role <this "
                                "role>` as the schema owner",
                                s.message(), label));
    }
    CL_RETURN_IF_ERROR(s);
  } else {
    CL_RETURN_IF_ERROR(RequireCurrentSchema(*writer, PostgresMigrations(), label));
  }
  return std::unique_ptr<PgStore>(new PgStore(options, std::move(writer)));
}

PgStore::PgStore(PgStoreOptions options, std::unique_ptr<PgConnection> writer)
    : BatchedStore(std::move(writer), options.max_batch, options.max_readers),
      options_(std::move(options)),
      label_(RedactPostgresUrl(options_.url)) {
  StartWriter();
}

PgStore::~PgStore() { StopWriter(); }

Status PgStore::BeginWrite(Connection& writer) {
  auto& pg = static_cast<PgConnection&>(writer);
  if (!pg.Healthy()) CL_RETURN_IF_ERROR(pg.Reset());
  Status s = pg.ExecScript(kBeginWrite);
  if (!s.ok()) pg.ExecScript("ROLLBACK").IgnoreError();
  return s;
}

Result<std::unique_ptr<Connection>> PgStore::OpenReader() {
  CL_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Open(options_.url, label_));
  return std::unique_ptr<Connection>(std::move(conn));
}

Status PgStore::GrantAppRole(Connection& owner, std::string_view role) {
  if (!IsPlainIdentifier(role)) {
    return InvalidArgument(fmt::format("app role '{}' must be a plain PostgreSQL identifier (a-z, 0-9, _)", role));
  }
  std::string sql = fmt::format(
      "BEGIN;"
      "GRANT USAGE ON SCHEMA public TO {0};"
      "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {0};"
      "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {0};"
      "REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM {0};"
      "REVOKE INSERT, UPDATE, DELETE ON schema_version FROM {0};",
      role);
  for (std::string_view t : kAppendOnly) sql += fmt::format("REVOKE UPDATE, DELETE ON {} FROM {};", t, role);
  sql += "COMMIT";
  Status s = owner.ExecScript(sql);
  if (!s.ok()) owner.ExecScript("ROLLBACK").IgnoreError();
  return s;
}

}  // namespace cl::sql
