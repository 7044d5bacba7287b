// Operational endpoints, routing errors, request ids and the OpenAPI document.
#include <set>

#include "tests/api/api_fixture.h"
#include "tests/support/pg_test_cluster.h"

namespace cl::testing {
namespace {

TEST_F(ApiTest, HealthAndReadinessNeedNoCredentials) {
  Reply h = http().Get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.json()["status"], "ok") << h.body;
  Reply r = http().Get("/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["status"], "ready") << r.body;
  EXPECT_EQ(r.json()["database"], ApiBackend()) << r.body;
}

TEST_F(ApiTest, SecurityHeadersOnEveryResponse) {
  for (const char* path : {"/healthz", "/api/v1/users", "/nope"}) {
    Reply r = http().Get(path);
    EXPECT_EQ(r.Header("x-content-type-options"), "nosniff") << path;
    EXPECT_FALSE(r.Header("cache-control").empty()) << path;
    EXPECT_FALSE(r.Header("x-request-id").empty()) << path;
  }
}

TEST_F(ApiTest, UnknownPathIsA404Problem) {
  Reply r = http().Get("/api/v1/does-not-exist");
  EXPECT_TRUE(IsProblem(r, 404, "not-found"));
  EXPECT_EQ(r.json()["instance"], "/api/v1/does-not-exist");
}

TEST_F(ApiTest, WrongMethodIsA405WithAllow) {
  Reply r = http().Send("PUT", "/api/v1/users", "{}");
  EXPECT_TRUE(IsProblem(r, 405, "method-not-allowed"));
  EXPECT_EQ(r.Header("allow"), "GET, POST, HEAD");
}

TEST_F(ApiTest, RequestIdIsEchoedOrMinted) {
  Reply given = http().Send("GET", "/healthz", "", {{"X-Request-Id", "pipeline-42.step-7"}});
  EXPECT_EQ(given.Header("x-request-id"), "pipeline-42.step-7");
  Reply minted = http().Send("GET", "/healthz", "", {{"X-Request-Id", "bad id with spaces"}});
  EXPECT_NE(minted.Header("x-request-id"), "bad id with spaces");
  EXPECT_FALSE(minted.Header("x-request-id").empty());
  Reply problem = http().Send("GET", "/nope", "", {{"X-Request-Id", "req-problem-1"}});
  EXPECT_EQ(problem.json()["request_id"], "req-problem-1");
}

TEST_F(ApiTest, HeadAnswersLikeGetWithoutABody) {
  Reply r = http().Send("HEAD", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(ApiTest, MetricsCountRequestsByRouteAndStatus) {
  http().Get("/healthz");
  http().Get("/api/v1/users");  // 401
  EXPECT_TRUE(IsProblem(http().Get("/metrics"), 401, "unauthenticated"));
  const Reply m = http().Get("/metrics", server().Admin().token);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.Header("content-type").rfind("text/plain; version=0.0.4", 0), 0u) << m.Header("content-type");
  EXPECT_NE(m.body.find("changeledger_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("route=\"/api/v1/users\",status=\"401\""), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("changeledger_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(m.body.find("changeledger_db_commit_duration_seconds_bucket"), std::string::npos);
}

TEST_F(ApiTest, OpenApiDescribesEveryRoute) {
  const Reply r = http().Get("/openapi.json");
  ASSERT_EQ(r.status, 200);
  const nlohmann::json doc = r.json();
  EXPECT_EQ(doc["openapi"].get<std::string>().rfind("3.1", 0), 0u);
  for (const http::Route& route : server().api().router().routes()) {
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(c));
    ASSERT_TRUE(doc["paths"].contains(route.pattern)) << route.pattern;
    const nlohmann::json& op = doc["paths"][route.pattern][method];
    ASSERT_TRUE(op.is_object()) << route.method << " " << route.pattern;
    EXPECT_FALSE(op.value("operationId", "").empty()) << route.pattern;
    EXPECT_TRUE(op["responses"].contains(std::to_string(route.success_status))) << route.pattern;
  }
}

TEST_F(ApiTest, ProblemTypesAreDocumentedAtTheirUri) {
  Reply problem = http().Get("/api/v1/users");
  const std::string type = problem.json()["type"];
  Reply doc = http().Get(type);
  EXPECT_EQ(doc.status, 200) << type;
  EXPECT_NE(doc.body.find("401"), std::string::npos) << doc.body;
}

}  // namespace
}  // namespace cl::testing
