// Secrets never leave where they belong. A full scenario against a real
// `serve` at debug log level with the access log on: bootstrap, logins (one
// with a mistyped password), forced password changes, users, a password
// reset, API tokens (one revoked, one near miss), a webhook whose deliveries
// fail, GitHub and GitLab deliveries with right and wrong signatures, changes,
// then every list, the metrics, the audit events, the API export and the CLI
// export. Afterwards every secret the scenario handled (passwords, one-time
// passwords, token secrets, session cookies, CSRF tokens, webhook secrets,
// receiver secrets, the audit signing key, the database password) is looked
// for in the server's log and output, in every answer that is not the one
// that hands the secret out, in the exported files and in the CLI's output.
// Runs on SQLite and on PostgreSQL (with a password in the database URL).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "crypto/crypto.h"
#include "tests/support/change_fixture.h"
#include "tests/support/http.h"
#include "tests/support/pg_test_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace cl::testing {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string CookieOf(const Reply& r) {
  const std::string c = r.Header("set-cookie");
  const size_t eq = c.find('='), end = c.find(';');
  return eq == std::string::npos ? "" : c.substr(eq + 1, end - eq - 1);
}

class SecretsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    env_ = {{"CHANGELEDGER_CONFIG_DIR", dir_.File("config")}};
    if (GetParam() == "postgres") {
      if (!PostgresWanted()) GTEST_SKIP() << "CL_TEST_BACKENDS leaves PostgreSQL out";
      pg_ = PgTestDatabase::Create();
      pg_->MigrateAndGrant();
      // The test cluster trusts its socket, so any password connects; the
      // point is that this one is never shown.
      db_password_ = "Db-Pa55word-" + crypto::ToHex(crypto::RandomBytes(8));
      db_ = pg_->AppUrl() + "&password=" + db_password_;
      Secret("database password", db_password_);
    } else {
      db_ = dir_.File("changeledger.db");
    }
  }
  void TearDown() override {
    if (server_) {
      server_->Signal(SIGTERM);
      server_->Wait();
    }
  }

  void Secret(const std::string& what, const std::string& value) {
    ASSERT_GE(value.size(), 8u) << what;
    secrets_[value] = what;
  }
  // An answer that may be shown anywhere: it is searched afterwards.
  Reply Seen(Reply r) {
    seen_ += r.body + "\n";
    for (const auto& [k, v] : r.headers) seen_ += k + ": " + v + "\n";
    return r;
  }
  // Secrets in `text`, as "what" names; empty when there are none.
  std::vector<std::string> Leaks(const std::string& text, const std::set<std::string>& except = {}) const {
    std::vector<std::string> out;
    for (const auto& [value, what] : secrets_) {
      if (!except.count(value) && text.find(value) != std::string::npos) out.push_back(what);
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<PgTestDatabase> pg_;
  std::string db_, db_password_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<ChildProcess> server_;
  std::map<std::string, std::string> secrets_;  // value -> what it is
  std::string seen_;
};

TEST_P(SecretsTest, NoSecretReachesLogsAnswersOrExports) {
  const std::string github_secret = "gh-receiver-" + crypto::ToHex(crypto::RandomBytes(12));
  const std::string gitlab_token = "gl-receiver-" + crypto::ToHex(crypto::RandomBytes(12));
  Secret("GitHub receiver secret", github_secret);
  Secret("GitLab receiver token", gitlab_token);
  std::ofstream(dir_.File("github.secret")) << github_secret << "\n";
  std::ofstream(dir_.File("gitlab.token")) << gitlab_token << "\n";
  const std::string key_path = dir_.File("signing.key");

  server_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"serve", "--db", db_, "--listen", "127.0.0.1:0", "--signing-key", key_path,
                               "--log-level", "debug", "--github-secret-file", dir_.File("github.secret"),
                               "--gitlab-token-file", dir_.File("gitlab.token"), "--webhook-allow-network",
                               "127.0.0.1/32"},
      dir_.File("."), env_);
  const std::string banner = server_->WaitForOutput("/api/v1/session\n", 30000);
  ASSERT_FALSE(banner.empty()) << server_->Stdout() << server_->Stderr();
  const std::string url = WordAfter(banner, " serving ");
  const std::string admin_otp = WordAfter(banner, "password: ");
  ASSERT_FALSE(admin_otp.empty()) << banner;
  Secret("admin one-time password", admin_otp);
  Http http(url);

  // The signing key: its file, its seed in hex and base64.
  const std::string key_text = ReadFile(key_path);
  const std::string key_b64 = key_text.substr(key_text.find('\n') + 1, key_text.rfind('\n') - key_text.find('\n') - 1);
  Secret("signing key (file)", key_b64);
  auto key = crypto::FromBase64(key_b64);
  ASSERT_TRUE(key && key->size() == 64u) << key_text;
  const std::vector<uint8_t> seed(key->begin(), key->begin() + 32);
  Secret("signing key seed (hex)", crypto::ToHex(seed));
  Secret("signing key seed (base64)", crypto::ToBase64(seed).substr(0, 40));

  // Log in with the one-time password, then the forced change.
  auto login = [&](const std::string& user, const std::string& password) {
    return http.Json("POST", "/api/v1/session", {{"username", user}, {"password", password}});
  };
  Reply first = login("admin", admin_otp);
  ASSERT_EQ(first.status, 201) << first.body;
  std::string cookie = CookieOf(first), csrf = first.json()["csrf_token"];
  Secret("admin session cookie (first)", cookie);
  Secret("admin CSRF token (first)", csrf);
  auto as_session = [&](const std::string& method, const std::string& path, const nlohmann::json& body) {
    return http.Json(method, path, body, "", {{"Cookie", "cl_session=" + cookie}, {"X-CSRF-Token", csrf}});
  };
  const std::string admin_password = "Admin pass phrase " + crypto::ToHex(crypto::RandomBytes(6));
  Secret("admin password", admin_password);
  ASSERT_EQ(Seen(as_session("POST", "/api/v1/me/password",
                            {{"current_password", admin_otp}, {"new_password", admin_password}}))
                .status,
            204);
  const std::string typo = admin_password.substr(0, admin_password.size() - 1) + "!";
  Secret("mistyped admin password", typo);
  EXPECT_EQ(Seen(login("admin", typo)).status, 401);
  Reply second = login("admin", admin_password);
  ASSERT_EQ(second.status, 201) << second.body;
  cookie = CookieOf(second);
  csrf = second.json()["csrf_token"];
  Secret("admin session cookie", cookie);
  Secret("admin CSRF token", csrf);

  // Tokens: one used, one revoked and used, one near miss.
  Reply tok = as_session("POST", "/api/v1/tokens",
                         {{"name", "ops"},
                          {"scopes",
                           {"self:manage", "users:read", "users:write", "tokens:admin", "audit:read", "audit:export",
                            "system:metrics", "changes:read", "changes:write", "changes:manage", "policy:write"}}});
  ASSERT_EQ(tok.status, 201) << tok.body;
  const std::string token = tok.json()["secret"];
  Secret("API token", token);
  Reply tok2 = as_session("POST", "/api/v1/tokens", {{"name", "short-lived"}, {"scopes", {"changes:read"}}});
  ASSERT_EQ(tok2.status, 201) << tok2.body;
  const std::string revoked = tok2.json()["secret"];
  Secret("revoked API token", revoked);
  EXPECT_EQ(Seen(http.Send("DELETE", "/api/v1/tokens/" + tok2.json()["token"]["id"].get<std::string>(), "",
                           {{"Authorization", "Bearer " + token}}))
                .status,
            200);
  EXPECT_EQ(Seen(http.Get("/api/v1/changes", revoked)).status, 401);
  std::string near_miss = token;
  near_miss.back() = near_miss.back() == 'A' ? 'B' : 'A';
  Secret("near-miss API token", near_miss);
  EXPECT_EQ(Seen(http.Get("/api/v1/changes", near_miss)).status, 401);

  // A user with a one-time password, their forced change, a reset.
  Reply bob = http.Json("POST", "/api/v1/users",
                        {{"username", "bob"}, {"display_name", "Bob"}, {"roles", {"approver"}}}, token);
  ASSERT_EQ(bob.status, 201) << bob.body;
  const std::string bob_otp = bob.json()["one_time_password"];
  const std::string bob_id = bob.json()["user"]["id"];
  Secret("bob's one-time password", bob_otp);
  Reply bob_login = Seen(login("bob", bob_otp));
  ASSERT_EQ(bob_login.status, 201);
  const std::string bob_password = "Bob pass phrase " + crypto::ToHex(crypto::RandomBytes(6));
  Secret("bob's password", bob_password);
  EXPECT_EQ(
      Seen(http.Json(
               "POST", "/api/v1/me/password", {{"current_password", bob_otp}, {"new_password", bob_password}}, "",
               {{"Cookie", "cl_session=" + CookieOf(bob_login)}, {"X-CSRF-Token", bob_login.json()["csrf_token"]}}))
          .status,
      204);
  Reply reset = http.Json("POST", "/api/v1/users/" + bob_id + "/password-reset", nlohmann::json::object(), token);
  ASSERT_EQ(reset.status, 200) << reset.body;
  Secret("bob's reset password", reset.json()["one_time_password"]);
  EXPECT_EQ(Seen(login("bob", bob_password)).status, 401) << "the reset ends the old password";

  // A webhook whose receiver is down: deliveries fail and are retried.
  Reply hook = http.Json("POST", "/api/v1/webhooks",
                         {{"url", "http://127.0.0.1:9/changes"}, {"events", {"*"}}, {"description", "down"}}, token);
  ASSERT_EQ(hook.status, 201) << hook.body;
  Secret("webhook secret", hook.json()["secret"]);
  for (int i = 0; i < 3; ++i) {
    nlohmann::json c = NormalChange("staging", false);
    c.erase("implementer");
    ASSERT_EQ(Seen(http.Json("POST", "/api/v1/changes", c, token)).status, 201);
  }

  // Signed deliveries, right and wrong.
  const std::string ping = R"({"zen":"Keep it logically awesome.","hook_id":1})";
  const std::string good_sig = "sha256=" + crypto::ToHex(crypto::HmacSha256(github_secret, ping));
  const std::string other = R"({"zen":"forged","hook_id":2})";
  Secret("GitHub signature of a forged body", crypto::ToHex(crypto::HmacSha256(github_secret, other)));
  EXPECT_EQ(Seen(http.Send("POST", "/api/v1/hooks/github", ping,
                           {{"Content-Type", "application/json"},
                            {"X-GitHub-Event", "ping"},
                            {"X-GitHub-Delivery", "d-1"},
                            {"X-Hub-Signature-256", good_sig}}))
                    .status /
                100,
            2);
  EXPECT_EQ(Seen(http.Send("POST", "/api/v1/hooks/github", other,
                           {{"Content-Type", "application/json"},
                            {"X-GitHub-Event", "ping"},
                            {"X-GitHub-Delivery", "d-2"},
                            {"X-Hub-Signature-256", good_sig}}))
                .status,
            401);
  const std::string gl_near = gitlab_token.substr(0, gitlab_token.size() - 1) + "x";
  Secret("near-miss GitLab token", gl_near);
  EXPECT_EQ(
      Seen(http.Send(
               "POST", "/api/v1/hooks/gitlab", R"({"object_kind":"push"})",
               {{"Content-Type", "application/json"}, {"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", gl_near}}))
          .status,
      401);

  // Everything an auditor or an operator reads.
  for (const char* path :
       {"/api/v1/users?include_disabled=true", "/api/v1/tokens?all=true", "/api/v1/webhooks", "/api/v1/changes",
        "/api/v1/audit/events?limit=1000", "/api/v1/audit/export", "/api/v1/audit/keys", "/api/v1/audit/checkpoints",
        "/api/v1/audit/verification", "/metrics", "/api/v1/me"}) {
    Reply r = Seen(http.Get(path, token));
    EXPECT_EQ(r.status, 200) << path << " " << r.body.substr(0, 300);
  }
  Reply deliveries =
      Seen(http.Get("/api/v1/webhooks/" + hook.json()["webhook"]["id"].get<std::string>() + "/deliveries", token));
  EXPECT_EQ(deliveries.status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a delivery attempt or two
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0) << server_->Stderr();

  // The CLI's export and verification, and a connection that fails.
  ProcessResult exported =
      RunCli({"audit", "export", "--db", db_, "--signing-key", key_path, "--out", dir_.File("export")}, "", env_);
  ASSERT_EQ(exported.exit_code, 0) << exported.out << exported.err;
  std::string files;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir_.File("export"))) {
    if (f.is_regular_file()) files += ReadFile(f.path()) + "\n";
  }
  ProcessResult verified = RunCli({"audit", "verify", "--db", db_}, "", env_);
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  std::string cli = exported.out + exported.err + verified.out + verified.err;
  if (pg_) {
    const std::string wrong = db_ + "&dbname=no_such_database";
    ProcessResult failed = RunCli({"audit", "verify", "--db", wrong}, "", env_);
    EXPECT_NE(failed.exit_code, 0);
    cli += failed.out + failed.err;
  }

  // The bootstrap banner hands out the admin's one-time password on standard
  // output (and in its curl example), once; nothing after it does.
  std::string out = server_->Stdout();
  ASSERT_EQ(out.rfind(banner, 0), 0u);
  ASSERT_NE(banner.find(admin_otp), std::string::npos);
  out.erase(0, banner.size());
  const std::string log = server_->Stderr();
  EXPECT_GT(log.size(), 1000u) << "debug and access log lines were written";
  EXPECT_NE(log.find("/api/v1/tokens"), std::string::npos) << "the access log names requests";
  EXPECT_TRUE(Leaks(log).empty()) << "in the server log: " << ::testing::PrintToString(Leaks(log));
  EXPECT_TRUE(Leaks(out).empty()) << "in the server's output: " << ::testing::PrintToString(Leaks(out));
  EXPECT_TRUE(Leaks(banner, {admin_otp}).empty())
      << "in the banner: " << ::testing::PrintToString(Leaks(banner, {admin_otp}));
  EXPECT_TRUE(Leaks(seen_).empty()) << "in answers: " << ::testing::PrintToString(Leaks(seen_));
  EXPECT_TRUE(Leaks(files).empty()) << "in the export: " << ::testing::PrintToString(Leaks(files));
  EXPECT_TRUE(Leaks(cli).empty()) << "in CLI output: " << ::testing::PrintToString(Leaks(cli));
  EXPECT_FALSE(files.empty());
  EXPECT_GE(secrets_.size(), 18u);
}

INSTANTIATE_TEST_SUITE_P(Backends, SecretsTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace cl::testing
