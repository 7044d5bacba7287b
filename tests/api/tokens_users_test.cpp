// API tokens (shown once, hashed, scoped, expiring, revocable, last used) and
// user administration (last admin, optimistic concurrency, audit trail).
#include <atomic>
#include <thread>

#include "tests/api/api_fixture.h"

namespace cl::testing {
namespace {

TEST_F(ApiTest, TokenSecretIsShownOnceAndScopesNarrowPermissions) {
  TestUser ivan = server().CreateUser("ivan", {"change_manager"});
  Reply created =
      http().Json("POST", "/api/v1/tokens", {{"name", "read only"}, {"scopes", {"users:read"}}}, ivan.token);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string secret = created.json()["secret"];
  const std::string id = created.json()["token"]["id"];
  EXPECT_EQ(secret.rfind("clt_", 0), 0u);
  EXPECT_GE(secret.size(), 4u + 43u);  // 256 bits, base64url
  EXPECT_EQ(created.Header("location"), "/api/v1/tokens/" + id);

  Reply read = http().Get("/api/v1/tokens/" + id, ivan.token);
  ASSERT_EQ(read.status, 200);
  EXPECT_FALSE(Has(read.body, secret.substr(4))) << "secret must never be readable again";
  EXPECT_EQ(read.json()["status"], "active");

  Reply me = http().Get("/api/v1/me", secret);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["permissions"], nlohmann::json::array({"users:read"}));
  EXPECT_EQ(http().Get("/api/v1/users", secret).status, 200);
  // change_manager may create tokens, but this token is not scoped for it.
  EXPECT_TRUE(IsProblem(http().Json("POST", "/api/v1/tokens", {{"name", "x"}, {"scopes", {"users:read"}}}, secret), 403,
                        "forbidden"));
}

TEST_F(ApiTest, TokensCannotEscalateBeyondTheirOwner) {
  TestUser judy = server().CreateUser("judy", {"implementer"});
  Reply r = http().Json("POST", "/api/v1/tokens", {{"name", "sneaky"}, {"scopes", {"users:write"}}}, judy.token);
  EXPECT_TRUE(IsProblem(r, 422, "validation-failed")) << r.body;
  EXPECT_EQ(r.json()["errors"][0]["pointer"], "#/scopes/0") << r.body;
  TestUser bot = server().CreateUser("deploy-bot", {"ci"}, UserKind::kService);
  Reply for_other = http().Json("POST", "/api/v1/tokens",
                                {{"name", "ci"}, {"scopes", {"gate:check"}}, {"user_id", bot.user.id}}, judy.token);
  EXPECT_TRUE(IsProblem(for_other, 403, "forbidden")) << for_other.body;
  Reply by_admin = http().Json("POST", "/api/v1/tokens",
                               {{"name", "ci"}, {"scopes", {"gate:check", "evidence:write"}}, {"user_id", bot.user.id}},
                               server().Admin().token);
  EXPECT_EQ(by_admin.status, 201) << by_admin.body;
  Reply too_much =
      http().Json("POST", "/api/v1/tokens", {{"name", "ci"}, {"scopes", {"users:read"}}, {"user_id", bot.user.id}},
                  server().Admin().token);
  EXPECT_TRUE(IsProblem(too_much, 422, "validation-failed")) << too_much.body;
}

TEST_F(ApiTest, TokensExpireRevokeAndRecordLastUse) {
  ManualClock& clock = manual_clock_;
  options_.clock = &clock;
  TestUser kate = server().CreateUser("kate", {"auditor"});
  Reply created = http().Json("POST", "/api/v1/tokens",
                              {{"name", "short"}, {"scopes", {"audit:read"}}, {"expires_in_days", 1}}, kate.token);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string secret = created.json()["secret"];
  const std::string id = created.json()["token"]["id"];
  ASSERT_EQ(http().Get("/api/v1/audit/keys", secret).status, 200);

  // last_used_at is written in the background; poll the token until it shows.
  std::string last_used;
  for (int i = 0; i < 100 && last_used.empty(); ++i) {
    Reply t = http().Get("/api/v1/tokens/" + id, kate.token);
    if (t.json()["last_used_at"].is_string())
      last_used = t.json()["last_used_at"];
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(last_used, FormatRfc3339(clock.Now()));

  clock.Advance(86400LL * kMicrosPerSecond + 1);
  EXPECT_TRUE(IsProblem(http().Get("/api/v1/audit/keys", secret), 401, "unauthenticated"));
  EXPECT_EQ(http().Get("/api/v1/tokens/" + id, kate.token).json()["status"], "expired");

  Reply second = http().Json("POST", "/api/v1/tokens", {{"name", "second"}, {"scopes", {"audit:read"}}}, kate.token);
  const std::string s2 = second.json()["secret"];
  Reply revoked = http().Send("DELETE", "/api/v1/tokens/" + second.json()["token"]["id"].get<std::string>(), "",
                              {{"Authorization", "Bearer " + kate.token}});
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.json()["status"], "revoked");
  EXPECT_EQ(http().Get("/api/v1/audit/keys", s2).status, 401);

  Reply too_long = http().Json("POST", "/api/v1/tokens",
                               {{"name", "forever"}, {"scopes", {"audit:read"}}, {"expires_in_days", 400}}, kate.token);
  EXPECT_TRUE(IsProblem(too_long, 422, "validation-failed"));
}

// Authentication results are cached briefly; changes must still count from
// the very next request.
TEST_F(ApiTest, RevokingOrDisablingStopsATokenThatWasJustUsed) {
  TestUser sam = server().CreateUser("sam", {"auditor"});
  Reply t = http().Json("POST", "/api/v1/tokens", {{"name", "hot"}, {"scopes", {"audit:read"}}}, sam.token);
  const std::string secret = t.json()["secret"], id = t.json()["token"]["id"];
  for (int i = 0; i < 3; ++i) ASSERT_EQ(http().Get("/api/v1/audit/keys", secret).status, 200);
  ASSERT_EQ(http().Send("DELETE", "/api/v1/tokens/" + id, "", {{"Authorization", "Bearer " + sam.token}}).status, 200);
  EXPECT_EQ(http().Get("/api/v1/audit/keys", secret).status, 401);

  for (int i = 0; i < 3; ++i) ASSERT_EQ(http().Get("/api/v1/me", sam.token).status, 200);
  ASSERT_EQ(http().Edit("/api/v1/users/sam", {{"roles", {"approver"}}}, server().Admin().token).status, 200);
  Reply me = http().Get("/api/v1/me", sam.token);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json()["user"]["roles"], nlohmann::json::array({"approver"})) << "role change visible at once";
  EXPECT_EQ(http().Get("/api/v1/audit/keys", sam.token).status, 403) << "auditor rights gone with the role";
  ASSERT_EQ(http().Edit("/api/v1/users/sam", {{"disabled", true}}, server().Admin().token).status, 200);
  EXPECT_EQ(http().Get("/api/v1/me", sam.token).status, 401);
}

