// libFuzzer target: every route of the API, called in process with the
// server's own request handler on a real SQLite database. An input is
//
//   <operation id>[?<query>]\n<body>
//
// (a first line naming no operation picks one by its hash). Path parameters
// name resources the harness created at start (a change, its evidence, a
// user, a token, a webhook, a freeze), so handlers get past their lookups;
// PATCH routes get the ETag the resource has now, so bodies reach the edit.
// Every answer must be below 500, a problem must be problem+json, and a JSON
// success must parse: a 500 is as much a finding as a crash.
//
// At start the harness writes one seed per route into the corpus directory
// (the first directory argument): its operation id and a body generated from
// the route's request schema, once with the required fields only and once
// with all of them, so mutation starts from inputs the validator accepts.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/change.h"
#include "crypto/crypto.h"
#include "http/api.h"
#include "http/message.h"
#include "server/local_app.h"

namespace {

using nlohmann::json;

class Headers final : public cl::http::HeaderSource {
 public:
  std::map<std::string, std::string> values;
  std::string_view Get(std::string_view name) const override {
    for (const auto& [k, v] : values) {
      if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
    }
    return {};
  }
};

struct Answer {
  int status = 0;
  std::string content_type;
  std::string body;
  std::string etag;
};

struct Harness {
  std::filesystem::path dir;
  std::unique_ptr<cl::LocalApp> app;
  std::unique_ptr<cl::http::Api> api;
  std::string token;
  std::map<std::string, std::string> ids;  // path pattern prefix -> id to use for {id}
  std::string change_key = "CHG-1";

  Answer Call(const std::string& method, const std::string& target, std::string body,
              const std::string& content_type = "application/json", const std::string& if_match = "") {
    Headers h;
    h.values["Authorization"] = "Bearer " + token;
    h.values["Content-Type"] = content_type;
    if (!if_match.empty()) h.values["If-Match"] = if_match;
    cl::http::Request r;
    r.method = method;
    r.target = target;
    const size_t q = target.find('?');
    r.path = std::string_view(target).substr(0, q);
    r.query = q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
    r.body = std::move(body);
    r.headers = &h;
    r.client_ip = "192.0.2.10";
    r.request_id = "fuzz";
    r.received_at = std::chrono::steady_clock::now();
    std::promise<cl::http::Response> done;
    auto answered = done.get_future();
    api->Handle(r, [&](cl::http::Response resp) { done.set_value(std::move(resp)); });
    cl::http::Response resp = answered.get();
    Answer a{resp.status, resp.content_type, std::move(resp.body), ""};
    for (const auto& [k, v] : resp.headers) {
      if (strcasecmp(k.c_str(), "ETag") == 0) a.etag = v;
    }
    return a;
  }

  // POSTs `body` and returns the string at `field` (a JSON pointer) of the answer.
  std::string Created(const std::string& path, const json& body, const std::string& field = "/id") {
    Answer a = Call("POST", path, body.dump());
    const json j = json::parse(a.body, nullptr, false);
    const json::json_pointer at(field);
    if (a.status >= 300 || !j.is_object() || !j.contains(at) || !j[at].is_string()) {
      std::fprintf(stderr, "fuzz_api: set-up POST %s answered %d: %s\n", path.c_str(), a.status, a.body.c_str());
      std::abort();
    }
    return j[at].get<std::string>();
  }

