#include "http/api.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/json_input.h"
#include "crypto/crypto.h"
#include "http/problem.h"
#include "platform/log.h"

namespace cl::http {

Api::Api(ApiServices services, ApiOptions options)
    : services_(services), options_(std::move(options)), pool_(options_.worker_threads) {
  AddSystemRoutes(*this, router_);
  AddSessionRoutes(*this, router_);
  AddUserRoutes(*this, router_);
  AddTokenRoutes(*this, router_);
  AddAuditRoutes(*this, router_);
  AddChangeRoutes(*this, router_);
  AddChangeActionRoutes(*this, router_);
  AddPolicyRoutes(*this, router_);
  AddWebhookRoutes(*this, router_);
  AddNotificationRoutes(*this, router_);
  AddPipelineRoutes(*this, router_);
  AddIntegrationRoutes(*this, router_);
  std::vector<std::pair<std::string, std::string>> labels;
  for (const Route& r : router_.routes()) labels.emplace_back(r.method, r.pattern);
  labels.emplace_back("GET", "web-ui");  // WebIndex()
  metrics_ = std::make_unique<Metrics>(std::move(labels));
  services_.store.SetObserver(metrics_.get());
  openapi_ = BuildOpenApi(router_, options_.public_url);
}

Api::~Api() {
  Shutdown();
  services_.store.SetObserver(nullptr);
}

void Api::Shutdown() {
  pool_.Shutdown();
  // Asynchronous answers call back into this object when their work is done.
  for (int n = async_in_flight_.load(); n != 0; n = async_in_flight_.load()) async_in_flight_.wait(n);
}

size_t Api::BodyLimit(std::string_view method, std::string_view path) {
  const Match m = router_.Find(method, path);
  return m.route ? m.route->body_limit : 64 * 1024;
}

std::string Api::SessionCookie(const Request& req, std::string_view value, int64_t max_age) const {
  const bool secure =
      options_.cookie_secure == CookieSecure::kAlways || (options_.cookie_secure == CookieSecure::kAuto && req.secure);
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie, value, max_age,
                     secure ? "; Secure" : "");
}

void Api::Handle(Request& req, std::function<void(Response)> respond) {
  // GET / is the UI for a browser and the service description for API clients.
  if (req.path == "/" && WebUi::WantsPage(req)) {
    if (std::optional<Response> page = web_.Serve(req)) {
      // One Vary header: the UI may already vary by Accept-Encoding.
      auto vary =
          std::find_if(page->headers.begin(), page->headers.end(), [](const auto& h) { return h.first == "Vary"; });
      if (vary == page->headers.end()) {
        page->With("Vary", "Accept");
      } else {
        vary->second += ", Accept";
      }
      Observe(req, WebIndex(), "", *page);
      respond(std::move(*page));
      return;
    }
  }
  Match m = router_.Find(req.method, req.path);
  if (!m.route && !m.bad_encoding) {
    if (std::optional<Response> file = web_.Serve(req)) {
      Observe(req, WebIndex(), "", *file);
      respond(std::move(*file));
      return;
    }
  }
  if (!m.route) {
    Response r;
    if (m.bad_encoding) {
      r = ProblemResponse(Malformed("the path has a malformed percent-escape or an escaped control character"), req);
    } else if (!m.allowed_methods.empty()) {
      r = ProblemResponse(
          Status(ErrorCode::kMethodNotAllowed,
                 fmt::format("{} is not supported here; use {}", req.method, fmt::join(m.allowed_methods, ", "))),
          req);
      r.With("Allow", fmt::format("{}", fmt::join(m.allowed_methods, ", ")));
    } else {
      r = ProblemResponse(NotFound(fmt::format("no resource at {}", req.path)), req);
    }
    Finish(req, UnmatchedIndex(), "", r);
    respond(std::move(r));
    return;
  }
  const Route* route = m.route;
  if (!route->offload) {
    Process(*route, std::move(m.params), req, std::move(respond));
    return;
  }
  if (route->inline_when_idle) {
    int idle = 0;
    if (offloaded_in_flight_.compare_exchange_strong(idle, 1)) {
      Process(*route, std::move(m.params), req, [this, respond = std::move(respond)](Response r) {
        offloaded_in_flight_.fetch_sub(1);
        respond(std::move(r));
      });
      return;
    }
  }
  offloaded_in_flight_.fetch_add(1);
  auto shared_respond = std::make_shared<Respond>(std::move(respond));
  const bool queued = pool_.Submit([this, route, params = std::move(m.params), &req, shared_respond]() mutable {
    Process(*route, std::move(params), req, [this, shared_respond](Response r) {
      offloaded_in_flight_.fetch_sub(1);
      (*shared_respond)(std::move(r));
    });
  });
  if (!queued) {
    offloaded_in_flight_.fetch_sub(1);
    Response r = ProblemResponse(Unavailable("the server is shutting down"), req);
    Finish(req, router_.IndexOf(route), "", r);
    (*shared_respond)(std::move(r));
  }
}