TEST_F(ApiTest, UsersSeeOnlyTheirOwnTokensUnlessTokensAdmin) {
  TestUser leo = server().CreateUser("leo", {"approver"});
  TestUser mia = server().CreateUser("mia", {"approver"});
  Reply mine = http().Get("/api/v1/tokens", leo.token);
  ASSERT_EQ(mine.status, 200);
  const nlohmann::json page = mine.json();
  ASSERT_FALSE(page["items"].empty());
  for (const auto& t : page["items"]) EXPECT_EQ(t["user_id"], leo.user.id);
  EXPECT_EQ(http().Get("/api/v1/tokens?all=true", leo.token).status, 403);
  Reply theirs = http().Get("/api/v1/tokens?user_id=" + mia.user.id, leo.token);
  EXPECT_EQ(theirs.status, 403) << theirs.body;
  Reply all = http().Get("/api/v1/tokens?all=true", server().Admin().token);
  EXPECT_GE(all.json()["items"].size(), 3u);
}

TEST_F(ApiTest, TheLastAdministratorCannotBeDemotedOrDisabled) {
  const TestUser& admin = server().Admin();
  Reply demote = http().Edit("/api/v1/users/" + admin.user.id, {{"roles", {"auditor"}}}, admin.token);
  EXPECT_TRUE(IsProblem(demote, 409, "conflict")) << demote.body;
  // Nobody can disable their own account (so the last admin cannot lock everyone out).
  Reply disable = http().Edit("/api/v1/users/" + admin.user.id, {{"disabled", true}}, admin.token);
  EXPECT_TRUE(IsProblem(disable, 422, "validation-failed")) << disable.body;
  EXPECT_EQ(http().Get("/api/v1/users/" + admin.user.id, admin.token).json()["disabled"], false);
  server().CreateUser("second-admin", {"admin"});
  Reply now_ok = http().Edit("/api/v1/users/" + admin.user.id, {{"roles", {"auditor"}}}, admin.token);
  EXPECT_EQ(now_ok.status, 200) << now_ok.body;
}

