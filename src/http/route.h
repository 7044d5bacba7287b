// A route: method + path pattern + who may call it + how its input and
// output look + the handler. The route table is the single source for
// dispatch, authorization, request validation and /openapi.json. Routes are
// immutable after registration; handlers must be thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/authz.h"
#include "core/principal.h"
#include "core/store.h"
#include "core/user.h"
#include "http/message.h"
#include "http/schema.h"

namespace cl::http {

enum class Access {
  kPublic,         // no credentials needed
  kAuthenticated,  // any valid credential
  kPermission,     // a credential granting `permission`
};

// Everything a handler gets: the parsed, authenticated, validated request.
struct Ctx {
  explicit Ctx(const Request& r) : req(r) {}
  const Request& req;
  const Principal* principal = nullptr;            // null on public routes
  std::optional<Session> session;                  // when authenticated by cookie
  std::map<std::string, std::string> params;       // path parameters, decoded
  nlohmann::json args = nlohmann::json::object();  // typed, validated query parameters
  nlohmann::json body;                             // validated against the route's request schema

  AuditContext Audit() const;
  const std::string& Param(const std::string& name) const;
  // A validated query parameter, or the fallback when absent.
  std::string Arg(const std::string& name, const std::string& fallback = "") const;
  int64_t IntArg(const std::string& name, int64_t fallback) const;
  bool BoolArg(const std::string& name, bool fallback) const;
};

using Handler = std::function<Result<Response>(Ctx&)>;

// How an asynchronous handler answers: exactly once, from any thread.
using Reply = std::function<void(Result<Response>)>;
// A handler whose work ends in a durable write it does not wait for (the
// deploy gate): it starts the work and answers through `reply` when the
// core operation reports it done. It must not keep `ctx` past its return.
using AsyncHandler = std::function<void(Ctx&, Reply)>;

struct QueryParam {
  std::string name;
  Schema schema;
  std::string description{};
};

struct Route {
  std::string method{};   // GET, POST, PUT, PATCH, DELETE
  std::string pattern{};  // "/api/v1/users/{id}"
  Access access = Access::kPermission;
  Permission permission = Permission::kSelfManage;
  // kPermission routes that either of two permissions opens (e.g. people
  // with changes:write and pipelines with evidence:write).
  std::optional<Permission> or_permission{};
  bool allowed_before_password_change = false;
  // Edits of a versioned resource must send If-Match with the ETag the
  // client read (428 otherwise): a UI form left open never silently
  // overwrites someone else's edit.
  bool requires_if_match = false;
  bool offload = false;  // run on the worker pool (hashing, waiting on commits)
  // An offloaded route whose work is short apart from one durable commit: when
  // no other offloaded request is in flight it runs on the I/O thread, saving
  // two thread wake-ups (about 0.5 ms here). Never for password hashing or
  // large uploads.
  bool inline_when_idle = false;
  size_t body_limit = 1 << 20;
  std::string operation_id{};
  std::string tag{};
  std::string summary{};
  std::string description{};
  std::optional<Schema> request{};
  // The core reader behind the handler validates the body (the one reader
  // for every way in: API, policy test cases, templates); `request` then only
  // documents it, and the body is not checked twice against two copies of
  // the same rules.
  bool core_validates_request = false;
  // A route that takes the body as it is (a plan file, a signed webhook
  // payload) lists the media types it accepts; the handler reads ctx.req.body.
  std::vector<std::string> raw_body_types{};
  // The handler authenticates the raw body itself (signed webhooks) and so
  // checks its media type only after the signature: nothing about an
  // unsigned request is examined.
  bool raw_body_signed = false;
  std::vector<QueryParam> query{};
  int success_status = 200;
  std::optional<Schema> response{};  // JSON body of the success response
  std::string response_content_type = "application/json";
  std::vector<int> errors{};  // problem statuses worth documenting beyond the defaults
  Handler handler{};
  // Instead of `handler`, for hot write paths (the deploy gate): runs on the
  // I/O thread and never blocks on a commit. Its reads must be short.
  AsyncHandler async{};

  bool Unsafe() const { return method != "GET" && method != "HEAD"; }
};

// Result of matching a request line against the table.
struct Match {
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed_methods;  // when the path exists but not the method
  bool bad_encoding = false;
};

class Router {
 public:
  // Fails (programming error) on a duplicate method+pattern.
  void Add(Route route);
  Match Find(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }
  size_t IndexOf(const Route* route) const { return static_cast<size_t>(route - routes_.data()); }

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> segments_;
};

}  // namespace cl::http
