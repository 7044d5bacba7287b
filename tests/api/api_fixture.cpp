#include "tests/api/api_fixture.h"

#include "tests/support/change_fixture.h"

namespace cl::testing {

BrowserSession Login(TestServer& server, const std::string& username, const std::string& password) {
  BrowserSession s;
  Reply r = server.http().Json("POST", "/api/v1/session", {{"username", username}, {"password", password}});
  EXPECT_EQ(r.status, 201) << r.body;
  s.set_cookie = r.Header("set-cookie");
  s.cookie = s.set_cookie.substr(0, s.set_cookie.find(';'));
  s.body = r.json();
  if (s.body.is_object() && s.body.contains("csrf_token")) s.csrf = s.body["csrf_token"];
  return s;
}

Reply AsBrowser(TestServer& server, const BrowserSession& s, const std::string& method, const std::string& path,
                const nlohmann::json& body, bool with_csrf) {
  std::map<std::string, std::string> h{{"Cookie", s.cookie}};
  if (with_csrf) h["X-CSRF-Token"] = s.csrf;
  return server.http().Send(method, path, body.is_null() ? "" : body.dump(), h);
}

::testing::AssertionResult IsProblem(const Reply& r, long status, const std::string& slug) {
  if (r.status != status) {
    return ::testing::AssertionFailure() << "status " << r.status << " != " << status << ": " << r.body;
  }
  if (r.Header("content-type").rfind("application/problem+json", 0) != 0) {
    return ::testing::AssertionFailure() << "content type " << r.Header("content-type");
  }
  const nlohmann::json j = r.json();
  if (!j.is_object()) return ::testing::AssertionFailure() << "not JSON: " << r.body;
  for (const char* k : {"type", "title", "status", "detail"}) {
    if (!j.contains(k)) return ::testing::AssertionFailure() << "no " << k << ": " << r.body;
  }
  if (j["type"] != "/problems/" + slug) {
    return ::testing::AssertionFailure() << "type " << j["type"] << " != /problems/" << slug;
  }
  if (j["status"] != status) return ::testing::AssertionFailure() << "body status " << j["status"];
  return ::testing::AssertionSuccess();
}

void ApiTest::TearDown() {
  if (server_ && !HasFailure()) ExpectAuditIntact(*server_);
}

}  // namespace cl::testing
