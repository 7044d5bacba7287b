// API tokens: create (secret shown once), list, read, revoke.
#include <fmt/format.h>

#include "http/api.h"
#include "http/resources/representations.h"

namespace cl::http {

void AddTokenRoutes(Api& api, Router& router) {
  router.Add(Route{
      .method = "GET",
      .pattern = "/api/v1/tokens",
      .permission = Permission::kSelfManage,
      .operation_id = "listTokens",
      .tag = "tokens",
      .summary = "List API tokens (mine, one user's, or all)",
      .query = {{"all", Schema::Boolean(), "Every user's tokens (needs tokens:admin)."},
                {"user_id", Schema::String().Max(64), "One user's tokens (needs tokens:admin for others)."}},
      .response = PageSchema(TokenSchema(), Schema::String()),
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        CL_ASSIGN_OR_RETURN(std::vector<ApiToken> tokens,
                            api.services().tokens.List(*ctx.principal, ctx.BoolArg("all", false), ctx.Arg("user_id")));
        const Timestamp now = api.services().clock.Now();
        nlohmann::json items = nlohmann::json::array();
        for (const ApiToken& t : tokens) items.push_back(TokenJson(t, now));
        return JsonResponse(200, {{"items", items}, {"next_after", nullptr}});
      }});

  router.Add(Route{
      .method = "POST",
      .pattern = "/api/v1/tokens",
      .permission = Permission::kSelfManage,
      .offload = true,
      .body_limit = 16 * 1024,
      .operation_id = "createToken",
      .tag = "tokens",
      .summary = "Create an API token",
      .description = "The secret is returned once and stored only as a SHA-256 hash. Scopes "
                     "must be permissions the owner holds. Issuing a token for another user "
                     "(e.g. a ci service account) needs tokens:admin. Default lifetime 90 days, "
                     "at most 366.",
      .request = Schema::Object()
                     .Field("name", Schema::String("What the token is for.").Min(1).Max(100), true)
                     .Field("scopes", Schema::Array(Schema::String().Enum(PermissionNameList())).Min(1).Max(32), true)
                     .Field("user_id", Schema::String("Owner; default: the caller.").Max(64))
                     .Field("expires_at", Schema::String().Format("date-time"))
                     .Field("expires_in_days", Schema::Integer().Min(1).Max(366)),
      .success_status = 201,
      .response = Schema::Object()
                      .Field("token", TokenSchema(), true)
                      .Field("secret", Schema::String("Shown once. Send as 'Authorization: Bearer <secret>'."), true),
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        NewToken in;
        in.name = ctx.body["name"].get<std::string>();
        for (const auto& s : ctx.body["scopes"]) in.scopes.push_back(s.get<std::string>());
        in.user_id = ctx.body.value("user_id", "");
        if (ctx.body.contains("expires_at") && ctx.body.contains("expires_in_days")) {
          return InvalidArgument("give expires_at or expires_in_days, not both",
                                 {{"/expires_in_days", "conflicts with expires_at"}});
        }
        if (ctx.body.contains("expires_at")) {
          in.expires_at = ParseRfc3339(ctx.body["expires_at"].get<std::string>());
        } else if (ctx.body.contains("expires_in_days")) {
          in.expires_at =
              api.services().clock.Now() + ctx.body["expires_in_days"].get<int64_t>() * 86400 * kMicrosPerSecond;
        }
        CL_ASSIGN_OR_RETURN(IssuedToken issued, api.services().tokens.Create(*ctx.principal, ctx.Audit(), in));
        Response r = JsonResponse(
            201, {{"token", TokenJson(issued.token, api.services().clock.Now())}, {"secret", issued.secret}});
        r.With("Location", "/api/v1/tokens/" + issued.token.id);
        return r;
      }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/tokens/{id}",
                   .permission = Permission::kSelfManage,
                   .operation_id = "getToken",
                   .tag = "tokens",
                   .summary = "Read one API token (never its secret)",
                   .response = TokenSchema(),
                   .errors = {404},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_ASSIGN_OR_RETURN(ApiToken t, api.services().tokens.Get(*ctx.principal, ctx.Param("id")));
                     return JsonResponse(200, TokenJson(t, api.services().clock.Now()));
                   }});

  router.Add(Route{.method = "DELETE",
                   .pattern = "/api/v1/tokens/{id}",
                   .permission = Permission::kSelfManage,
                   .offload = true,
                   .operation_id = "revokeToken",
                   .tag = "tokens",
                   .summary = "Revoke an API token",
                   .description = "Takes effect on the next request. Revoking twice is harmless.",
                   .response = TokenSchema(),
                   .errors = {404},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_ASSIGN_OR_RETURN(ApiToken t,
                                         api.services().tokens.Revoke(*ctx.principal, ctx.Audit(), ctx.Param("id")));
                     return JsonResponse(200, TokenJson(t, api.services().clock.Now()));
                   }});
}

}  // namespace cl::http
