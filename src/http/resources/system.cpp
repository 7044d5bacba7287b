// Operational routes: service info, liveness, readiness, metrics, the
// OpenAPI document and the problem type descriptions.
#include <fmt/format.h>

#include "http/api.h"
#include "http/problem.h"
#include "platform/build_info.h"

namespace cl::http {

namespace {

// Gauges and counters of the change process itself (R000-08 approval SLAs)
// and of notification delivery.
void RenderNotificationMetrics(std::string& out, const NotificationMetrics& m) {
  out += fmt::format(
      "# HELP changeledger_approvals_waiting Submitted changes waiting for their approvals.\n"
      "# TYPE changeledger_approvals_waiting gauge\n"
      "changeledger_approvals_waiting {}\n"
      "# HELP changeledger_approvals_overdue Submitted changes past their approval SLA now.\n"
      "# TYPE changeledger_approvals_overdue gauge\n"
      "changeledger_approvals_overdue {}\n"
      "# HELP changeledger_approval_sla_breaches_total Changes whose approvals went past their SLA.\n"
      "# TYPE changeledger_approval_sla_breaches_total counter\n"
      "changeledger_approval_sla_breaches_total {}\n"
      "# HELP changeledger_notification_emails Notification e-mails by delivery status.\n"
      "# TYPE changeledger_notification_emails gauge\n"
      "changeledger_notification_emails{{status=\"pending\"}} {}\n"
      "changeledger_notification_emails{{status=\"delivered\"}} {}\n"
      "changeledger_notification_emails{{status=\"failed\"}} {}\n"
      "changeledger_notification_emails{{status=\"skipped\"}} {}\n",
      m.approvals_waiting, m.approvals_overdue, m.counts.approval_sla_breaches, m.counts.email_pending,
      m.counts.email_delivered, m.counts.email_failed, m.counts.email_skipped);
}

}  // namespace

void AddSystemRoutes(Api& api, Router& router) {
  router.Add(Route{.method = "GET",
                   .pattern = "/",
                   .access = Access::kPublic,
                   .operation_id = "getServiceInfo",
                   .tag = "system",
                   .summary = "Service name, version and where to start",
                   .response = Schema::Object()
                                   .Field("name", Schema::String(), true)
                                   .Field("version", Schema::String(), true)
                                   .Field("commit", Schema::String(), true)
                                   .Field("links", Schema::Object().Values(Schema::String()), true),
                   .handler = [](Ctx&) -> Result<Response> {
                     return JsonResponse(200, {{"name", "changeledger"},
                                               {"version", kVersion},
                                               {"commit", kGitCommit},
                                               {"links",
                                                {{"openapi", "/openapi.json"},
                                                 {"login", "/api/v1/session"},
                                                 {"health", "/healthz"},
                                                 {"ready", "/readyz"}}}});
                   }});

  router.Add(Route{.method = "GET",
                   .pattern = "/healthz",
                   .access = Access::kPublic,
                   .operation_id = "getHealth",
                   .tag = "system",
                   .summary = "Liveness: the process is serving",
                   .description = "Does not touch the database; use /readyz for that.",
                   .response = Schema::Object().Field("status", Schema::String().Enum({"ok"}), true),
                   .handler = [](Ctx&) -> Result<Response> {
                     return JsonResponse(200, {{"status", "ok"}});
                   }});

  router.Add(Route{
      .method = "GET",
      .pattern = "/readyz",
      .access = Access::kPublic,
      .operation_id = "getReadiness",
      .tag = "system",
      .summary =
          "Readiness: the database is reachable, the audit log verified at start-up and the records reconcile with it",
      .response = Schema::Object()
                      .Field("status", Schema::String().Enum({"ready"}), true)
                      .Field("database", Schema::String("Backend name."), true),
      .errors = {503},
      .handler = [&api](Ctx&) -> Result<Response> {
        Store& store = api.services().store;
        Status s = store.Ping();
        if (!s.ok()) return Unavailable("the database is not reachable: " + s.message());
        if (!store.WritesRefused().ok()) {
          // Unauthenticated callers (load balancers) learn that, not which rows.
          return Status(ErrorCode::kWritesRefused,
                        "writes are refused: the audit log or the records failed verification; the server's log "
                        "and `changeledger audit verify --db ... --reconcile` say where");
        }
        return JsonResponse(200, {{"status", "ready"}, {"database", store.BackendName()}});
      }});

  router.Add(Route{.method = "GET",
                   .pattern = "/metrics",
                   .access = Access::kPermission,
                   .permission = Permission::kSystemMetrics,
                   .operation_id = "getMetrics",
                   .tag = "system",
                   .summary = "Prometheus metrics",
                   .description = "Text exposition format 0.0.4: request counts and latency histograms by "
                                  "route and status, database read and group-commit timings, changes waiting "
                                  "for approval and past their approval SLA, SLA breaches, notification "
                                  "e-mails by delivery status. Scrape with a token scoped to system:metrics.",
                   .response_content_type = "text/plain; version=0.0.4",
                   .handler = [&api](Ctx&) -> Result<Response> {
                     Response r;
                     r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                     r.body = api.metrics().Render();
                     CL_ASSIGN_OR_RETURN(NotificationMetrics m, api.services().notifications.Metrics());
                     RenderNotificationMetrics(r.body, m);
                     return r;
                   }});

  router.Add(Route{.method = "GET",
                   .pattern = "/openapi.json",
                   .access = Access::kPublic,
                   .operation_id = "getOpenApi",
                   .tag = "system",
                   .summary = "This API's OpenAPI 3.1 description",
                   .response = Schema::Object("OpenAPI 3.1 document.").Values(Schema::Any()),
                   .handler = [&api](Ctx&) -> Result<Response> { return JsonResponse(200, api.OpenApi()); }});

  router.Add(Route{.method = "GET",
                   .pattern = "/problems/{slug}",
                   .access = Access::kPublic,
                   .operation_id = "getProblemType",
                   .tag = "system",
                   .summary = "What a problem type means",
                   .description = "Every error response has a `type` of the form /problems/{slug}; this "
                                  "explains it.",
                   .response = Schema::Object()
                                   .Field("type", Schema::String(), true)
                                   .Field("title", Schema::String(), true)
                                   .Field("status", Schema::Integer(), true)
                                   .Field("description", Schema::String(), true),
                   .errors = {404},
                   .handler = [](Ctx& ctx) -> Result<Response> {
                     const ProblemType* t = ProblemBySlug(ctx.Param("slug"));
                     if (t == nullptr) return NotFound("no such problem type");
                     return JsonResponse(200, {{"type", fmt::format("/problems/{}", t->slug)},
                                               {"title", t->title},
                                               {"status", t->status},
                                               {"description", t->description}});
                   }});
}

}  // namespace cl::http
