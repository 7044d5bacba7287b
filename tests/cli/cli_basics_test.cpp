// `changeledger version|migrate|serve|login|user|token` as people use them:
// usage errors, private files, the bootstrap admin, accounts through the
// server, a clean SIGTERM.
#include "tests/cli/cli_fixture.h"

namespace cl::testing {
namespace {

TEST_F(CliTest, VersionAndHelpForEveryCommand) {
  ProcessResult v = Run({"version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("changeledger"), std::string::npos) << v.out;
  ProcessResult vj = Run({"version", "-o", "json"});
  EXPECT_EQ(vj.exit_code, 0);
  EXPECT_TRUE(nlohmann::json::parse(vj.out, nullptr, false).contains("version")) << vj.out;
  for (const std::vector<std::string>& cmd : std::vector<std::vector<std::string>>{{"serve"},
                                                                                   {"migrate"},
                                                                                   {"login"},
                                                                                   {"logout"},
                                                                                   {"whoami"},
                                                                                   {"user", "add"},
                                                                                   {"user", "list"},
                                                                                   {"user", "disable"},
                                                                                   {"token", "create"},
                                                                                   {"token", "list"},
                                                                                   {"token", "revoke"},
                                                                                   {"audit", "verify"},
                                                                                   {"audit", "export"},
                                                                                   {"version"},
                                                                                   {"openapi"},
                                                                                   {"change", "create"},
                                                                                   {"change", "approve"},
                                                                                   {"change", "verify"},
                                                                                   {"change", "list"},
                                                                                   {"evidence", "add"},
                                                                                   {"policy", "check"},
                                                                                   {"policy", "test"},
                                                                                   {"policy", "publish"},
                                                                                   {"gate"},
                                                                                   {"backup"},
                                                                                   {"restore"},
                                                                                   {"witness"}}) {
    std::vector<std::string> args = cmd;
    args.push_back("--help");
    ProcessResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << cmd[0];
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd[0] << ": " << r.out;
  }
}

TEST_F(CliTest, UsageErrorsExitTwoWithAMessage) {
  ProcessResult r = Run({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.err.empty());
  ProcessResult missing = Run({"user", "add"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("username"), std::string::npos) << missing.err;
}

TEST_F(CliTest, MigrateCreatesAndReportsTheSchema) {
  ProcessResult m = Run({"migrate", "--db", db_});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  ProcessResult again = Run({"migrate", "--db", db_, "--status", "-o", "json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto st = nlohmann::json::parse(again.out, nullptr, false);
  ASSERT_TRUE(st.is_object()) << again.out;
  EXPECT_EQ(st["version"], st["latest"]);
  EXPECT_GE(st["version"].get<int>(), 1);
  EXPECT_TRUE(st["pending"].empty());
  ExecSql(db_, "INSERT INTO schema_version VALUES (999, 'future', 0)");
  ProcessResult newer = Run({"migrate", "--db", db_});
  EXPECT_NE(newer.exit_code, 0);
  EXPECT_NE(newer.err.find("newer than this binary"), std::string::npos) << newer.err;
}

// The database holds webhook secrets and the key file signs the audit log:
// neither they nor SQLite's -wal/-shm files nor a backup are readable by
// other users, whatever the umask.
TEST_F(CliTest, DatabaseKeyAndBackupFilesAreCreatedPrivate) {
  const mode_t old_umask = ::umask(022);
  Serve();
  LoginAdmin();  // writes: the WAL and shared-memory files exist now
  const std::string backup = dir_.File("private-backup.db");
  EXPECT_EQ(Run({"backup", "--db", db_, backup}).exit_code, 0);
  ::umask(old_umask);
  for (const std::string& f : {db_, db_ + "-wal", db_ + "-shm", db_ + ".signing-key", backup}) {
    struct stat st {};
    ASSERT_EQ(::stat(f.c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mode & 077, 0u) << f << " has mode " << std::oct << (st.st_mode & 0777);
  }
}

TEST_F(CliTest, ServePrintsOneTimeCredentialsThatLogIn) {
  Serve();
  ASSERT_EQ(admin_otp_.size(), 24u);
  EXPECT_EQ(server_->Stderr().find(admin_otp_), std::string::npos) << "the password must not reach the log";
  LoginAdmin();
  ProcessResult who = Run({"whoami", "-o", "json"});
  ASSERT_EQ(who.exit_code, 0) << who.err;
  EXPECT_EQ(nlohmann::json::parse(who.out)["user"]["username"], "admin");
  // A restart does not create a second admin or print a password again.
  server_->Signal(SIGTERM);
  EXPECT_EQ(server_->Wait(), 0);
  server_.reset();
  Serve(/*first_start=*/false);
  EXPECT_TRUE(admin_otp_.empty()) << server_->Stdout();
}

TEST_F(CliTest, AccountsAndTokensThroughTheServer) {
  Serve();
  LoginAdmin();
  ProcessResult add =
      Run({"user", "add", "alice", "--role", "approver", "--role", "auditor", "--display-name", "Alice A."});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_NE(add.out.find("One-time password"), std::string::npos);
  ProcessResult dup = Run({"user", "add", "alice", "--role", "approver"});
  EXPECT_EQ(dup.exit_code, 1) << dup.out << dup.err;
  EXPECT_NE(dup.err.find("alice"), std::string::npos) << dup.err;
  ProcessResult bad_role = Run({"user", "add", "bob", "--role", "superuser"});
  EXPECT_NE(bad_role.exit_code, 0);
  EXPECT_FALSE(bad_role.err.empty());

  ProcessResult bot = Run({"user", "add", "deploy-bot", "--service", "--role", "ci"});
  ASSERT_EQ(bot.exit_code, 0) << bot.err;
  ProcessResult created = Run({"token", "create", "--name", "gha deploy gate", "--scope", "gate:check", "--user",
                               "deploy-bot", "--expires-in-days", "30", "-o", "json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const auto tok = nlohmann::json::parse(created.out, nullptr, false);
  ASSERT_TRUE(tok.contains("secret")) << created.out;
  const std::string secret = tok["secret"], id = tok["token"]["id"];

  ProcessResult list = Run({"token", "list", "--all", "-o", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(id), std::string::npos);
  EXPECT_EQ(list.out.find(secret), std::string::npos) << "secrets are never listed";

  Http api(url_);
  EXPECT_EQ(api.Get("/api/v1/me", secret).status, 200);
  ProcessResult revoke = Run({"token", "revoke", id});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  EXPECT_EQ(api.Get("/api/v1/me", secret).status, 401);

  ProcessResult users = Run({"user", "list", "-o", "json"});
  ASSERT_EQ(users.exit_code, 0) << users.err;
  EXPECT_NE(users.out.find("\"alice\""), std::string::npos);
  ProcessResult disable = Run({"user", "disable", "alice"});
  EXPECT_EQ(disable.exit_code, 0) << disable.err;
  ProcessResult last_admin = Run({"user", "disable", "admin"});
  EXPECT_EQ(last_admin.exit_code, 1) << last_admin.err;

  // A token without the permission is refused with exit 1 and the reason.
  std::map<std::string, std::string> as_bot = env_;
  as_bot["CHANGELEDGER_CONFIG_DIR"] = dir_.File("nobody");
  ProcessResult refused = RunCli({"user", "list", "--token", "clt_not-a-real-token"}, "", as_bot);
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_FALSE(refused.err.empty());
}

TEST_F(CliTest, UnreachableServerIsAClearError) {
  env_["CHANGELEDGER_SERVER"] = "http://127.0.0.1:1";
  ProcessResult r = Run({"user", "list", "--token", "clt_x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
}

TEST_F(CliTest, SigtermDrainsInFlightRequests) {
  Serve();
  const uint16_t port = static_cast<uint16_t>(std::stoi(url_.substr(url_.rfind(':') + 1)));
  // Start a request and stop half-way through its body, then ask the server to stop.
  const std::string body = R"({"username":"admin","password":"wrong-password"})";
  const std::string head =
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  int fd = -1;
  {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string first = head + body.substr(0, 10);
    ASSERT_EQ(::send(fd, first.data(), first.size(), 0), static_cast<ssize_t>(first.size()));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  server_->Signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // New connections are refused while draining...
  EXPECT_EQ(Http(url_).Get("/healthz").status, -1);
  // ...but the request in flight completes.
  const std::string rest = body.substr(10);
  ASSERT_EQ(::send(fd, rest.data(), rest.size(), 0), static_cast<ssize_t>(rest.size()));
  std::string got;
  char buf[4096];
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_EQ(got.rfind("HTTP/1.1 401", 0), 0u) << got;
  EXPECT_EQ(server_->Wait(), 0) << server_->Stderr();
  server_.reset();
}

}  // namespace
}  // namespace cl::testing