TEST_F(ApiTest, StaleIfMatchIsAConflictAndChangesNothing) {
  TestUser nick = server().CreateUser("nick", {"implementer"});
  const std::string token = server().Admin().token;
  Reply got = http().Get("/api/v1/users/nick", token);
  const std::string etag = got.Header("etag");
  ASSERT_EQ(etag, "\"1\"");
  auto patch = [&](const nlohmann::json& body, const std::string& if_match) {
    return http().Send("PATCH", "/api/v1/users/nick", body.dump(),
                       {{"Authorization", "Bearer " + token}, {"If-Match", if_match}});
  };
  Reply first = patch({{"display_name", "Nick One"}}, etag);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Header("etag"), "\"2\"");
  Reply second = patch({{"display_name", "Nick Two"}}, etag);
  EXPECT_TRUE(IsProblem(second, 409, "conflict")) << second.body;
  EXPECT_EQ(http().Get("/api/v1/users/nick", token).json()["display_name"], "Nick One");
  EXPECT_TRUE(IsProblem(patch({{"display_name", "x"}}, "\"abc\""), 400, "malformed-request"));
}

TEST_F(ApiTest, MutationsAreAuditedWithActorRequestIdAndDiff) {
  const TestUser& admin = server().Admin();
  Reply created =
      http().Send("POST", "/api/v1/users",
                  nlohmann::json{{"username", "olga"}, {"display_name", "Olga"}, {"roles", {"approver"}}}.dump(),
                  {{"Authorization", "Bearer " + admin.token}, {"X-Request-Id", "req-create-olga"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json()["user"]["id"];
  // A taken name is refused in the API's words, not the database's, on every backend.
  const int64_t audited = server().AuditCount();
  Reply again = http().Json("POST", "/api/v1/users",
                            {{"username", "olga"}, {"display_name", "Olga 2"}, {"roles", {"auditor"}}}, admin.token);
  EXPECT_TRUE(IsProblem(again, 409, "already-exists")) << again.body;
  EXPECT_TRUE(Has(again.body, "the username olga is taken")) << again.body;
  EXPECT_FALSE(Has(again.body, "constraint")) << again.body;
  EXPECT_EQ(server().AuditCount(), audited);
  Reply patched = http().Send(
      "PATCH", "/api/v1/users/" + id, R"({"roles":["approver","auditor"]})",
      {{"Authorization", "Bearer " + admin.token}, {"X-Request-Id", "req-patch-olga"}, {"If-Match", "\"1\""}});
  ASSERT_EQ(patched.status, 200) << patched.body;

  Reply events = http().Get("/api/v1/audit/events?object_type=user&object_id=" + id, admin.token);
  ASSERT_EQ(events.status, 200) << events.body;
  const nlohmann::json page = events.json();
  const nlohmann::json& items = page["items"];
  ASSERT_EQ(items.size(), 2u) << events.body;
  const auto& create = items[0]["event"];
  EXPECT_EQ(create["action"], "user.create");
  EXPECT_EQ(create["actor"]["id"], admin.user.id);
  EXPECT_EQ(create["actor"]["via"], "token");
  EXPECT_EQ(create["request_id"], "req-create-olga");
  EXPECT_FALSE(Has(items[0].dump(), "password_hash"));
  EXPECT_FALSE(Has(items[0].dump(), created.json()["one_time_password"].get<std::string>()));
  const auto& update = items[1]["event"];
  EXPECT_EQ(update["action"], "user.update");
  EXPECT_EQ(update["request_id"], "req-patch-olga");
  EXPECT_TRUE(update["before_digest"].is_string()) << update.dump();
  EXPECT_TRUE(update["after_digest"].is_string()) << update.dump();
  EXPECT_TRUE(Has(update.dump(), "auditor")) << "the diff shows the new role: " << update.dump();

  Reply verification = http().Get("/api/v1/audit/verification", admin.token);
  ASSERT_EQ(verification.status, 200);
  EXPECT_EQ(verification.json()["ok"], true) << verification.body;
}

TEST_F(ApiTest, ReadsAreNotAudited) {
  const TestUser& admin = server().Admin();
  const int64_t before = server().AuditCount();
  for (int i = 0; i < 5; ++i) http().Get("/api/v1/users", admin.token);
  EXPECT_EQ(server().AuditCount(), before);
}

// Servers starting at once on a new database (PostgreSQL) race to create the
// first administrator: one of them does, the others see it.
TEST_F(ApiTest, ConcurrentBootstrapsCreateOneAdministrator) {
  const AuditContext ctx{SystemPrincipal().ToActor(), "startup", ""};
  UserService& users = server().app().users();  // the server starts here, not in the threads
  std::atomic<int> created{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto r = users.EnsureBootstrapAdmin(ctx);
      if (!r.ok()) {
        ++failed;
      } else if (r->has_value()) {
        ++created;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load(), 1);
  int64_t admins = 0;
  ASSERT_TRUE(server()
                  .app()
                  .store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(admins, tx.Users().CountEnabledWithRole(Role::kAdmin));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(admins, 1);
}

}  // namespace
}  // namespace cl::testing