void Api::Process(const Route& route, std::map<std::string, std::string> params, const Request& req, Respond respond) {
  Ctx ctx(req);
  ctx.params = std::move(params);
  Principal principal;
  Response r;
  Status s;
  if (route.access != Access::kPublic) s = Authenticate(route, req, ctx, principal);
  if (s.ok() && route.requires_if_match && req.Header("If-Match").find_first_not_of(" \t") == std::string_view::npos) {
    s = PreconditionRequired(
        "send If-Match with the ETag of the resource as you read it, so this edit cannot "
        "overwrite one made since");
  }
  if (s.ok()) s = ParseArgs(route, req, ctx);
  if (s.ok()) s = ParseBody(route, req, ctx);
  if (s.ok()) {
    try {
      if (route.async) {
        RunAsync(route, req, ctx, principal.username, std::move(respond));
        return;
      } else {
        Result<Response> result = route.handler(ctx);
        if (result.ok()) {
          r = std::move(result).value();
        } else {
          s = result.status();
        }
      }
    } catch (const std::exception& e) {
      s = Internal(std::string("unhandled exception: ") + e.what());
    }
  }
  const std::string actor = ctx.principal ? ctx.principal->username : "";
  if (!s.ok()) {
    respond(Failed(route, req, s, actor));
    return;
  }
  Finish(req, router_.IndexOf(&route), actor, r);
  respond(std::move(r));
}

void Api::RunAsync(const Route& route, const Request& req, Ctx& ctx, const std::string& actor, Respond respond) {
  // The reply may come from the store's writer thread once the work is
  // durable; the session posts it to its own I/O thread. Exactly once, even
  // if the handler throws after replying.
  async_in_flight_.fetch_add(1);
  auto replied = std::make_shared<std::atomic<bool>>(false);
  Reply reply = [this, &route, &req, actor, replied, respond = std::move(respond)](Result<Response> result) {
    if (replied->exchange(true)) return;
    if (result.ok()) {
      Response r = std::move(result).value();
      Finish(req, router_.IndexOf(&route), actor, r);
      respond(std::move(r));
    } else {
      respond(Failed(route, req, result.status(), actor));
    }
    if (async_in_flight_.fetch_sub(1) == 1) async_in_flight_.notify_all();
  };
  try {
    route.async(ctx, reply);
  } catch (const std::exception& e) {
    reply(Internal(std::string("unhandled exception: ") + e.what()));
  }
}

Response Api::Failed(const Route& route, const Request& req, const Status& s, const std::string& actor) {
  if (s.code() == ErrorCode::kInternal || s.code() == ErrorCode::kDataLoss || s.code() == ErrorCode::kUnavailable) {
    log::Error("request failed", {{"request_id", req.request_id},
                                  {"route", route.pattern},
                                  {"code", ErrorCodeName(s.code())},
                                  {"error", s.message()}});
  }
  Response r = ProblemResponse(s, req);
  Finish(req, router_.IndexOf(&route), actor, r);
  return r;
}

Response Api::Reject(int status, std::string_view detail, const Request& partial) {
  const ProblemType* type = ProblemByStatus(status);
  Response r = ProblemResponse(Status(type ? type->code : ErrorCode::kMalformed, std::string(detail)), partial);
  Finish(partial, UnmatchedIndex(), "", r);
  return r;
}

void Api::Finish(const Request& req, size_t route_index, const std::string& actor, Response& r) {
  // API responses are data, never pages: no caching, no sniffing, no framing.
  r.With("Cache-Control", "no-store");
  r.With("X-Content-Type-Options", "nosniff");
  r.With("X-Frame-Options", "DENY");
  r.With("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  r.With("Referrer-Policy", "no-referrer");
  Observe(req, route_index, actor, r);
}

void Api::Observe(const Request& req, size_t route_index, const std::string& actor, const Response& r) {
  const int64_t micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - req.received_at).count();
  metrics_->ObserveRequest(route_index, r.status, micros);
  if (options_.access_log && log::Enabled(log::Level::kInfo)) {
    const std::string_view route = route_index < router_.routes().size()
                                       ? std::string_view(router_.routes()[route_index].pattern)
                                   : route_index == WebIndex() ? "web-ui"
                                                               : "unmatched";
    log::Info("request", {{"request_id", req.request_id},
                          {"method", req.method},
                          {"path", req.path},
                          {"route", route},
                          {"status", r.status},
                          {"duration_us", micros},
                          {"bytes_out", r.body.size()},
                          {"client_ip", req.client_ip},
                          {"user", actor}});
  }
}

}  // namespace cl::http
