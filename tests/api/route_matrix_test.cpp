// Every route × every role (and no credentials), checked against the table
// below, written by hand from the permission model in docs. A route added
// without a row here fails the test, so no route ships without a decision.
#include <fmt/format.h>

#include <map>
#include <set>

#include "tests/api/api_fixture.h"

namespace cl::testing {
namespace {

// Columns: anonymous, admin, change_manager, approver, implementer, auditor, ci.
// 'Y' allowed, '-' refused (401 for anonymous, 403 for roles), 'S' signed
// webhook: 401 for everybody without the shared secret, tokens or not.
struct Row {
  const char* method;
  const char* pattern;
  const char* access;  // 7 characters, one per column
};

constexpr Row kTable[] = {
    // method  pattern                                   anon A M P I U C
    {"GET", "/", "YYYYYYY"},
    {"GET", "/healthz", "YYYYYYY"},
    {"GET", "/readyz", "YYYYYYY"},
    {"GET", "/metrics", "-Y---Y-"},
    {"GET", "/openapi.json", "YYYYYYY"},
    {"GET", "/problems/{slug}", "YYYYYYY"},
    {"POST", "/api/v1/session", "YYYYYYY"},
    {"GET", "/api/v1/session", "-YYYYYY"},
    {"DELETE", "/api/v1/session", "-YYYYYY"},
    {"GET", "/api/v1/me", "-YYYYYY"},
    {"POST", "/api/v1/me/password", "-YYYYYY"},
    {"GET", "/api/v1/users", "-YY--Y-"},
    {"POST", "/api/v1/users", "-Y-----"},
    {"GET", "/api/v1/users/{id}", "-YY--Y-"},
    {"PATCH", "/api/v1/users/{id}", "-Y-----"},
    {"POST", "/api/v1/users/{id}/password-reset", "-Y-----"},
    {"GET", "/api/v1/tokens", "-YYYYY-"},
    {"POST", "/api/v1/tokens", "-YYYYY-"},
    {"GET", "/api/v1/tokens/{id}", "-YYYYY-"},
    {"DELETE", "/api/v1/tokens/{id}", "-YYYYY-"},
    {"GET", "/api/v1/audit/events", "-YY--Y-"},
    {"GET", "/api/v1/audit/export", "-Y---Y-"},
    {"POST", "/api/v1/audit/export/seal", "-Y---Y-"},
    {"GET", "/api/v1/audit/checkpoints", "-YY--Y-"},
    {"GET", "/api/v1/audit/keys", "-YY--Y-"},
    {"GET", "/api/v1/audit/verification", "-YY--Y-"},
    {"GET", "/api/v1/changes", "-YYYYY-"},
    {"GET", "/api/v1/me/pending-approvals", "-Y-Y---"},
    {"POST", "/api/v1/changes", "-YY-Y--"},
    {"GET", "/api/v1/changes/{key}", "-YYYYY-"},
    {"PATCH", "/api/v1/changes/{key}", "-YY-Y--"},
    {"POST", "/api/v1/changes/{key}/submit", "-YY-Y--"},
    {"POST", "/api/v1/changes/{key}/schedule", "-YY-Y--"},
    {"POST", "/api/v1/changes/{key}/start", "-Y--Y--"},
    {"POST", "/api/v1/changes/{key}/complete", "-Y--Y--"},
    {"POST", "/api/v1/changes/{key}/fail", "-Y--Y--"},
    {"POST", "/api/v1/changes/{key}/rollback", "-Y--Y--"},
    {"POST", "/api/v1/changes/{key}/verify", "-YY-Y--"},
    {"POST", "/api/v1/changes/{key}/close", "-YY-Y--"},
    {"POST", "/api/v1/changes/{key}/cancel", "-YY-Y--"},
    {"POST", "/api/v1/changes/{key}/approvals", "-Y-Y---"},
    {"POST", "/api/v1/changes/{key}/evidence", "-Y--Y-Y"},
    {"PATCH", "/api/v1/changes/{key}/evidence/{id}", "-Y-Y---"},
    {"POST", "/api/v1/changes/{key}/reviews", "-Y-Y---"},
    {"GET", "/api/v1/files/{sha256}", "-YYYYY-"},
    {"GET", "/api/v1/findings", "-YYYYY-"},
    {"GET", "/api/v1/reports/emergency-patterns", "-YYYYY-"},
    {"GET", "/api/v1/policy", "-YYYYY-"},
    {"PUT", "/api/v1/policy", "-YY----"},
    {"GET", "/api/v1/policy/versions", "-YYYYY-"},
    {"GET", "/api/v1/policy/versions/{version}", "-YYYYY-"},
    {"POST", "/api/v1/policy/evaluate", "-YYYYY-"},
    {"GET", "/api/v1/templates", "-YYYYY-"},
    {"POST", "/api/v1/webhooks", "-YY----"},
    {"GET", "/api/v1/webhooks", "-YYYYY-"},
    {"DELETE", "/api/v1/webhooks/{id}", "-YY----"},
    {"GET", "/api/v1/webhooks/{id}/deliveries", "-YYYYY-"},
    {"GET", "/api/v1/notifications", "-YYYYY-"},
    {"POST", "/api/v1/notifications/read", "-YYYYY-"},
    {"GET", "/api/v1/me/notification-preferences", "-YYYYY-"},
    {"PUT", "/api/v1/me/notification-preferences", "-YYYYY-"},
    {"GET", "/api/v1/changes/{key}/notifications", "-YYYYY-"},
    {"POST", "/api/v1/changes/{key}/plans", "-YY-Y-Y"},
    {"POST", "/api/v1/changes/{key}/manifests", "-YY-Y-Y"},
    {"POST", "/api/v1/gate", "-Y----Y"},
    {"POST", "/api/v1/deployments", "-Y--Y-Y"},
    {"GET", "/api/v1/deployments", "-YYYYY-"},
    {"POST", "/api/v1/freezes", "-YY----"},
    {"GET", "/api/v1/freezes", "-YYYYY-"},
    {"POST", "/api/v1/freezes/{id}/lift", "-YY----"},
    // Webhook receivers authenticate by their signature, not by a token.
    {"POST", "/api/v1/hooks/github", "SSSSSSS"},
    {"POST", "/api/v1/hooks/gitlab", "SSSSSSS"},
};

constexpr const char* kRoles[] = {"admin", "change_manager", "approver", "implementer", "auditor", "ci"};

std::string Concrete(std::string pattern, const std::string& user_id) {
  auto replace = [&](const std::string& from, const std::string& to) {
    if (auto at = pattern.find(from); at != std::string::npos) pattern.replace(at, from.size(), to);
  };
  replace("{id}", pattern.starts_with("/api/v1/users") ? user_id : "tok_00000000000000000000000000");
  replace("{slug}", "not-found");
  replace("{key}", "CHG-999999");
  replace("{sha256}", std::string(64, '0'));
  replace("{version}", "1");
  return pattern;
}

TEST_F(ApiTest, EveryRouteHasARowInTheAccessTable) {
  std::set<std::pair<std::string, std::string>> table, routes;
  for (const Row& r : kTable) {
    EXPECT_EQ(std::string(r.access).size(), 7u) << r.method << " " << r.pattern;
    table.insert({r.method, r.pattern});
  }
  for (const http::Route& r : server().api().router().routes()) routes.insert({r.method, r.pattern});
  for (const auto& r : routes) EXPECT_TRUE(table.contains(r)) << "no access row for " << r.first << " " << r.second;
  for (const auto& r : table)
    EXPECT_TRUE(routes.contains(r)) << "row for a route that does not exist: " << r.first << " " << r.second;
}

TEST_F(ApiTest, EveryRouteAllowsAndDeniesAsTheTableSays) {
  std::map<std::string, TestUser> users;
  for (const char* role : kRoles) users[role] = server().CreateUser(std::string("m-") + role, {role});
  // A target for /users/{id} that is nobody's own account.
  const TestUser target = server().CreateUser("m-target", {"auditor"});

  for (const Row& row : kTable) {
    const std::string path = Concrete(row.pattern, target.user.id);
    const std::string body = std::string(row.method) == "GET" || std::string(row.method) == "DELETE" ? "" : "{}";
    for (int col = 0; col < 7; ++col) {
      std::map<std::string, std::string> headers;
      std::string who = "anonymous";
      if (col > 0) {
        who = kRoles[col - 1];
        headers["Authorization"] = "Bearer " + users[who].token;
      }
      const Reply r = http().Send(row.method, path, body, headers);
      const bool allowed = row.access[col] == 'Y';
      SCOPED_TRACE(fmt::format("{} {} as {}: {} {}", row.method, path, who, r.status, r.body));
      ASSERT_GT(r.status, 0);
      EXPECT_LT(r.status, 500);
      if (row.access[col] == 'S') {
        EXPECT_TRUE(IsProblem(r, 401, "unauthenticated"));
      } else if (allowed) {
        EXPECT_NE(r.status, 401);
        EXPECT_NE(r.status, 403);
      } else if (col == 0) {
        EXPECT_TRUE(IsProblem(r, 401, "unauthenticated"));
      } else {
        EXPECT_TRUE(IsProblem(r, 403, "forbidden"));
      }
    }
  }
}

}  // namespace
}  // namespace cl::testing
