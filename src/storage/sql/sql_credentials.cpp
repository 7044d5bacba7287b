#include <fmt/format.h>

#include <sstream>

#include "storage/sql/columns.h"
#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

Blob AsBlob(const SecretHash& h) { return Blob{std::span(h.data(), h.size())}; }

std::string JoinScopes(const std::vector<Permission>& scopes) {
  std::string out;
  for (Permission p : scopes) {
    if (!out.empty()) out += ' ';
    out += PermissionName(p);
  }
  return out;
}

std::vector<Permission> SplitScopes(std::string_view text) {
  std::vector<Permission> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    if (auto p = ParsePermission(text.substr(start, end - start))) out.push_back(*p);
    start = end + 1;
  }
  return out;
}

std::optional<Timestamp> OptTime(const Row& r, int col) {
  if (r.IsNull(col)) return std::nullopt;
  return Timestamp{r.Int(col)};
}

Value OptTimeValue(const std::optional<Timestamp>& t) { return t ? Value(t->micros) : Value(Null{}); }

constexpr auto kToken = MakeColumns("id", "user_id", "name", "secret_hash", "scopes", "created_at", "created_by",
                                    "expires_at", "revoked_at", "last_used_at");

ApiToken ReadToken(const Row& r) {
  ApiToken t;
  t.id = r.String(kToken["id"]);
  t.user_id = r.String(kToken["user_id"]);
  t.name = r.String(kToken["name"]);
  ReadDigest(r, kToken["secret_hash"], t.secret_hash);
  t.scopes = SplitScopes(r.Text(kToken["scopes"]));
  t.created_at = Timestamp{r.Int(kToken["created_at"])};
  t.created_by = r.String(kToken["created_by"]);
  t.expires_at = Timestamp{r.Int(kToken["expires_at"])};
  t.revoked_at = OptTime(r, kToken["revoked_at"]);
  t.last_used_at = OptTime(r, kToken["last_used_at"]);
  return t;
}

constexpr auto kSession = MakeColumns("id", "secret_hash", "user_id", "csrf_token", "created_at", "expires_at",
                                      "last_seen_at", "revoked_at", "client_ip", "user_agent");

Session ReadSession(const Row& r) {
  Session s;
  s.id = r.String(kSession["id"]);
  ReadDigest(r, kSession["secret_hash"], s.secret_hash);
  s.user_id = r.String(kSession["user_id"]);
  s.csrf_token = r.String(kSession["csrf_token"]);
  s.created_at = Timestamp{r.Int(kSession["created_at"])};
  s.expires_at = Timestamp{r.Int(kSession["expires_at"])};
  s.last_seen_at = Timestamp{r.Int(kSession["last_seen_at"])};
  s.revoked_at = OptTime(r, kSession["revoked_at"]);
  s.client_ip = r.String(kSession["client_ip"]);
  s.user_agent = r.String(kSession["user_agent"]);
  return s;
}

}  // namespace

bool ReadDigest(const Row& row, int col, std::array<uint8_t, 32>& out) {
  const auto b = row.Blob(col);
  if (b.size() != out.size()) return false;
  std::copy(b.begin(), b.end(), out.begin());
  return true;
}

Status SqlTokenRepo::Insert(const ApiToken& t) {
  const std::string scopes = JoinScopes(t.scopes);
  return c_.Run(fmt::format("INSERT INTO api_tokens ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kToken.List()),
                {t.id, t.user_id, t.name, AsBlob(t.secret_hash), scopes, t.created_at.micros, t.created_by,
                 t.expires_at.micros, OptTimeValue(t.revoked_at), OptTimeValue(t.last_used_at)});
}

Result<std::optional<ApiToken>> SqlTokenRepo::FindById(std::string_view id) {
  std::optional<ApiToken> out;
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM api_tokens WHERE id = ?", kToken.List()), {id}, [&](const Row& r) {
        out = ReadToken(r);
        return false;
      }));
  return out;
}

Result<std::optional<ApiToken>> SqlTokenRepo::FindBySecretHash(const SecretHash& hash) {
  std::optional<ApiToken> out;
  CL_RETURN_IF_ERROR(c_.Query(fmt::format("SELECT {} FROM api_tokens WHERE secret_hash = ?", kToken.List()),
                              {AsBlob(hash)}, [&](const Row& r) {
                                out = ReadToken(r);
                                return false;
                              }));
  return out;
}

Result<std::vector<ApiToken>> SqlTokenRepo::List(std::string_view user_id) {
  std::vector<ApiToken> out;
  const auto add = [&](const Row& r) {
    out.push_back(ReadToken(r));
    return true;
  };
  if (user_id.empty()) {
    CL_RETURN_IF_ERROR(
        c_.Query(fmt::format("SELECT {} FROM api_tokens ORDER BY created_at DESC, id", kToken.List()), {}, add));
  } else {
    CL_RETURN_IF_ERROR(
        c_.Query(fmt::format("SELECT {} FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id", kToken.List()),
                 {user_id}, add));
  }
  return out;
}

Status SqlTokenRepo::Revoke(std::string_view id, Timestamp at) {
  return c_.Run("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", {at.micros, id});
}

Status SqlTokenRepo::RevokeAllOfUser(std::string_view user_id, Timestamp at) {
  return c_.Run("UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", {at.micros, user_id});
}

Status SqlTokenRepo::TouchLastUsed(std::string_view id, Timestamp at) {
  return c_.Run(
      "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR "
      "last_used_at < ?)",
      {at.micros, id, at.micros});
}

Status SqlSessionRepo::Insert(const Session& s) {
  return c_.Run(fmt::format("INSERT INTO sessions ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kSession.List()),
                {s.id, AsBlob(s.secret_hash), s.user_id, s.csrf_token, s.created_at.micros, s.expires_at.micros,
                 s.last_seen_at.micros, OptTimeValue(s.revoked_at), s.client_ip, s.user_agent});
}

Result<std::optional<Session>> SqlSessionRepo::FindBySecretHash(const SecretHash& hash) {
  std::optional<Session> out;
  CL_RETURN_IF_ERROR(c_.Query(fmt::format("SELECT {} FROM sessions WHERE secret_hash = ?", kSession.List()),
                              {AsBlob(hash)}, [&](const Row& r) {
                                out = ReadSession(r);
                                return false;
                              }));
  return out;
}

Status SqlSessionRepo::Touch(std::string_view id, Timestamp at) {
  return c_.Run("UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?", {at.micros, id, at.micros});
}

Status SqlSessionRepo::Revoke(std::string_view id, Timestamp at) {
  return c_.Run("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", {at.micros, id});
}

Status SqlSessionRepo::RevokeAllOfUser(std::string_view user_id, Timestamp at) {
  return c_.Run("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", {at.micros, user_id});
}

Result<int64_t> SqlSessionRepo::DeleteEnded(Timestamp before) {
  int64_t n = 0;
  CL_RETURN_IF_ERROR(c_.Run("DELETE FROM sessions WHERE expires_at < ? OR (revoked_at IS NOT NULL AND revoked_at < ?)",
                            {before.micros, before.micros}, &n));
  return n;
}

}  // namespace cl::sql
