#include "storage/postgres/pg_connection.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <vector>

namespace cl::sql {
namespace {

// Type OIDs from pg_type.dat (stable across releases).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;

uint64_t Be64(const char* p) {
  uint64_t v = 0;
  std::memcpy(&v, p, 8);
  return be64toh(v);
}

// One row of a single-row-mode result, columns in binary format.
class PgRow final : public Row {
 public:
  explicit PgRow(const PGresult* r) : r_(r) {}
  bool IsNull(int c) const override { return PQgetisnull(r_, 0, c) != 0; }
  int64_t Int(int c) const override {
    if (IsNull(c)) return 0;
    const char* p = PQgetvalue(r_, 0, c);
    const int n = PQgetlength(r_, 0, c);
    switch (PQftype(r_, c)) {
      case kInt8Oid:
        return n == 8 ? static_cast<int64_t>(Be64(p)) : 0;
      case kInt4Oid: {
        uint32_t v = 0;
        if (n != 4) return 0;
        std::memcpy(&v, p, 4);
        return static_cast<int32_t>(ntohl(v));
      }
      case kInt2Oid: {
        uint16_t v = 0;
        if (n != 2) return 0;
        std::memcpy(&v, p, 2);
        return static_cast<int16_t>(ntohs(v));
      }
      case kBoolOid:
        return n == 1 && p[0] != 0 ? 1 : 0;
      default: {  // text holding a number
        int64_t v = 0;
        std::from_chars(p, p + n, v);
        return v;
      }
    }
  }
  std::string_view Text(int c) const override {
    if (IsNull(c)) return {};
    return {PQgetvalue(r_, 0, c), static_cast<size_t>(PQgetlength(r_, 0, c))};
  }
  std::span<const uint8_t> Blob(int c) const override {
    if (IsNull(c)) return {};
    return {reinterpret_cast<const uint8_t*>(PQgetvalue(r_, 0, c)), static_cast<size_t>(PQgetlength(r_, 0, c))};
  }

