// What a request carries, read once before its handler runs: who sent it
// (session cookie with CSRF check, or bearer token; Api::Authenticate), its
// path and query arguments (Api::ParseArgs) and its JSON body, checked
// against the route's schema (Api::ParseBody).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/json_input.h"
#include "crypto/crypto.h"
#include "http/api.h"
#include "http/problem.h"
#include "platform/log.h"

namespace cl::http {
namespace {

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// application/json, optionally with charset=utf-8.
bool IsJsonContentType(std::string_view ct) {
  ct = TrimSpace(ct);
  const size_t semi = ct.find(';');
  const std::string_view type = TrimSpace(ct.substr(0, semi));
  if (!StartsWithNoCase(type, "application/json") || type.size() != 16) return false;
  if (semi == std::string_view::npos) return true;
  const std::string_view param = TrimSpace(ct.substr(semi + 1));
  return param.empty() || StartsWithNoCase(param, "charset=utf-8") || StartsWithNoCase(param, "charset=\"utf-8\"");
}

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

}  // namespace

Status Api::Authenticate(const Route& route, const Request& req, Ctx& ctx, Principal& storage) {
  const std::string_view authz = req.Header("Authorization");
  if (!authz.empty()) {
    if (!StartsWithNoCase(authz, "Bearer ")) {
      return Unauthenticated("use 'Authorization: Bearer <API token>'");
    }
    CL_ASSIGN_OR_RETURN(storage, services_.tokens.Authenticate(TrimSpace(authz.substr(7))));
  } else {
    const std::string_view cookie = CookieValue(req.Header("Cookie"), kSessionCookie);
    if (cookie.empty()) {
      return Unauthenticated(
          "authentication required: send 'Authorization: Bearer <API token>' or log in with "
          "POST /api/v1/session");
    }
    CL_ASSIGN_OR_RETURN(SessionAuth auth, services_.sessions.Authenticate(cookie));
    if (route.Unsafe() && !crypto::ConstantTimeEquals(req.Header(kCsrfHeader), auth.session.csrf_token)) {
      return Status(ErrorCode::kCsrfFailed,
                    "this request changes data: send the session's CSRF token in the "
                    "X-CSRF-Token header");
    }
    storage = std::move(auth.principal);
    ctx.session = std::move(auth.session);
  }
  ctx.principal = &storage;
  if (storage.must_change_password && !route.allowed_before_password_change) {
    return Status(ErrorCode::kPasswordChangeRequired, "change your one-time password first (POST /api/v1/me/password)");
  }
  if (route.access == Access::kPermission && !(route.or_permission && storage.Can(*route.or_permission))) {
    CL_RETURN_IF_ERROR(Require(storage, route.permission));
  }
  return Status::Ok();
}

Status Api::ParseArgs(const Route& route, const Request& req, Ctx& ctx) {
  auto query = ParseQuery(req.query);
  if (!query) return Malformed("the query string has a malformed percent-escape or is not UTF-8");
  std::vector<FieldError> errors;
  for (const auto& [name, text] : *query) {
    const QueryParam* spec = nullptr;
    for (const QueryParam& q : route.query) {
      if (q.name == name) spec = &q;
    }
    const std::string field = "?" + name;
    if (spec == nullptr) {
      errors.push_back({field, "is not a parameter of this endpoint"});
      continue;
    }
    if (ctx.args.contains(name)) {
      errors.push_back({field, "is given more than once"});
      continue;
    }
    if (std::optional<char32_t> bad = FindControlCharacter(text)) {
      errors.push_back({field, ControlCharacterMessage(*bad)});
      continue;
    }
    nlohmann::json value = text;
    if (spec->schema.kind() == Schema::Kind::kInteger) {
      int64_t n = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || end != text.data() + text.size()) {
        errors.push_back({field, "must be an integer"});
        continue;
      }
      value = n;
    } else if (spec->schema.kind() == Schema::Kind::kBoolean) {
      if (text != "true" && text != "false") {
        errors.push_back({field, "must be true or false"});
        continue;
      }
      value = text == "true";
    }
    std::vector<FieldError> value_errors;
    spec->schema.Validate(value, field, value_errors);
    if (!value_errors.empty()) {
      errors.insert(errors.end(), value_errors.begin(), value_errors.end());
      continue;
    }
    ctx.args[name] = std::move(value);
  }
  if (!errors.empty()) return InvalidArgument("the query parameters are not valid", std::move(errors));
  return Status::Ok();
}

Status Api::ParseBody(const Route& route, const Request& req, Ctx& ctx) {
  if (route.raw_body_signed) return Status::Ok();
  if (!route.raw_body_types.empty()) {
    if (req.body.empty()) return Malformed("the request body is empty");
    const std::string_view type = req.Header("Content-Type");
    const std::string_view bare = type.substr(0, std::min(type.find(';'), type.size()));
    for (const std::string& accepted : route.raw_body_types) {
      if (bare.size() == accepted.size() && StartsWithNoCase(bare, accepted)) return Status::Ok();
    }
    return Status(ErrorCode::kUnsupportedMediaType,
                  fmt::format("send the body as one of: {}", fmt::join(route.raw_body_types, ", ")));
  }
  if (!route.request) {
    // Actions without input tolerate an empty body or "{}", nothing else.
    if (IsBlank(req.body)) return Status::Ok();
    Result<nlohmann::json> parsed = ParseJsonInput(req.body);
    if (parsed.ok() && parsed->is_object() && parsed->empty()) return Status::Ok();
    return Malformed("this endpoint takes no request body");
  }
  if (IsBlank(req.body)) return Malformed("a JSON body is required");
  if (!IsJsonContentType(req.Header("Content-Type"))) {
    return Status(ErrorCode::kUnsupportedMediaType, "send the body as 'Content-Type: application/json' (UTF-8)");
  }
  if (!IsValidUtf8(req.body)) return Malformed("the body is not valid UTF-8");
  // Depth, size and control characters are checked before a tree exists:
  // nothing later (validation, copies, dump(), the database's JSON
  // functions) ever sees input deeper than the limit.
  CL_ASSIGN_OR_RETURN(ctx.body, ParseJsonInput(req.body));
  if (route.core_validates_request) return Status::Ok();
  std::vector<FieldError> errors;
  route.request->Validate(ctx.body, "", errors);
  if (!errors.empty()) {
    // Count before the vector is moved: argument evaluation order is unspecified.
    std::string message = fmt::format("{} field(s) are not valid", errors.size());
    return InvalidArgument(std::move(message), std::move(errors));
  }
  return Status::Ok();
}

}  // namespace cl::http
