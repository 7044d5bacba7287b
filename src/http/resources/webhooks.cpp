// Webhook endpoints for stakeholder notification and their delivery log.
#include <fmt/format.h>

#include "core/audit_states.h"
#include "http/api.h"

namespace cl::http {
namespace {

nlohmann::json HookJson(const Webhook& w) {
  nlohmann::json j = WebhookSettings(w);
  j["format"] = w.format;
  j["created_at"] = FormatRfc3339(w.created_at);
  return j;
}

Schema HookSchema() {
  return Schema::Object("A notification endpoint. Its secret is never shown again after creation.")
      .Field("id", Schema::String(), true)
      .Field("url", Schema::String(), true)
      .Field("events", Schema::Array(Schema::String()), true)
      .Field("description", Schema::String(), true)
      .Field("format", Schema::String().Enum({"changeledger", "slack", "teams"}), true)
      .Field("active", Schema::Boolean(), true)
      .Field("created_by", Schema::String(), true)
      .Field("created_at", Schema::String().Format("date-time"), true);
}

}  // namespace

void AddWebhookRoutes(Api& api, Router& router) {
  router.Add(Route{.method = "POST",
                   .pattern = "/api/v1/webhooks",
                   .permission = Permission::kPolicyWrite,
                   .offload = true,
                   .body_limit = 16 * 1024,
                   .operation_id = "createWebhook",
                   .tag = "notifications",
                   .summary = "Register a webhook for change events",
                   .description = "Events: change.<state> (change.approved, change.scheduled, change.in_progress, "
                                  "change.implemented, ...), change.* or *. Each delivery is a JSON POST with "
                                  "X-Changeledger-Event, X-Changeledger-Delivery and X-Changeledger-Signature: "
                                  "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" under the secret>. Failed "
                                  "deliveries are retried with backoff (10 s doubling to 1 h, 8 attempts).",
                   .request = Schema::Object()
                                  .Field("url", Schema::String().Min(8).Max(2000), true)
                                  .Field("events", Schema::Array(Schema::String().Max(64)).Min(1).Max(20), true)
                                  .Field("description", Schema::String().Max(500))
                                  .Field("format", Schema::String("changeledger (default): the signed JSON event; "
                                                                  "slack or teams: a chat message for an incoming "
                                                                  "webhook")
                                                       .Enum({"changeledger", "slack", "teams"})),
                   .success_status = 201,
                   .response = Schema::Object()
                                   .Field("webhook", HookSchema(), true)
                                   .Field("secret", Schema::String("HMAC key; shown once."), true),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     std::vector<std::string> events;
                     for (const auto& e : ctx.body["events"]) events.push_back(e.get<std::string>());
                     CL_ASSIGN_OR_RETURN(
                         Webhook w, api.services().webhooks.Create(
                                        *ctx.principal, ctx.Audit(), ctx.body["url"].get<std::string>(), events,
                                        ctx.body.value("description", ""), ctx.body.value("format", "changeledger")));
                     return JsonResponse(201, {{"webhook", HookJson(w)}, {"secret", w.secret}});
                   }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/webhooks",
                   .permission = Permission::kChangesRead,
                   .operation_id = "listWebhooks",
                   .tag = "notifications",
                   .summary = "List webhooks (without secrets)",
                   .response = Schema::Object().Field("items", Schema::Array(HookSchema()), true),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_ASSIGN_OR_RETURN(std::vector<Webhook> all, api.services().webhooks.List(*ctx.principal));
                     nlohmann::json items = nlohmann::json::array();
                     for (const Webhook& w : all) items.push_back(HookJson(w));
                     return JsonResponse(200, {{"items", items}});
                   }});

  router.Add(Route{.method = "DELETE",
                   .pattern = "/api/v1/webhooks/{id}",
                   .permission = Permission::kPolicyWrite,
                   .offload = true,
                   .operation_id = "deactivateWebhook",
                   .tag = "notifications",
                   .summary = "Deactivate a webhook (its delivery log stays)",
                   .success_status = 204,
                   .errors = {404},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_RETURN_IF_ERROR(
                         api.services().webhooks.Deactivate(*ctx.principal, ctx.Audit(), ctx.Param("id")));
                     return NoContent();
                   }});

  router.Add(
      Route{.method = "GET",
            .pattern = "/api/v1/webhooks/{id}/deliveries",
            .permission = Permission::kChangesRead,
            .operation_id = "listWebhookDeliveries",
            .tag = "notifications",
            .summary = "Delivery log of a webhook, newest first",
            .description = "Proof that stakeholders were notified: each delivery with its payload, attempts, last "
                           "HTTP status and error.",
            .query = {{"limit", Schema::Integer().Min(1).Max(500)}},
            .response = Schema::Object().Field(
                "items",
                Schema::Array(Schema::Object()
                                  .Field("id", Schema::String(), true)
                                  .Field("event", Schema::String(), true)
                                  .Field("object_id", Schema::String(), true)
                                  .Field("payload", Schema::Any(), true)
                                  .Field("status", Schema::String().Enum({"pending", "delivered", "failed"}), true)
                                  .Field("attempts", Schema::Integer(), true)
                                  .Field("next_attempt_at", Schema::String().Format("date-time"), true)
                                  .Field("last_status", Schema::Integer(), true)
                                  .Field("last_error", Schema::String(), true)
                                  .Field("created_at", Schema::String().Format("date-time"), true)
                                  .Field("delivered_at", Schema::String().Format("date-time").Nullable(), true)),
                true),
            .errors = {404},
            .handler = [&api](Ctx& ctx) -> Result<Response> {
              CL_ASSIGN_OR_RETURN(
                  std::vector<WebhookDelivery> all,
                  api.services().webhooks.Deliveries(*ctx.principal, ctx.Param("id"), ctx.IntArg("limit", 100)));
              nlohmann::json items = nlohmann::json::array();
              for (const WebhookDelivery& d : all) {
                items.push_back({{"id", d.id},
                                 {"event", d.event},
                                 {"object_id", d.object_id},
                                 {"payload", nlohmann::json::parse(d.payload, nullptr, false)},
                                 {"status", d.status},
                                 {"attempts", d.attempts},
                                 {"next_attempt_at", FormatRfc3339(d.next_attempt_at)},
                                 {"last_status", d.last_status},
                                 {"last_error", d.last_error},
                                 {"created_at", FormatRfc3339(d.created_at)},
                                 {"delivered_at", TimeOrNull(d.delivered_at)}});
              }
              return JsonResponse(200, {{"items", items}});
            }});
}

}  // namespace cl::http
