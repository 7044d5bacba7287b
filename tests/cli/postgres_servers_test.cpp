// Several `changeledger serve` processes on one PostgreSQL database, the way
// S1 deploys them: the owner migrates and grants, the servers run as the app
// role with a signing key each, clients write through both at once, and the
// audit chain is one total order afterwards (no fork, gap or duplicate).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "tests/support/change_fixture.h"
#include "tests/support/http.h"
#include "tests/support/pg_test_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace cl::testing {
namespace {

class PostgresServersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!PostgresWanted()) GTEST_SKIP() << "CL_TEST_BACKENDS leaves PostgreSQL out";
    db_ = PgTestDatabase::Create();
    env_ = {{"CHANGELEDGER_CONFIG_DIR", dir_.File("config")}};
  }
  void TearDown() override {
    for (auto& s : servers_) {
      s->Signal(SIGTERM);
      s->Wait();
    }
  }
  ProcessResult Run(std::vector<std::string> args) { return RunCli(args, "", env_); }
  // Local CLI commands on the database, as an operator with its own key.
  std::vector<std::string> Local(std::vector<std::string> args) {
    args.insert(args.end(), {"--db", db_->AppUrl(), "--signing-key", dir_.File("cli.key")});
    return args;
  }
  // Starts a server as the app role with a key of its own; returns its URL.
  std::string Serve(const std::string& name) {
    std::filesystem::create_directories(dir_.File(name));
    servers_.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{"serve", "--db", db_->AppUrl(), "--listen", "127.0.0.1:0", "--signing-key",
                                 dir_.File(name + ".key"), "--no-access-log", "--no-bootstrap"},
        dir_.File(name), env_));
    const std::string out = servers_.back()->WaitForOutput(" serving http://");
    EXPECT_FALSE(out.empty()) << servers_.back()->Stderr();
    return WordAfter(out, " serving ");
  }

  TempDir dir_;
  std::unique_ptr<PgTestDatabase> db_;
  std::map<std::string, std::string> env_;
  std::vector<std::unique_ptr<ChildProcess>> servers_;
};

TEST_F(PostgresServersTest, TwoServersTakeConcurrentWritesOnOneAuditChain) {
  // The app role may not create tables: serving a database nobody migrated
  // fails with a clear message instead of half a schema.
  ProcessResult early = Run({"audit", "verify", "--db", db_->AppUrl()});
  EXPECT_NE(early.exit_code, 0);
  // A command that would migrate says who must (found by SQLSTATE, not wording).
  ProcessResult unmigrated = Run(Local({"user", "add", "early", "--service", "--role", "auditor"}));
  EXPECT_NE(unmigrated.exit_code, 0);
  EXPECT_NE(unmigrated.err.find("may not change it; run `changeledger migrate"), std::string::npos)
      << unmigrated.out << unmigrated.err;
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 0) << "nothing half-created";

  ProcessResult m = Run({"migrate", "--db", db_->OwnerUrl(), "--app-role", "cl_app"});
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  EXPECT_NE(m.out.find("granted role cl_app"), std::string::npos) << m.out;
  EXPECT_EQ(m.out.find("cl_owner@"), std::string::npos) << "no credentials in output";

  ProcessResult user = Run(Local({"user", "add", "pat", "--service", "--role", "implementer"}));
  ASSERT_EQ(user.exit_code, 0) << user.out << user.err;
  ProcessResult tok = Run(Local({"token", "create", "--user", "pat", "--name", "load", "--scope", "changes:write",
                                 "--scope", "changes:read", "-o", "json"}));
  ASSERT_EQ(tok.exit_code, 0) << tok.out << tok.err;
  const std::string token = nlohmann::json::parse(tok.out)["secret"];

  const std::string a = Serve("a");
  const std::string b = Serve("b");
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());

  constexpr int kThreads = 4, kPerThread = 15;
  std::atomic<int> created{0}, failed{0};
  std::mutex mu;
  std::set<std::string> keys;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Http http(t % 2 == 0 ? a : b);
      for (int i = 0; i < kPerThread; ++i) {
        nlohmann::json body = NormalChange("staging", false);
        body["title"] = "load " + std::to_string(t) + "/" + std::to_string(i);
        Reply r = http.Json("POST", "/api/v1/changes", body, token);
        if (r.status != 201) {
          ++failed;
          ADD_FAILURE() << r.status << " " << r.body;
          continue;
        }
        ++created;
        std::lock_guard lock(mu);
        keys.insert(r.json()["key"].get<std::string>());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  ASSERT_EQ(created.load(), kThreads * kPerThread);
  // Numbers are unique and without gaps across both servers.
  ASSERT_EQ(keys.size(), static_cast<size_t>(kThreads * kPerThread));
  for (int n = 1; n <= kThreads * kPerThread; ++n) EXPECT_TRUE(keys.count("CHG-" + std::to_string(n))) << n;

  // Each server sees what the other wrote.
  Reply seen = Http(b).Get("/api/v1/changes/CHG-1", token);
  EXPECT_EQ(seen.status, 200) << seen.body;

  // One chain: every event of both servers and the CLI, verified by a third
  // process, checkpoints signed by each server's own key.
  for (auto& s : servers_) {
    s->Signal(SIGTERM);
    EXPECT_EQ(s->Wait(), 0) << s->Stderr();
  }
  servers_.clear();
  ProcessResult v = Run({"audit", "verify", "--db", db_->AppUrl(), "-o", "json"});
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
  const nlohmann::json report = nlohmann::json::parse(v.out);
  EXPECT_EQ(report["ok"], true) << v.out;
  EXPECT_GE(report["events_checked"].get<int64_t>(), kThreads * kPerThread + 2) << v.out;
  EXPECT_EQ(db_->QueryInt("SELECT COUNT(*) - MAX(seq) FROM audit_events"), 0) << "no gaps";
  EXPECT_EQ(db_->QueryInt("SELECT COUNT(DISTINCT key_id) FROM audit_keys"), 3) << "a, b and the CLI";
}

