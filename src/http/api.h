// Api: the HttpHandler of `changeledger serve`. Matches a request to its
// route, authenticates it (API token or session cookie + CSRF token),
// enforces the route's permission, parses and validates the JSON body,
// calls the handler (on the worker pool for slow routes), and turns errors
// into problem+json. Records metrics and one access-log line per request.
// Thread-safe; routes are fixed at construction.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/audit_log.h"
#include "core/audit_verify.h"
#include "core/changes.h"
#include "core/deploy_gate.h"
#include "core/integrations.h"
#include "core/notification_inbox.h"
#include "core/notifications.h"
#include "core/policy_service.h"
#include "core/sessions.h"
#include "core/store.h"
#include "core/tokens.h"
#include "core/users.h"
#include "http/metrics.h"
#include "http/route.h"
#include "http/server.h"
#include "http/web_ui.h"
#include "platform/worker_pool.h"

namespace cl::http {

// The collaborators route handlers use. The app owns them.
struct ApiServices {
  Store& store;
  const Clock& clock;
  const AuditLog& audit;
  const Signer* signer;
  UserService& users;
  TokenService& tokens;
  SessionService& sessions;
  PolicyService& policies;
  ChangeService& changes;
  WebhookService& webhooks;
  NotificationInbox& notifications;
  DeployGate& gate;
  IntegrationService& integrations;
  const AuditTrust& audit_trust;  // pinned keys and witnesses, for verification
};

enum class CookieSecure { kAuto, kAlways, kNever };

struct ApiOptions {
  CookieSecure cookie_secure = CookieSecure::kAuto;
  int worker_threads = 32;
  bool access_log = true;
  std::string public_url{};  // for /openapi.json "servers"; empty: relative
  // Shared secrets of the GitHub and GitLab webhooks; empty: that receiver
  // refuses every delivery. Never logged.
  std::string github_webhook_secret{};
  std::string gitlab_webhook_token{};
};

inline constexpr std::string_view kSessionCookie = "cl_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

class Api final : public HttpHandler {
 public:
  Api(ApiServices services, ApiOptions options);
  ~Api() override;

  size_t BodyLimit(std::string_view method, std::string_view path) override;
  void Handle(Request& request, std::function<void(Response)> respond) override;
  Response Reject(int status, std::string_view detail, const Request& partial) override;

  // Finishes queued slow requests; call after the server has drained.
  void Shutdown();

  const Router& router() const { return router_; }
  Metrics& metrics() { return *metrics_; }
  const ApiServices& services() const { return services_; }
  const ApiOptions& options() const { return options_; }
  // The OpenAPI 3.1 document for every route.
  const nlohmann::json& OpenApi() const { return openapi_; }

  // Set-Cookie value for a new or ended session (Secure per options/request).
  std::string SessionCookie(const Request& req, std::string_view value, int64_t max_age) const;

 private:
  // Runs the route and hands its response to `respond` (at once, or when an
  // asynchronous route has done its work).
  using Respond = std::function<void(Response)>;
  void Process(const Route& route, std::map<std::string, std::string> params, const Request& req, Respond respond);
  void RunAsync(const Route& route, const Request& req, Ctx& ctx, const std::string& actor, Respond respond);
  Response Failed(const Route& route, const Request& req, const Status& s, const std::string& actor);
  Status Authenticate(const Route& route, const Request& req, Ctx& ctx, Principal& storage);
  Status ParseArgs(const Route& route, const Request& req, Ctx& ctx);
  Status ParseBody(const Route& route, const Request& req, Ctx& ctx);
  // Adds the API's headers, then Observe().
  void Finish(const Request& req, size_t route_index, const std::string& actor, Response& r);
  // Metrics and the access-log line.
  void Observe(const Request& req, size_t route_index, const std::string& actor, const Response& r);
  // Metric slots after the routes: the web UI's files, then unmatched requests.
  size_t WebIndex() const { return router_.routes().size(); }
  size_t UnmatchedIndex() const { return router_.routes().size() + 1; }

  ApiServices services_;
  ApiOptions options_;
  Router router_;
  std::unique_ptr<Metrics> metrics_;
  nlohmann::json openapi_;
  WebUi web_;
  WorkerPool pool_;
  std::atomic<int> offloaded_in_flight_{0};
  std::atomic<int> async_in_flight_{0};
};

// Route registration, one function per resource (src/http/resources/).
void AddSystemRoutes(Api& api, Router& router);
void AddSessionRoutes(Api& api, Router& router);
void AddUserRoutes(Api& api, Router& router);
void AddTokenRoutes(Api& api, Router& router);
void AddAuditRoutes(Api& api, Router& router);
void AddChangeRoutes(Api& api, Router& router);
void AddChangeActionRoutes(Api& api, Router& router);
void AddPolicyRoutes(Api& api, Router& router);
void AddWebhookRoutes(Api& api, Router& router);
void AddNotificationRoutes(Api& api, Router& router);
void AddPipelineRoutes(Api& api, Router& router);
void AddIntegrationRoutes(Api& api, Router& router);

// Builds the OpenAPI 3.1 document from the route table.
nlohmann::json BuildOpenApi(const Router& router, const std::string& public_url);

}  // namespace cl::http
