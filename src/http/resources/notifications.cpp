// Notifications to people: each user's in-app list, marking read, their
// e-mail preferences, and the log of who was told what about a change.
#include <fmt/format.h>

#include "core/people_notifications.h"
#include "http/api.h"

namespace cl::http {
namespace {

std::vector<std::string> KindNames() { return {kNotificationKinds.begin(), kNotificationKinds.end()}; }

nlohmann::json NoteJson(const Notification& n) {
  return {{"id", n.id},
          {"recipient", n.recipient},
          {"kind", n.kind},
          {"object_id", n.object_id},
          {"subject", n.subject},
          {"body", n.body},
          {"link", n.link},
          {"created_at", FormatRfc3339(n.created_at)},
          {"read_at", TimeOrNull(n.read_at)},
          {"email",
           {{"to", n.email_to},
            {"status", n.email_status},
            {"attempts", n.attempts},
            {"last_error", n.last_error},
            {"delivered_at", TimeOrNull(n.delivered_at)}}}};
}

Schema NoteSchema() {
  return Schema::Object("A message to one person about one object, with its e-mail's delivery.")
      .Field("id", Schema::String(), true)
      .Field("recipient", Schema::String("Username, or the address of a stakeholder without an account."), true)
      .Field("kind", Schema::String().Enum(KindNames()), true)
      .Field("object_id", Schema::String(), true)
      .Field("subject", Schema::String(), true)
      .Field("body", Schema::String(), true)
      .Field("link", Schema::String("Path in the web UI."), true)
      .Field("created_at", Schema::String().Format("date-time"), true)
      .Field("read_at", Schema::String().Format("date-time").Nullable(), true)
      .Field("email",
             Schema::Object()
                 .Field("to", Schema::String(), true)
                 .Field("status",
                        Schema::String("skipped: never sent, last_error says why.")
                            .Enum({"pending", "delivered", "failed", "skipped"}),
                        true)
                 .Field("attempts", Schema::Integer(), true)
                 .Field("last_error", Schema::String(), true)
                 .Field("delivered_at", Schema::String().Format("date-time").Nullable(), true),
             true);
}

Schema PrefsSchema() {
  return Schema::Object()
      .Field("email", Schema::Boolean("Whether notifications are e-mailed at all."), true)
      .Field("muted", Schema::Array(Schema::String().Enum(KindNames())).Max(6), true);
}

nlohmann::json PrefsJson(const NotificationPrefs& p) {
  return {{"email", p.email}, {"muted", p.muted}, {"updated_at", TimeOrNull(p.updated_at)}};
}

}  // namespace

void AddNotificationRoutes(Api& api, Router& router) {
  router.Add(Route{
      .method = "GET",
      .pattern = "/api/v1/notifications",
      .permission = Permission::kSelfManage,
      .operation_id = "listMyNotifications",
      .tag = "notifications",
      .summary = "My notifications, newest first, and how many are unread",
      .query = {{"unread", Schema::Boolean(), "Only the unread ones."},
                {"limit", Schema::Integer().Min(1).Max(500), "At most this many (default 50)."}},
      .response =
          Schema::Object().Field("items", Schema::Array(NoteSchema()), true).Field("unread", Schema::Integer(), true),
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        CL_ASSIGN_OR_RETURN(Inbox inbox, api.services().notifications.Mine(*ctx.principal, ctx.BoolArg("unread", false),
                                                                           ctx.IntArg("limit", 50)));
        nlohmann::json items = nlohmann::json::array();
        for (const Notification& n : inbox.items) items.push_back(NoteJson(n));
        return JsonResponse(200, {{"items", items}, {"unread", inbox.unread}});
      }});

  router.Add(Route{.method = "POST",
                   .pattern = "/api/v1/notifications/read",
                   .permission = Permission::kSelfManage,
                   .offload = true,
                   .body_limit = 64 * 1024,
                   .operation_id = "markNotificationsRead",
                   .tag = "notifications",
                   .summary = "Mark my notifications read (the ones named, or all)",
                   .request = Schema::Object().Field("ids", Schema::Array(Schema::String().Max(64)).Max(500), false),
                   .response = Schema::Object().Field("marked", Schema::Integer(), true),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     std::vector<std::string> ids;
                     if (ctx.body.contains("ids")) {
                       for (const auto& id : ctx.body["ids"]) ids.push_back(id.get<std::string>());
                       if (ids.empty()) return JsonResponse(200, {{"marked", 0}});
                     }
                     CL_ASSIGN_OR_RETURN(int64_t marked,
                                         api.services().notifications.MarkRead(*ctx.principal, ctx.Audit(), ids));
                     return JsonResponse(200, {{"marked", marked}});
                   }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/me/notification-preferences",
                   .permission = Permission::kSelfManage,
                   .operation_id = "getNotificationPreferences",
                   .tag = "notifications",
                   .summary = "What I have e-mailed",
                   .response = PrefsSchema().Field("updated_at", Schema::String().Format("date-time").Nullable(), true),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_ASSIGN_OR_RETURN(NotificationPrefs p, api.services().notifications.Prefs(*ctx.principal));
                     return JsonResponse(200, PrefsJson(p));
                   }});

  router.Add(Route{.method = "PUT",
                   .pattern = "/api/v1/me/notification-preferences",
                   .permission = Permission::kSelfManage,
                   .offload = true,
                   .body_limit = 4 * 1024,
                   .operation_id = "setNotificationPreferences",
                   .tag = "notifications",
                   .summary = "Choose what I have e-mailed",
                   .description = "Every notification is still listed in the app (it is the record that you were "
                                  "told); muted kinds and e-mail off only stop the e-mail.",
                   .request = PrefsSchema(),
                   .response = PrefsSchema().Field("updated_at", Schema::String().Format("date-time").Nullable(), true),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     std::vector<std::string> muted;
                     for (const auto& k : ctx.body["muted"]) muted.push_back(k.get<std::string>());
                     CL_ASSIGN_OR_RETURN(NotificationPrefs p,
                                         api.services().notifications.SetPrefs(*ctx.principal, ctx.Audit(),
                                                                               ctx.body["email"].get<bool>(), muted));
                     return JsonResponse(200, PrefsJson(p));
                   }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/changes/{key}/notifications",
                   .permission = Permission::kChangesRead,
                   .operation_id = "listChangeNotifications",
                   .tag = "notifications",
                   .summary = "Who was told what about a change, newest first, with each e-mail's delivery",
                   .description = "Proof of communication (R000-06, R000-09): approvers asked, the requestor told "
                                  "of the decision, stakeholders told of the schedule and the outcome.",
                   .query = {{"limit", Schema::Integer().Min(1).Max(500), "At most this many (default 200)."}},
                   .response = Schema::Object().Field("items", Schema::Array(NoteSchema()), true),
                   .errors = {404},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_ASSIGN_OR_RETURN(std::vector<Notification> all,
                                         api.services().notifications.AboutChange(*ctx.principal, ctx.Param("key"),
                                                                                  ctx.IntArg("limit", 200)));
                     nlohmann::json items = nlohmann::json::array();
                     for (const Notification& n : all) items.push_back(NoteJson(n));
                     return JsonResponse(200, {{"items", items}});
                   }});
}

}  // namespace cl::http