TEST_F(PostgresServersTest, BackupWhileServingOnOneSnapshotAndRestoreVerified) {
  ASSERT_EQ(Run({"migrate", "--db", db_->OwnerUrl(), "--app-role", "cl_app"}).exit_code, 0);
  ASSERT_EQ(Run(Local({"user", "add", "pat", "--service", "--role", "implementer"})).exit_code, 0);
  ProcessResult tok =
      Run(Local({"token", "create", "--user", "pat", "--name", "t", "--scope", "changes:write", "-o", "json"}));
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  const std::string token = nlohmann::json::parse(tok.out)["secret"];
  const std::string url = Serve("a");
  ASSERT_FALSE(url.empty());
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Http(url).Json("POST", "/api/v1/changes", NormalChange("staging", false), token).status, 201);
  }

  // While the server serves, as the app role (no superuser needed).
  const std::string dump = dir_.File("cl.dump");
  ProcessResult backup = Run({"backup", "--db", db_->AppUrl(), dump});
  ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  EXPECT_NE(backup.out.find("audit log: OK"), std::string::npos) << backup.out;
  ProcessResult again = Run({"backup", "--db", db_->AppUrl(), dump});
  EXPECT_EQ(again.exit_code, 1) << "an existing file needs --force";

  auto target = PgTestDatabase::Create();
  ProcessResult restore = Run({"restore", dump, "--db", target->OwnerUrl(), "-o", "json"});
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  const nlohmann::json summary = nlohmann::json::parse(restore.out);
  EXPECT_EQ(summary["audit_ok"], true) << restore.out;
  EXPECT_EQ(target->QueryInt("SELECT COUNT(*) FROM changes"), 3);
  EXPECT_EQ(target->QueryInt("SELECT MAX(seq) FROM audit_events"), summary["audit_head_seq"].get<int64_t>());
  EXPECT_EQ(Run({"audit", "verify", "--db", target->AppUrl()}).exit_code, 0) << "grants came along";

  ProcessResult over = Run({"restore", dump, "--db", target->OwnerUrl()});
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_NE(over.err.find("already holds a Changeledger schema"), std::string::npos) << over.err;
  ProcessResult busy = Run({"restore", dump, "--db", db_->OwnerUrl(), "--force"});
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_NE(busy.err.find("in use by"), std::string::npos) << busy.err;
  ProcessResult forced = Run({"restore", dump, "--db", target->OwnerUrl(), "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(target->QueryInt("SELECT COUNT(*) FROM changes"), 3);
}

}  // namespace
}  // namespace cl::testing