 private:
  const PGresult* r_;
};

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultFree>;

// '?' -> '$1', '$2', ... outside quoted strings and identifiers.
std::string Translate(std::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  char quote = 0;
  int n = 0;
  for (char ch : sql) {
    if (quote != 0) {
      if (ch == quote) quote = 0;
      out += ch;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      out += ch;
    } else if (ch == '?') {
      out += fmt::format("${}", ++n);
    } else {
      out += ch;
    }
  }
  *count = n;
  return out;
}

char TypeCode(const Value& v) {
  switch (v.index()) {
    case 0:
      return 'n';
    case 1:
      return 'i';
    case 2:
      return 't';
    default:
      return 'b';
  }
}

Oid TypeOid(char code) {
  switch (code) {
    case 'i':
      return kInt8Oid;
    case 't':
      return kTextOid;
    case 'b':
      return kByteaOid;
    default:
      return 0;  // NULL: let the server infer it from the context
  }
}

}  // namespace

bool IsPostgresUrl(std::string_view db) { return db.starts_with("postgres://") || db.starts_with("postgresql://"); }

std::string RedactPostgresUrl(std::string_view url) {
  std::string out(url);
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t at = out.find('@', start);
    const size_t slash = out.find('/', start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      const size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    const size_t v = p + 9;
    const size_t end = out.find_first_of("&; ", v);
    out.replace(v, (end == std::string::npos ? out.size() : end) - v, "***");
  }
  return out;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& conninfo, const std::string& label) {
  const char* keys[] = {"dbname", "fallback_application_name", "client_encoding", "connect_timeout", nullptr};
  const char* values[] = {conninfo.c_str(), "changeledger", "UTF8", "10", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Unavailable("cannot connect to " + label + ": out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQfinish(conn);
    return Unavailable(fmt::format("cannot connect to {}: {}", label, msg));
  }
  // Notices (e.g. "relation already exists, skipping") are not errors and
  // must not reach stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn, label));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::Healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

Status PgConnection::Reset() {
  stmts_.clear();
  PQreset(conn_);
  if (!Healthy()) {
    return Unavailable(fmt::format("cannot reconnect to {}: {}", label_, PQerrorMessage(conn_)));
  }
  return Status::Ok();
}

namespace {

Status ErrorOf(PGconn* conn, const PGresult* r, std::string_view what) {
  const char* primary = r != nullptr ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* detail = r != nullptr ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : nullptr;
  std::string msg = primary != nullptr ? primary : PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (detail != nullptr) msg += fmt::format(" ({})", detail);
  msg = fmt::format("{}: {}", what, msg);
  if (PQstatus(conn) != CONNECTION_OK) return Unavailable(msg);
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string_view s = state != nullptr ? state : "";
  // Errors a client may see (4xx) are in our words; the server's text stays
  // in 5xx errors, which reach only the log.
  if (s == "23505") return Status(ErrorCode::kAlreadyExists, ClientConflictMessage(true));
  if (s == "23503" || s == "P0001" || s == "40001" || s == "40P01") {
    // foreign key, a trigger's RAISE, serialization failure, deadlock
    return Status(ErrorCode::kConflict, ClientConflictMessage(false));
  }
  if (s == "22021" || s == "22P05") {  // bad UTF-8, NUL: refused before here (core/json_input.h)
    return Malformed("the request holds text the database cannot store (NUL or invalid UTF-8)");
  }
  if (s.starts_with("08") || s.starts_with("53") || s.starts_with("57") || s.starts_with("58") || s == "55P03") {
    return Unavailable(msg);
  }
  if (s == "XX001" || s == "XX002") return Status(ErrorCode::kDataLoss, msg);
  // Named by code, not by the server's words (lc_messages may be any language).
  if (s == "42501") return Internal(fmt::format("{} [{}]", msg, kInsufficientPrivilege));
  return Internal(msg);
}

bool Succeeded(const PGresult* r) {
  const ExecStatusType st = PQresultStatus(r);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_SINGLE_TUPLE;
}

}  // namespace

Status PgConnection::ExecScript(std::string_view sql) {
  const std::string text(sql);
  ResultPtr r(PQexec(conn_, text.c_str()));
  if (!r || !Succeeded(r.get())) return ErrorOf(conn_, r.get(), "sql");
  return Status::Ok();
}

Result<const PgConnection::Prepared*> PgConnection::Prepare(std::string_view sql, std::span<const Value> params) {
  key_.assign(sql);
  key_ += '\0';
  for (const Value& v : params) key_ += TypeCode(v);
  if (auto it = stmts_.find(key_); it != stmts_.end()) return it->second.get();
  auto p = std::make_unique<Prepared>();
  p->name = fmt::format("cl{}", stmts_.size() + 1);
  const std::string text = Translate(sql, &p->params);
  if (p->params != static_cast<int>(params.size())) {
    return Internal(fmt::format("statement has {} placeholders, {} values given: {}", p->params, params.size(), sql));
  }
  std::vector<Oid> types;
  types.reserve(params.size());
  for (const Value& v : params) types.push_back(TypeOid(TypeCode(v)));
  ResultPtr r(PQprepare(conn_, p->name.c_str(), text.c_str(), p->params, types.data()));
  if (!r || !Succeeded(r.get())) return ErrorOf(conn_, r.get(), fmt::format("prepare [{}]", sql));
  const Prepared* out = p.get();
  stmts_.emplace(key_, std::move(p));
  return out;
}

Status PgConnection::Send(const Prepared& p, std::span<const Value> params) {
  const size_t n = params.size();
  std::vector<const char*> values(n, nullptr);
  std::vector<int> lengths(n, 0);
  std::vector<int> formats(n, 1);
  std::vector<uint64_t> ints(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const Value& v = params[i];
    if (const auto* x = std::get_if<int64_t>(&v)) {
      ints[i] = htobe64(static_cast<uint64_t>(*x));
      values[i] = reinterpret_cast<const char*>(&ints[i]);
      lengths[i] = 8;
    } else if (const auto* t = std::get_if<std::string_view>(&v)) {
      values[i] = t->data() != nullptr ? t->data() : "";
      lengths[i] = static_cast<int>(t->size());
    } else if (const auto* b = std::get_if<Blob>(&v)) {
      values[i] = b->bytes.data() != nullptr ? reinterpret_cast<const char*>(b->bytes.data()) : "";
      lengths[i] = static_cast<int>(b->bytes.size());
    }
  }
  if (PQsendQueryPrepared(conn_, p.name.c_str(), static_cast<int>(n), values.data(), lengths.data(), formats.data(),
                          /*resultFormat=*/1) == 0) {
    return ErrorOf(conn_, nullptr, "send");
  }
  return Status::Ok();
}

Status PgConnection::Execute(std::string_view sql, std::span<const Value> params,
                             const std::function<bool(const Row&)>* on_row, int64_t* changed) {
  CL_ASSIGN_OR_RETURN(const Prepared* p, Prepare(sql, params));
  CL_RETURN_IF_ERROR(Send(*p, params));
  if (on_row != nullptr) PQsetSingleRowMode(conn_);
  Status out = Status::Ok();
  bool more = true;
  // Every result is read, even after the caller stops or an error, so the
  // connection is ready for the next statement.
  while (PGresult* raw = PQgetResult(conn_)) {
    ResultPtr r(raw);
    const ExecStatusType st = PQresultStatus(r.get());
    if (st == PGRES_SINGLE_TUPLE) {
      if (more && out.ok()) more = (*on_row)(PgRow(r.get()));
    } else if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
      if (changed != nullptr) {
        const char* n = PQcmdTuples(r.get());
        *changed = 0;
        std::from_chars(n, n + std::strlen(n), *changed);
      }
    } else if (out.ok()) {
      out = ErrorOf(conn_, r.get(), "statement");
    }
  }
  if (out.ok() && !Healthy()) out = ErrorOf(conn_, nullptr, "statement");
  return out;
}

Status PgConnection::RunV(std::string_view sql, std::span<const Value> params, int64_t* changed) {
  if (params.empty() && changed == nullptr) return ExecScript(sql);  // BEGIN, COMMIT, ...
  return Execute(sql, params, nullptr, changed);
}

Status PgConnection::QueryV(std::string_view sql, std::span<const Value> params,
                            const std::function<bool(const Row&)>& on_row) {
  return Execute(sql, params, &on_row, nullptr);
}

}  // namespace cl::sql