  // The pattern with each {param} replaced by a resource the harness made.
  std::string Fill(const std::string& pattern) const {
    std::string out;
    for (size_t i = 0; i < pattern.size();) {
      if (pattern[i] != '{') {
        out += pattern[i++];
        continue;
      }
      const size_t end = pattern.find('}', i);
      const std::string name = pattern.substr(i + 1, end - i - 1);
      if (name == "key") {
        out += change_key;
      } else if (name == "version") {
        out += "1";
      } else if (name == "sha256") {
        out += std::string(64, '0');
      } else if (name == "slug") {
        out += "validation-failed";
      } else {
        std::string id = "unknown";
        for (const auto& [prefix, value] : ids) {
          if (pattern.compare(0, prefix.size(), prefix) == 0) id = value;
        }
        out += id;
      }
      i = end + 1;
    }
    return out;
  }
};

Harness* g = nullptr;

std::string OperationName(const cl::http::Route& r) {
  return r.operation_id.empty() ? r.method + " " + r.pattern : r.operation_id;
}

// An instance of a JSON Schema (as /openapi.json renders the route's).
json Instance(const json& s, bool all_fields, int depth = 0) {
  if (depth > 8 || !s.is_object()) return nullptr;
  if (s.contains("enum") && s["enum"].is_array() && !s["enum"].empty()) return s["enum"][0];
  if (s.contains("examples") && s["examples"].is_array() && !s["examples"].empty()) return s["examples"][0];
  std::string type;
  if (s.contains("type")) type = s["type"].is_array() ? s["type"][0].get<std::string>() : s["type"].get<std::string>();
  if (type == "string") {
    const std::string format = s.value("format", "");
    if (format == "date-time") return "2026-09-22T08:00:00Z";
    if (format == "uri") return "https://ci.example.com/run/1";
    const size_t n = static_cast<size_t>(std::max<int64_t>(s.value("minLength", int64_t{4}), 1));
    return std::string(n, 'a');
  }
  if (type == "integer") return s.value("minimum", int64_t{1});
  if (type == "boolean") return true;
  if (type == "array") {
    json a = json::array();
    const int64_t n = std::max<int64_t>(s.value("minItems", int64_t{1}), 1);
    for (int64_t i = 0; i < n && i < 4; ++i)
      a.push_back(Instance(s.value("items", json::object()), all_fields, depth + 1));
    return a;
  }
  if (type == "object") {
    json o = json::object();
    const json required = s.value("required", json::array());
    const json properties = s.value("properties", json::object());
    for (const auto& [name, prop] : properties.items()) {
      const bool needed = std::find(required.begin(), required.end(), name) != required.end();
      if (needed || all_fields) o[name] = Instance(prop, all_fields, depth + 1);
    }
    if (o.empty() && s.contains("additionalProperties") && s["additionalProperties"].is_object()) {
      o["k"] = Instance(s["additionalProperties"], all_fields, depth + 1);
    }
    return o;
  }
  return json::object({{"k", 1}});  // free-form
}

std::string QueryInstance(const cl::http::Route& r) {
  std::string q;
  for (const cl::http::QueryParam& p : r.query) {
    json v = Instance(p.schema.ToJsonSchema(), true);
    q += (q.empty() ? "" : "&") + p.name + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return q;
}

void WriteSeed(const std::filesystem::path& corpus, const std::string& text) {
  const std::string name = "seed-" + cl::crypto::ToHex(cl::crypto::Sha256(text)).substr(0, 16);
  std::ofstream(corpus / name, std::ios::binary) << text;
}

void WriteSeeds(const std::filesystem::path& corpus) {
  std::filesystem::create_directories(corpus);
  for (const cl::http::Route& r : g->api->router().routes()) {
    const std::string name = OperationName(r);
    const std::string query = QueryInstance(r);
    WriteSeed(corpus, name + "\n");
    if (!query.empty()) WriteSeed(corpus, name + "?" + query + "\n");
    if (r.request) {
      const json schema = r.request->ToJsonSchema();
      WriteSeed(corpus, name + "\n" + Instance(schema, false).dump());
      WriteSeed(corpus, name + "\n" + Instance(schema, true).dump());
    }
  }
}

json Change() {
  json impact = json::object();
  for (cl::ImpactArea a : cl::kAllImpactAreas) impact[std::string(cl::Name(a))] = {{"answer", "no"}, {"note", ""}};
  return {{"title", "Raise the payments worker pool to 12"},
          {"type", "normal"},
          {"service", "payments"},
          {"environment", "staging"},
          {"category", "technical"},
          {"justification", "Checkout latency at peak"},
          {"security_impact", impact},
          {"test_plan", "Load test in staging"},
          {"implementation_plan", "Apply the reviewed change"},
          {"rollback_plan", "Revert the commit and re-apply"},
          {"planned_window", {{"start", "2026-09-22T08:00:00Z"}, {"end", "2026-09-22T09:00:00Z"}}}};
}

[[noreturn]] void Fail(const char* what, const cl::Status& s) {
  std::string why = s.message();
  for (const cl::FieldError& e : s.field_errors()) why += "; " + e.field + ": " + e.message;
  std::fprintf(stderr, "fuzz_api: set-up: %s: %s\n", what, why.c_str());
  std::abort();
}

void SetUp(const char* corpus) {
  g = new Harness();
  char tmpl[] = "/tmp/fuzz-api-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::perror("fuzz_api: mkdtemp");
    std::abort();
  }
  g->dir = tmpl;
  cl::LocalAppOptions lo;
  lo.db_path = (g->dir / "changeledger.db").string();
  auto app = cl::LocalApp::Open(lo);
  if (!app.ok()) Fail("open the database", app.status());
  g->app = std::move(app).value();
  cl::http::ApiOptions ao;
  ao.worker_threads = 2;
  ao.access_log = false;
  ao.github_webhook_secret = "fuzz-github-secret";
  ao.gitlab_webhook_token = "fuzz-gitlab-token";
  g->api = std::make_unique<cl::http::Api>(cl::ApiServicesOf(*g->app), ao);

  const cl::Principal local = cl::LocalPrincipal("fuzz");
  const cl::AuditContext ctx{local.ToActor(), "fuzz-setup", ""};
  auto make_user = [&](const std::string& username, bool with_token) {
    cl::NewUser in;
    in.username = username;
    in.display_name = "Fuzz " + username;
    in.kind = cl::UserKind::kHuman;
    in.roles = {"admin"};
    in.password = "correct horse battery staple " + std::to_string(username.size());
    auto created = g->app->users().Create(local, ctx, in);
    if (!created.ok()) Fail("create user", created.status());
    cl::NewToken t;
    t.name = "fuzz token";
    t.user_id = created->user.id;
    for (const std::string& p : cl::PermissionNames(cl::PermissionsOf(created->user.roles))) t.scopes.push_back(p);
    auto issued = g->app->tokens().Create(local, ctx, t);
    if (!issued.ok()) Fail("create token", issued.status());
    if (with_token) g->token = issued->secret;
    return std::make_pair(created->user.id, issued->token.id);
  };
  make_user("fuzz-admin", true);
  // Users, tokens and the like that path parameters name: not the fuzzer's
  // own, so disabling or revoking them does not lock the fuzzer out.
  const auto [victim, victim_token] = make_user("victim", false);
  g->ids["/api/v1/users/"] = victim;
  g->ids["/api/v1/tokens/"] = victim_token;
  g->change_key = g->Created("/api/v1/changes", Change(), "/key");
  g->ids["/api/v1/changes/{key}/evidence/"] =
      g->Created("/api/v1/changes/" + g->change_key + "/evidence",
                 {{"kind", "test_result"}, {"outcome", "success"}, {"url", "https://ci.example.com/r/7"}});
  g->ids["/api/v1/webhooks/"] =
      g->Created("/api/v1/webhooks", {{"url", "https://93.184.215.14/hook"}, {"events", {"change.*"}}}, "/webhook/id");
  g->ids["/api/v1/freezes/"] = g->Created("/api/v1/freezes", {{"description", "Quarter close"},
                                                              {"environments", {"production"}},
                                                              {"start", "2030-01-01T00:00:00Z"},
                                                              {"end", "2030-01-02T00:00:00Z"}});
  if (corpus != nullptr) WriteSeeds(corpus);
}

[[noreturn]] void Finding(const std::string& what, const cl::http::Route& r, const std::string& target,
                          std::string_view body, const Answer& a) {
  std::fprintf(stderr, "fuzz_api: %s\n  %s %s\n  body (%zu bytes): %.400s\n  answer %d %s: %.600s\n", what.c_str(),
               r.method.c_str(), target.c_str(), body.size(), std::string(body).c_str(), a.status,
               a.content_type.c_str(), a.body.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  const char* corpus = nullptr;
  for (int i = 1; i < *argc; ++i) {
    if ((*argv)[i][0] != '-') {
      corpus = (*argv)[i];
      break;
    }
  }
  SetUp(corpus);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string_view first = input.substr(0, nl);
  const std::string_view body = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  const std::string_view name = first.substr(0, first.find('?'));
  const std::string_view query = first.size() > name.size() ? first.substr(name.size() + 1) : std::string_view();

  const auto& routes = g->api->router().routes();
  const cl::http::Route* route = nullptr;
  for (const cl::http::Route& r : routes) {
    if (OperationName(r) == name) route = &r;
  }
  if (route == nullptr) route = &routes[std::hash<std::string_view>()(name) % routes.size()];

  std::string target = g->Fill(route->pattern);
  if (!query.empty()) target += "?" + std::string(query);
  const std::string content_type = route->raw_body_types.empty() ? "application/json" : route->raw_body_types.front();
  std::string if_match;
  if (route->requires_if_match) {
    Answer now = g->Call("GET", g->Fill(route->pattern), "");
    if_match = now.etag.empty() ? "\"valid\"" : now.etag;
  }
  const Answer a = g->Call(route->method, target, std::string(body), content_type, if_match);

  if (a.status >= 500 && a.status != 503) Finding("server error", *route, target, body, a);
  if (a.status >= 400) {
    if (a.content_type != "application/problem+json") Finding("problem without problem+json", *route, target, body, a);
    const json p = json::parse(a.body, nullptr, false);
    if (!p.is_object() || p.value("status", 0) != a.status) Finding("malformed problem", *route, target, body, a);
  } else if (a.content_type == "application/json" && !a.body.empty() && !json::accept(a.body)) {
    Finding("success body is not JSON", *route, target, body, a);
  }
  return 0;
}
