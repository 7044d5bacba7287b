// Login, logout, the current session and the current user (/me).
#include <fmt/format.h>

#include "http/api.h"
#include "http/resources/representations.h"

namespace cl::http {
namespace {

Schema SessionSchema() {
  return Schema::Object()
      .Field("session_id", Schema::String("Public handle of the session (not the secret)."), true)
      .Field("csrf_token", Schema::String("Send as X-CSRF-Token on every request that changes data."), true)
      .Field("expires_at", Schema::String().Format("date-time"), true)
      .Field("user", UserSchema(), true);
}

nlohmann::json SessionJson(const Session& s, const User& u) {
  return {{"session_id", s.id},
          {"csrf_token", s.csrf_token},
          {"expires_at", FormatRfc3339(s.expires_at)},
          {"user", UserJson(u)}};
}

}  // namespace

void AddSessionRoutes(Api& api, Router& router) {
  router.Add(Route{.method = "POST",
                   .pattern = "/api/v1/session",
                   .access = Access::kPublic,
                   .offload = true,
                   .body_limit = 16 * 1024,
                   .operation_id = "login",
                   .tag = "session",
                   .summary = "Log in with username and password",
                   .description = "Sets the HttpOnly, SameSite=Strict session cookie (Secure over TLS) and "
                                  "returns the CSRF token. Failed attempts are rate limited per user and "
                                  "client address and recorded in the audit log.",
                   .request = Schema::Object()
                                  .Field("username", Schema::String().Min(1).Max(64), true)
                                  .Field("password", Schema::String().Min(1).Max(1024), true),
                   .success_status = 201,
                   .response = SessionSchema(),
                   .errors = {401, 429},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     LoginRequest in;
                     in.username = ctx.body["username"].get<std::string>();
                     in.password = ctx.body["password"].get<std::string>();
                     in.client_ip = ctx.req.client_ip;
                     in.user_agent = std::string(ctx.req.Header("User-Agent"));
                     AuditContext audit = ctx.Audit();
                     audit.actor = AuditActor{"", in.username.substr(0, 64), "anonymous", ""};
                     CL_ASSIGN_OR_RETURN(LoginResult login, api.services().sessions.Login(audit, in));
                     Response r = JsonResponse(201, SessionJson(login.session, login.user));
                     const int64_t max_age = (login.session.expires_at - login.session.created_at) / kMicrosPerSecond;
                     r.With("Set-Cookie", api.SessionCookie(ctx.req, login.secret, max_age));
                     return r;
                   }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/session",
                   .access = Access::kAuthenticated,
                   .allowed_before_password_change = true,
                   .operation_id = "getSession",
                   .tag = "session",
                   .summary = "The current browser session and its CSRF token",
                   .response = SessionSchema(),
                   .errors = {404},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     if (!ctx.session) return NotFound("this request is authenticated by an API token, not a session");
                     CL_ASSIGN_OR_RETURN(User me, api.services().users.Get(*ctx.principal, ctx.principal->user_id));
                     return JsonResponse(200, SessionJson(*ctx.session, me));
                   }});

  router.Add(Route{.method = "DELETE",
                   .pattern = "/api/v1/session",
                   .access = Access::kAuthenticated,
                   .allowed_before_password_change = true,
                   .offload = true,
                   .operation_id = "logout",
                   .tag = "session",
                   .summary = "Log out (end the current session)",
                   .success_status = 204,
                   .errors = {404},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     if (!ctx.session) return NotFound("this request is authenticated by an API token, not a session");
                     CL_RETURN_IF_ERROR(api.services().sessions.Logout(*ctx.principal, ctx.Audit(), *ctx.session));
                     Response r = NoContent();
                     r.With("Set-Cookie", api.SessionCookie(ctx.req, "", 0));
                     return r;
                   }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/me",
                   .access = Access::kAuthenticated,
                   .allowed_before_password_change = true,
                   .operation_id = "getMe",
                   .tag = "session",
                   .summary = "Who am I, and what may I do",
                   .response = Schema::Object()
                                   .Field("user", UserSchema(), true)
                                   .Field("authenticated_via", Schema::String().Enum({"session", "token"}), true)
                                   .Field("credential_id", Schema::String("Session or token id."), true)
                                   .Field("permissions",
                                          Schema::Array(Schema::String().Enum(PermissionNameList()),
                                                        "Effective permissions: the roles' permissions, "
                                                        "narrowed by the token's scopes."),
                                          true),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     const Principal& p = *ctx.principal;
                     std::optional<User> loaded;
                     if (p.user) loaded = *p.user;  // read moments ago by authentication
                     if (!loaded) {
                       CL_ASSIGN_OR_RETURN(loaded, api.services().users.Get(p, p.user_id));
                     }
                     const User& me = *loaded;
                     return JsonResponse(200, {{"user", UserJson(me)},
                                               {"authenticated_via", p.via == AuthVia::kToken ? "token" : "session"},
                                               {"credential_id", p.credential_id},
                                               {"permissions", PermissionNames(p.permissions)}});
                   }});

  router.Add(Route{.method = "POST",
                   .pattern = "/api/v1/me/password",
                   .access = Access::kAuthenticated,
                   .allowed_before_password_change = true,
                   .offload = true,
                   .body_limit = 16 * 1024,
                   .operation_id = "changeMyPassword",
                   .tag = "session",
                   .summary = "Change my password",
                   .description = "Required after logging in with a one-time password. At least 12 "
                                  "characters; must not contain the user name.",
                   .request = Schema::Object()
                                  .Field("current_password", Schema::String().Min(1).Max(1024), true)
                                  .Field("new_password", Schema::String().Min(1).Max(1024), true),
                   .success_status = 204,
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_RETURN_IF_ERROR(api.services().users.ChangeOwnPassword(
                         *ctx.principal, ctx.Audit(), ctx.body["current_password"].get<std::string>(),
                         ctx.body["new_password"].get<std::string>()));
                     return NoContent();
                   }});
}

}  // namespace cl::http
