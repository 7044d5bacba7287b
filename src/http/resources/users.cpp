// User administration: list, create, read, change, disable, reset password.
#include <fmt/format.h>

#include "http/api.h"
#include "http/resources/representations.h"

namespace cl::http {
namespace {

std::vector<std::string> Strings(const nlohmann::json& array) {
  std::vector<std::string> out;
  for (const auto& v : array) out.push_back(v.get<std::string>());
  return out;
}

Response UserResponse(int status, const User& u) { return VersionedJsonResponse(status, UserJson(u), u.version); }

}  // namespace

void AddUserRoutes(Api& api, Router& router) {
  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/users",
                   .permission = Permission::kUsersRead,
                   .operation_id = "listUsers",
                   .tag = "users",
                   .summary = "List user accounts",
                   .query = {{"role", Schema::String().Enum(RoleNames()), "Only users with this role."},
                             {"include_disabled", Schema::Boolean(), "Include disabled accounts (default true)."},
                             {"after", Schema::String().Max(64), "Paging cursor: next_after of the previous page."},
                             {"limit", Schema::Integer().Min(1).Max(500), "Page size (default 100)."}},
                   .response = PageSchema(UserSchema(), Schema::String("Username to pass as after=.")),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     UserListQuery q;
                     q.include_disabled = ctx.BoolArg("include_disabled", true);
                     if (ctx.args.contains("role")) q.role = ParseRole(ctx.Arg("role"));
                     q.after_username = ctx.Arg("after");
                     q.limit = ctx.IntArg("limit", 100);
                     CL_ASSIGN_OR_RETURN(std::vector<User> users, api.services().users.List(*ctx.principal, q));
                     nlohmann::json items = nlohmann::json::array();
                     for (const User& u : users) items.push_back(UserJson(u));
                     nlohmann::json next = nullptr;
                     if (static_cast<int64_t>(users.size()) == q.limit) next = users.back().username;
                     return JsonResponse(200, {{"items", items}, {"next_after", next}});
                   }});

  router.Add(Route{
      .method = "POST",
      .pattern = "/api/v1/users",
      .permission = Permission::kUsersWrite,
      .offload = true,
      .body_limit = 16 * 1024,
      .operation_id = "createUser",
      .tag = "users",
      .summary = "Create a user account",
      .description = "People (kind human) get a one-time password, returned once in this "
                     "response; they must change it at first login. Service accounts (kind "
                     "service) have no password and authenticate with API tokens.",
      .request =
          Schema::Object()
              .Field("username", Schema::String("Lower-case letters, digits, '.', '_', '-'.").Min(2).Max(64), true)
              .Field("display_name", Schema::String().Min(1).Max(200), true)
              .Field("email", Schema::String().Max(254))
              .Field("kind", Schema::String().Enum({"human", "service"}))
              .Field("roles", Schema::Array(Schema::String().Enum(RoleNames())).Min(1).Max(6), true),
      .success_status = 201,
      .response =
          Schema::Object()
              .Field("user", UserSchema(), true)
              .Field("one_time_password", Schema::String("Shown once; null for service accounts.").Nullable(), true),
      .errors = {409},
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        NewUser in;
        in.username = ctx.body["username"].get<std::string>();
        in.display_name = ctx.body["display_name"].get<std::string>();
        in.email = ctx.body.value("email", "");
        in.kind = ParseUserKind(ctx.body.value("kind", "human")).value_or(UserKind::kHuman);
        in.roles = Strings(ctx.body["roles"]);
        CL_ASSIGN_OR_RETURN(CreatedUser created, api.services().users.Create(*ctx.principal, ctx.Audit(), in));
        nlohmann::json otp = nullptr;
        if (!created.one_time_password.empty()) otp = created.one_time_password;
        Response r = JsonResponse(201, {{"user", UserJson(created.user)}, {"one_time_password", otp}});
        r.With("Location", "/api/v1/users/" + created.user.id);
        return r;
      }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/users/{id}",
                   .permission = Permission::kUsersRead,
                   .operation_id = "getUser",
                   .tag = "users",
                   .summary = "Read one user (by id or username)",
                   .response = UserSchema(),
                   .errors = {404},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_ASSIGN_OR_RETURN(User u, api.services().users.Get(*ctx.principal, ctx.Param("id")));
                     return UserResponse(200, u);
                   }});

  router.Add(Route{.method = "PATCH",
                   .pattern = "/api/v1/users/{id}",
                   .permission = Permission::kUsersWrite,
                   .requires_if_match = true,
                   .offload = true,
                   .body_limit = 16 * 1024,
                   .operation_id = "updateUser",
                   .tag = "users",
                   .summary = "Change a user: name, e-mail, roles, disabled",
                   .description = "If-Match with the user's ETag is required (428 without it): the change is "
                                  "refused if someone else changed the user first (409); a change that changes "
                                  "nothing stores nothing. Disabling ends the user's sessions; their "
                                  "API tokens stop working while disabled. The last enabled administrator "
                                  "cannot be disabled or demoted.",
                   .request = Schema::Object()
                                  .Field("display_name", Schema::String().Min(1).Max(200))
                                  .Field("email", Schema::String().Max(254))
                                  .Field("roles", Schema::Array(Schema::String().Enum(RoleNames())).Min(1).Max(6))
                                  .Field("disabled", Schema::Boolean()),
                   .response = UserSchema(),
                   .errors = {404, 409},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     UserPatch patch;
                     if (ctx.body.contains("display_name"))
                       patch.display_name = ctx.body["display_name"].get<std::string>();
                     if (ctx.body.contains("email")) patch.email = ctx.body["email"].get<std::string>();
                     if (ctx.body.contains("roles")) patch.roles = Strings(ctx.body["roles"]);
                     if (ctx.body.contains("disabled")) patch.disabled = ctx.body["disabled"].get<bool>();
                     CL_ASSIGN_OR_RETURN(patch.expected_version, IfMatchVersion(ctx.req, "the user's version"));
                     CL_ASSIGN_OR_RETURN(User target, api.services().users.Get(*ctx.principal, ctx.Param("id")));
                     CL_ASSIGN_OR_RETURN(User u,
                                         api.services().users.Update(*ctx.principal, ctx.Audit(), target.id, patch));
                     return UserResponse(200, u);
                   }});

  router.Add(Route{.method = "POST",
                   .pattern = "/api/v1/users/{id}/password-reset",
                   .permission = Permission::kUsersWrite,
                   .offload = true,
                   .operation_id = "resetUserPassword",
                   .tag = "users",
                   .summary = "Issue a new one-time password",
                   .description = "Ends the user's sessions. The new password is returned once.",
                   .response = Schema::Object().Field("one_time_password", Schema::String(), true),
                   .errors = {404},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_ASSIGN_OR_RETURN(User target, api.services().users.Get(*ctx.principal, ctx.Param("id")));
                     CL_ASSIGN_OR_RETURN(std::string otp,
                                         api.services().users.ResetPassword(*ctx.principal, ctx.Audit(), target.id));
                     return JsonResponse(200, {{"one_time_password", otp}});
                   }});
}

}  // namespace cl::http
