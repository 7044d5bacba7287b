// `changeledger backup|restore`: online backups that verify, restores that
// refuse what does not, and nothing left behind by a killed backup.
#include "tests/cli/cli_fixture.h"

namespace cl::testing {
namespace {

TEST_F(CliTest, BackupWhileServingAndRestoreOnlyWhatVerifies) {
  Serve();
  LoginAdmin();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Run({"user", "add", "user" + std::to_string(i), "--role", "auditor"}).exit_code, 0);
  }
  // Online: the server keeps running and taking writes.
  const std::string backup = dir_.File("cl.backup");
  ProcessResult made = Run({"backup", "--db", db_, backup, "-o", "json"});
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  const nlohmann::json summary = nlohmann::json::parse(made.out);
  EXPECT_TRUE(summary["audit_ok"].get<bool>()) << made.out;
  EXPECT_GE(summary["audit_events"].get<int64_t>(), 4);  // bootstrap + three users at least
  EXPECT_FALSE(std::filesystem::exists(backup + "-wal")) << "a backup is one self-contained file";
  ASSERT_EQ(Run({"user", "add", "after-backup", "--role", "auditor"}).exit_code, 0);
  EXPECT_EQ(Run({"backup", "--db", db_, backup}).exit_code, 1) << "an existing backup is not replaced silently";
  ProcessResult under_server = Run({"restore", backup, "--db", db_, "--force"});
  EXPECT_EQ(under_server.exit_code, 1) << under_server.out << under_server.err;
  EXPECT_NE(under_server.err.find("in use by a running server"), std::string::npos) << under_server.err;
  EXPECT_EQ(CountRows(db_, "SELECT count(*) FROM users WHERE username = 'after-backup'"), 1)
      << "the served database was not replaced";

  // Restoring into a new file gives back exactly the chain that was backed up.
  const std::string restored = dir_.File("restored.db");
  ProcessResult back = Run({"restore", backup, "--db", restored, "-o", "json"});
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  const nlohmann::json after = nlohmann::json::parse(back.out);
  EXPECT_EQ(after["audit_head_hash"], summary["audit_head_hash"]);
  EXPECT_EQ(after["audit_head_seq"], summary["audit_head_seq"]);
  EXPECT_EQ(CountRows(restored, "SELECT count(*) FROM users WHERE username = 'after-backup'"), 0);
  EXPECT_EQ(CountRows(restored, "SELECT count(*) FROM users WHERE username = 'user2'"), 1);
  ProcessResult verify = Run({"audit", "verify", "--db", restored});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_EQ(Run({"restore", backup, "--db", restored}).exit_code, 1) << "an existing database needs --force";

  // A backup whose audit log was edited is refused, and the target is untouched.
  const std::string edited = dir_.File("edited.backup");
  ASSERT_EQ(Run({"backup", "--db", backup, edited}).exit_code, 0);
  ASSERT_EQ(ExecSql(edited,
                    "DROP TRIGGER audit_events_append_only_update;"
                    "UPDATE audit_events SET body = replace(body, 'user1', 'userX') WHERE seq = "
                    "(SELECT MIN(seq) FROM audit_events WHERE body LIKE '%user1%')"),
            "");
  ProcessResult refused = Run({"restore", edited, "--db", restored, "--force"});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("audit log fails verification"), std::string::npos) << refused.err;
  EXPECT_EQ(Run({"audit", "verify", "--db", restored}).exit_code, 0) << "the refused restore changed nothing";
  // Not a database at all: a clear error, nothing written.
  const std::string junk = dir_.File("junk.backup");
  std::ofstream(junk) << "not a database";
  ProcessResult bad = Run({"restore", junk, "--db", dir_.File("never.db")});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("not a SQLite database"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("never.db")));
  // Over an existing database with --force, once its servers are stopped.
  ProcessResult forced = Run({"restore", backup, "--db", restored, "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_NE(forced.out.find("audit log: OK"), std::string::npos) << forced.out;
}

// Verifying or restoring from a backup used to rewrite it (WAL mode, a new
// digest, -wal/-shm files left beside it); a killed backup left its partial
// file (74 MB once) forever, and restoring from it failed with "attempt to
// write a readonly database".
TEST_F(CliTest, BackupsAreReadWithoutChangeAndKilledBackupsLeaveNothingBehind) {
  Serve();
  LoginAdmin();
  ASSERT_EQ(Run({"user", "add", "ursula", "--role", "auditor"}).exit_code, 0);
  const std::string backup = dir_.File("cl.backup");
  ASSERT_EQ(Run({"backup", "--db", db_, backup}).exit_code, 0);
  const std::string digest = FileDigest(backup);
  ProcessResult verified = Run({"audit", "verify", "--db", backup});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_EQ(
      Run({"audit", "export", "--db", backup, "--signing-key", db_ + ".signing-key", "--out", dir_.File("export")})
          .exit_code,
      0);
  EXPECT_EQ(Run({"restore", backup, "--db", dir_.File("restored.db")}).exit_code, 0);
  EXPECT_EQ(FileDigest(backup), digest) << "verify, export and restore read the backup without changing it";
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    EXPECT_FALSE(std::filesystem::exists(backup + suffix)) << suffix;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find("partial"), std::string::npos) << entry.path();
  }

  // A backup killed halfway (a database big enough to take a while).
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();
  ASSERT_EQ(ExecSql(db_,
                    "CREATE TABLE padding (b BLOB);"
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 96) "
                    "INSERT INTO padding SELECT randomblob(1048576) FROM n;"),
            "");
  const std::string big = dir_.File("big.backup");
  std::filesystem::create_directories(dir_.File("killed"));
  std::string partial, killed_output;
  {
    ChildProcess killed({"backup", "--db", db_, big}, dir_.File("killed"), env_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    const std::string name = big + ".partial-" + std::to_string(killed.pid());
    while (partial.empty() && std::chrono::steady_clock::now() < deadline) {
      std::error_code ec;
      const uintmax_t size = std::filesystem::file_size(name, ec);
      if (!ec && size > (8u << 20)) partial = name;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    killed.Signal(SIGKILL);
    killed.Wait();
    killed_output = killed.Stdout() + killed.Stderr();
  }
  ASSERT_FALSE(partial.empty()) << "the backup was killed while writing its partial file: " << killed_output;
  std::string listing;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path()))
    listing += entry.path().filename().string() + " ";
  ASSERT_TRUE(std::filesystem::exists(partial)) << listing << killed_output;
  EXPECT_FALSE(std::filesystem::exists(big));
  // Restoring from the partial file says what it is.
  ProcessResult from_partial = Run({"restore", partial, "--db", dir_.File("never.db")});
  EXPECT_EQ(from_partial.exit_code, 1) << from_partial.out << from_partial.err;
  EXPECT_NE(from_partial.err.find("did not finish"), std::string::npos) << from_partial.err;
  EXPECT_EQ(from_partial.err.find("readonly"), std::string::npos) << from_partial.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("never.db")));
  // The next backup of the same target removes what the killed one left.
  ProcessResult again = Run({"backup", "--db", db_, big});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find("partial"), std::string::npos) << entry.path();
  }
  EXPECT_EQ(Run({"audit", "verify", "--db", big}).exit_code, 0);
}

}  // namespace
}  // namespace cl::testing
