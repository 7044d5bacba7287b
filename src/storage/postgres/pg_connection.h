// One PostgreSQL connection (libpq) behind sql::Connection: '?' placeholders
// become $n, statements are prepared once per connection, parameters and
// results travel in binary (no text escaping, no truncation at NUL), rows
// stream one at a time. Not thread-safe: one thread at a time (the store's
// pools enforce that).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/sql/sql.h"

struct pg_conn;

namespace cl::sql {

// Marks an error whose SQLSTATE is 42501 (insufficient_privilege), e.g. the
// app role asked to change the schema: callers test for it, not for wording.
inline constexpr std::string_view kInsufficientPrivilege = "SQLSTATE 42501 insufficient_privilege";

class PgConnection final : public Connection {
 public:
  // `conninfo` is a libpq URI or key=value string; `label` names the database
  // in messages (the URI without its password).
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& conninfo, const std::string& label);
  ~PgConnection() override;

  Dialect dialect() const override { return Dialect::kPostgres; }
  Status ExecScript(std::string_view sql) override;
  Status RunV(std::string_view sql, std::span<const Value> params, int64_t* changed = nullptr) override;
  Status QueryV(std::string_view sql, std::span<const Value> params,
                const std::function<bool(const Row&)>& on_row) override;

  // False once the server connection is lost; Reset() reconnects (prepared
  // statements are gone with the old session).
  bool Healthy() const;
  Status Reset();

 private:
  PgConnection(pg_conn* conn, std::string label) : conn_(conn), label_(std::move(label)) {}
  struct Prepared {
    std::string name;
    int params = 0;
  };
  Result<const Prepared*> Prepare(std::string_view sql, std::span<const Value> params);
  Status Send(const Prepared& p, std::span<const Value> params);
  Status Execute(std::string_view sql, std::span<const Value> params, const std::function<bool(const Row&)>* on_row,
                 int64_t* changed);

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  pg_conn* conn_;
  std::string label_;
  std::unordered_map<std::string, std::unique_ptr<Prepared>, Hash, std::equal_to<>> stmts_;
  std::string key_;  // scratch: sql + parameter types
};

// "postgres://" or "postgresql://" (a libpq URI).
bool IsPostgresUrl(std::string_view db);
// The URI with any password replaced by "***" (for messages and logs).
std::string RedactPostgresUrl(std::string_view url);

}  // namespace cl::sql
