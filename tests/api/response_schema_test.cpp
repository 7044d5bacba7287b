// Responses match the schemas /openapi.json documents for them, so clients
// generated from the document work.
#include "tests/api/api_fixture.h"

namespace cl::testing {
namespace {

void ExpectConforms(TestServer& s, const std::string& method, const std::string& pattern, const Reply& r) {
  SCOPED_TRACE(method + " " + pattern);
  ASSERT_LT(r.status, 300) << r.body;
  const nlohmann::json body = r.json();
  ASSERT_FALSE(body.is_discarded()) << r.body;
  for (const FieldError& e : ResponseSchemaErrors(s.api(), method, pattern, body)) {
    ADD_FAILURE() << e.field << ": " << e.message << "\n" << r.body;
  }
}

TEST_F(ApiTest, ResponsesMatchTheirDocumentedSchemas) {
  TestServer& s = server();
  const TestUser& admin = s.Admin();
  const std::string t = admin.token;
  ExpectConforms(s, "GET", "/healthz", http().Get("/healthz"));
  ExpectConforms(s, "GET", "/readyz", http().Get("/readyz"));
  ExpectConforms(s, "GET", "/", http().Get("/"));
  ExpectConforms(s, "GET", "/api/v1/me", http().Get("/api/v1/me", t));

  Reply created = http().Json("POST", "/api/v1/users",
                              {{"username", "quinn"}, {"display_name", "Quinn"}, {"roles", {"approver"}}}, t);
  ExpectConforms(s, "POST", "/api/v1/users", created);
  const std::string id = created.json()["user"]["id"];
  ExpectConforms(s, "GET", "/api/v1/users", http().Get("/api/v1/users", t));
  ExpectConforms(s, "GET", "/api/v1/users/{id}", http().Get("/api/v1/users/" + id, t));
  ExpectConforms(s, "PATCH", "/api/v1/users/{id}", http().Edit("/api/v1/users/" + id, {{"email", "q@example.com"}}, t));
  ExpectConforms(
      s, "POST", "/api/v1/users/{id}/password-reset",
      http().Send("POST", "/api/v1/users/" + id + "/password-reset", "", {{"Authorization", "Bearer " + t}}));

  Reply token = http().Json("POST", "/api/v1/tokens", {{"name", "n"}, {"scopes", {"audit:read"}}}, t);
  ExpectConforms(s, "POST", "/api/v1/tokens", token);
  const std::string tid = token.json()["token"]["id"];
  ExpectConforms(s, "GET", "/api/v1/tokens", http().Get("/api/v1/tokens", t));
  ExpectConforms(s, "GET", "/api/v1/tokens/{id}", http().Get("/api/v1/tokens/" + tid, t));
  ExpectConforms(s, "DELETE", "/api/v1/tokens/{id}",
                 http().Send("DELETE", "/api/v1/tokens/" + tid, "", {{"Authorization", "Bearer " + t}}));

  TestUser rae = s.CreateUser("rae", {"auditor"});
  Reply login = http().Json("POST", "/api/v1/session", {{"username", "rae"}, {"password", rae.password}});
  ExpectConforms(s, "POST", "/api/v1/session", login);

  for (const char* p : {"/api/v1/audit/events", "/api/v1/audit/checkpoints", "/api/v1/audit/keys",
                        "/api/v1/audit/verification", "/api/v1/audit/export"}) {
    ExpectConforms(s, "GET", p, http().Get(p, t));
  }
}

}  // namespace
}  // namespace cl::testing
