#include "http/resources/representations.h"

#include <fmt/format.h>

#include <charconv>

#include "core/change.h"
#include "core/users.h"

namespace cl::http {
Schema TimeSchema(std::string description) { return Schema::String(std::move(description)).Format("date-time"); }

Response VersionedJsonResponse(int status, const nlohmann::json& body, int64_t version) {
  Response r = JsonResponse(status, body);
  r.With("ETag", fmt::format("\"{}\"", version));
  return r;
}

std::string_view IfMatchTag(const Request& req) {
  std::string_view v = req.Header("If-Match");
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return v;
}

Result<std::optional<int64_t>> IfMatchVersion(const Request& req, std::string_view what) {
  std::string_view v = IfMatchTag(req);
  if (v.empty()) return std::optional<int64_t>();
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size()) {
    return Malformed(fmt::format("If-Match must be {} as returned in its ETag", what));
  }
  return std::optional<int64_t>(n);
}

std::vector<std::string> RoleNames() {
  std::vector<std::string> out;
  for (Role r : kAllRoles) out.emplace_back(RoleName(r));
  return out;
}

std::vector<std::string> PermissionNameList() {
  std::vector<std::string> out;
  for (Permission p : AllPermissions()) out.emplace_back(PermissionName(p));
  return out;
}

nlohmann::json UserJson(const User& u) {
  nlohmann::json j = UserState(u);
  j["created_at"] = FormatRfc3339(u.created_at);
  j["updated_at"] = FormatRfc3339(u.updated_at);
  j["disabled_at"] = TimeOrNull(u.disabled_at);
  return j;
}

Schema UserSchema() {
  return Schema::Object("A user account. Secrets are never returned.")
      .Field("id", Schema::String("Opaque identifier."), true)
      .Field("username", Schema::String("Lower-case login name, unique."), true)
      .Field("display_name", Schema::String(), true)
      .Field("email", Schema::String(), true)
      .Field("kind", Schema::String("human (password login) or service (API tokens only).").Enum({"human", "service"}),
             true)
      .Field("roles", Schema::Array(Schema::String().Enum(RoleNames())), true)
      .Field("disabled", Schema::Boolean(), true)
      .Field("must_change_password", Schema::Boolean("The one-time password is still in use."), true)
      .Field("version", Schema::Integer("Bumped on every change; send as If-Match."), true)
      .Field("created_at", TimeSchema(""), true)
      .Field("updated_at", TimeSchema(""), true)
      .Field("disabled_at", TimeSchema("").Nullable(), true);
}

nlohmann::json TokenJson(const ApiToken& t, Timestamp now) {
  nlohmann::json scopes = nlohmann::json::array();
  for (Permission p : t.scopes) scopes.push_back(PermissionName(p));
  const char* status = t.revoked_at ? "revoked" : (now >= t.expires_at ? "expired" : "active");
  return {{"id", t.id},
          {"name", t.name},
          {"user_id", t.user_id},
          {"scopes", scopes},
          {"status", status},
          {"created_at", FormatRfc3339(t.created_at)},
          {"created_by", t.created_by},
          {"expires_at", FormatRfc3339(t.expires_at)},
          {"revoked_at", TimeOrNull(t.revoked_at)},
          {"last_used_at", TimeOrNull(t.last_used_at)}};
}

Schema TokenSchema() {
  return Schema::Object("An API token. The secret is shown only once, when it is created.")
      .Field("id", Schema::String(), true)
      .Field("name", Schema::String("What the token is for."), true)
      .Field("user_id", Schema::String("The owner; the token acts as this user."), true)
      .Field("scopes", Schema::Array(Schema::String().Enum(PermissionNameList())), true)
      .Field("status", Schema::String().Enum({"active", "expired", "revoked"}), true)
      .Field("created_at", TimeSchema(""), true)
      .Field("created_by", Schema::String("User id of the issuer."), true)
      .Field("expires_at", TimeSchema(""), true)
      .Field("revoked_at", TimeSchema("").Nullable(), true)
      .Field("last_used_at", TimeSchema("Updated at most once a minute.").Nullable(), true);
}

Schema PageSchema(Schema item, Schema cursor) {
  return Schema::Object()
      .Field("items", Schema::Array(std::move(item)), true)
      .Field("next_after", std::move(cursor.Nullable()), true);
}

}  // namespace cl::http
