// Logging in, sessions, CSRF, the one-time-password gate, rate limiting and
// disabled accounts.
#include "tests/api/api_fixture.h"

namespace cl::testing {
namespace {

TEST_F(ApiTest, LoginSetsAHardenedCookieAndReturnsTheCsrfToken) {
  TestUser alice = server().CreateUser("alice", {"approver"});
  BrowserSession s = Login(server(), "alice", alice.password);
  EXPECT_EQ(s.cookie.rfind("cl_session=cls_", 0), 0u) << s.set_cookie;
  EXPECT_NE(s.set_cookie.find("HttpOnly"), std::string::npos) << s.set_cookie;
  EXPECT_NE(s.set_cookie.find("SameSite=Strict"), std::string::npos) << s.set_cookie;
  EXPECT_NE(s.set_cookie.find("Path=/"), std::string::npos) << s.set_cookie;
  // Plain HTTP from loopback: not Secure (the browser would drop it).
  EXPECT_EQ(s.set_cookie.find("Secure"), std::string::npos) << s.set_cookie;
  EXPECT_FALSE(s.csrf.empty());
  EXPECT_EQ(s.body["user"]["username"], "alice");
  EXPECT_FALSE(Has(s.body.dump(), s.cookie.substr(11)));  // the secret is only in the cookie

  Reply me = AsBrowser(server(), s, "GET", "/api/v1/me", nullptr, false);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["authenticated_via"], "session");
}

TEST_F(ApiTest, CookieIsSecureBehindATlsProxy) {
  options_.trust_proxy = true;
  TestUser bob = server().CreateUser("bob", {"auditor"});
  Reply r =
      http().Send("POST", "/api/v1/session", nlohmann::json{{"username", "bob"}, {"password", bob.password}}.dump(),
                  {{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.Header("set-cookie").find("; Secure"), std::string::npos) << r.Header("set-cookie");
}

TEST_F(ApiTest, UnsafeRequestsFromASessionNeedTheCsrfToken) {
  server().Admin();
  TestUser admin2 = server().CreateUser("admin2", {"admin"});
  BrowserSession s = Login(server(), "admin2", admin2.password);
  const nlohmann::json body = {{"username", "carol"}, {"display_name", "Carol"}, {"roles", {"auditor"}}};
  const int64_t users_before = server().UserCount();
  EXPECT_TRUE(IsProblem(AsBrowser(server(), s, "POST", "/api/v1/users", body, false), 403, "csrf-token-invalid"));
  BrowserSession wrong = s;
  wrong.csrf = std::string(s.csrf.size(), 'A');
  EXPECT_TRUE(IsProblem(AsBrowser(server(), wrong, "POST", "/api/v1/users", body), 403, "csrf-token-invalid"));
  EXPECT_EQ(server().UserCount(), users_before);
  Reply ok = AsBrowser(server(), s, "POST", "/api/v1/users", body);
  EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_F(ApiTest, WrongPasswordAndUnknownUserLookTheSame) {
  server().CreateUser("dave", {"auditor"});
  Reply wrong = http().Json("POST", "/api/v1/session", {{"username", "dave"}, {"password", "nope"}});
  Reply unknown = http().Json("POST", "/api/v1/session", {{"username", "nobody"}, {"password", "nope"}});
  EXPECT_TRUE(IsProblem(wrong, 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(unknown, 401, "unauthenticated"));
  EXPECT_EQ(wrong.json()["detail"], unknown.json()["detail"]);
  EXPECT_TRUE(wrong.Header("set-cookie").empty());
}

TEST_F(ApiTest, RepeatedFailedLoginsAreRateLimitedAndAudited) {
  TestUser erin = server().CreateUser("erin", {"auditor"});
  const int64_t audit_before = server().AuditCount();
  for (int i = 0; i < 5; ++i) {
    Reply r = http().Json("POST", "/api/v1/session", {{"username", "erin"}, {"password", "guess"}});
    EXPECT_EQ(r.status, 401) << i;
  }
  // Even the right password is refused while locked.
  Reply locked = http().Json("POST", "/api/v1/session", {{"username", "erin"}, {"password", erin.password}});
  EXPECT_TRUE(IsProblem(locked, 429, "rate-limited"));
  const int retry = std::stoi(locked.Header("retry-after"));
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 15 * 60);
  EXPECT_GE(server().AuditCount(), audit_before + 5);  // each failure is an audit event
  Reply events = http().Get("/api/v1/audit/events?action=session.login_failed&limit=50", server().Admin().token);
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_GE(events.json()["items"].size(), 5u);
  EXPECT_FALSE(Has(events.body, "guess"));  // attempted passwords are never recorded
}

TEST_F(ApiTest, OneTimePasswordMustBeChangedBeforeAnythingElse) {
  Reply created =
      http().Json("POST", "/api/v1/users", {{"username", "frank"}, {"display_name", "Frank"}, {"roles", {"auditor"}}},
                  server().Admin().token);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string otp = created.json()["one_time_password"];
  BrowserSession s = Login(server(), "frank", otp);
  EXPECT_EQ(s.body["user"]["must_change_password"], true);
  EXPECT_TRUE(IsProblem(AsBrowser(server(), s, "GET", "/api/v1/users"), 403, "password-change-required"));
  EXPECT_EQ(AsBrowser(server(), s, "GET", "/api/v1/me").status, 200);  // allowed: shows what to do

  Reply weak =
      AsBrowser(server(), s, "POST", "/api/v1/me/password", {{"current_password", otp}, {"new_password", "short"}});
  EXPECT_TRUE(IsProblem(weak, 422, "validation-failed"));
  EXPECT_EQ(weak.json()["errors"][0]["pointer"], "#/new_password") << weak.body;

  Reply changed = AsBrowser(server(), s, "POST", "/api/v1/me/password",
                            {{"current_password", otp}, {"new_password", "a-much-better-passphrase-9"}});
  EXPECT_EQ(changed.status, 204) << changed.body;
  EXPECT_EQ(AsBrowser(server(), s, "GET", "/api/v1/users").status, 200);
  // The one-time password no longer works.
  EXPECT_EQ(http().Json("POST", "/api/v1/session", {{"username", "frank"}, {"password", otp}}).status, 401);
}

TEST_F(ApiTest, LogoutEndsTheSession) {
  TestUser grace = server().CreateUser("grace", {"auditor"});
  BrowserSession s = Login(server(), "grace", grace.password);
  Reply out = AsBrowser(server(), s, "DELETE", "/api/v1/session");
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_NE(out.Header("set-cookie").find("Max-Age=0"), std::string::npos) << out.Header("set-cookie");
  EXPECT_TRUE(IsProblem(AsBrowser(server(), s, "GET", "/api/v1/me"), 401, "unauthenticated"));
}

TEST_F(ApiTest, DisablingAUserEndsSessionsAndStopsTokens) {
  TestUser heidi = server().CreateUser("heidi", {"implementer"});
  BrowserSession s = Login(server(), "heidi", heidi.password);
  Reply got = http().Get("/api/v1/users/heidi", server().Admin().token);
  ASSERT_EQ(got.status, 200) << got.body;
  Reply disabled = http().Edit("/api/v1/users/heidi", {{"disabled", true}}, server().Admin().token);
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_EQ(disabled.json()["disabled"], true);
  EXPECT_EQ(AsBrowser(server(), s, "GET", "/api/v1/me").status, 401);
  EXPECT_EQ(http().Get("/api/v1/me", heidi.token).status, 401);
  EXPECT_EQ(http().Json("POST", "/api/v1/session", {{"username", "heidi"}, {"password", heidi.password}}).status, 401);
  Reply enabled = http().Edit("/api/v1/users/heidi", {{"disabled", false}}, server().Admin().token);
  ASSERT_EQ(enabled.status, 200) << enabled.body;
  EXPECT_EQ(http().Get("/api/v1/me", heidi.token).status, 200);
}

TEST_F(ApiTest, BadBearerTokensAreRejectedWithoutDetail) {
  for (const std::string& bad :
       {std::string("clt_definitely-not-a-token"), std::string("garbage"), std::string(300, 'x')}) {
    Reply r = http().Get("/api/v1/me", bad);
    EXPECT_TRUE(IsProblem(r, 401, "unauthenticated")) << bad;
    EXPECT_EQ(r.Header("www-authenticate"), "Bearer realm=\"changeledger\"");
  }
}

}  // namespace
}  // namespace cl::testing
