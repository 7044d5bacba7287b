// The changeledger binary as people and pipelines use it: a real `serve`
// child process on an ephemeral port, and CLI commands run against it or
// against the database file. Exit codes: 0 ok, 1 refused/verification
// failed, 2 usage or other error.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/audit_log.h"
#include "crypto/crypto.h"
#include "tests/support/http.h"
#include "tests/support/process.h"
#include "core/clock.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tsa.h"

namespace cl::testing {
namespace {

std::string ExecSql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(db_path.c_str(), &db);
  char* err = nullptr;
  std::string out;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) out = err ? err : "error";
  sqlite3_free(err);
  sqlite3_close(db);
  return out;
}

// The first column of the first row, as an integer (-1 on error).
int64_t CountRows(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

// A served database with its admin logged in through `changeledger login`.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("cl.db");
    env_ = {{"CHANGELEDGER_CONFIG_DIR", dir_.File("config")}};
  }
  void TearDown() override {
    if (server_) {
      server_->Signal(SIGTERM);
      server_->Wait();
    }
  }

  // Starts `serve`; on a new database it must print the bootstrap admin.
  void Serve(bool first_start = true, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"serve", "--db", db_, "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ChildProcess>(args, dir_.path().string(), env_);
    std::string out = server_->WaitForOutput(first_start ? "/api/v1/session\n" : " serving http://");
    ASSERT_FALSE(out.empty()) << server_->Stdout() << server_->Stderr();
    if (!first_start) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      out = server_->Stdout();
    }
    url_ = WordAfter(out, " serving ");
    admin_otp_ = WordAfter(out, "password: ");
    ASSERT_FALSE(url_.empty()) << out;
    env_["CHANGELEDGER_SERVER"] = url_;
  }

  ProcessResult Run(std::vector<std::string> args, const std::string& input = "") {
    return RunCli(args, input, env_);
  }

  void LoginAdmin() {
    ASSERT_FALSE(admin_otp_.empty());
    ProcessResult r = Run({"login", "--username", "admin", "--password-stdin"},
                          admin_otp_ + "\n" + kAdminPassword + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Logged in to " + url_ + " as admin"), std::string::npos) << r.out;
  }

  // Adds an approver through the CLI; returns an API token for them ("" on failure).
  void RunLifecycleToClosed();

  std::string AddApprover(const std::string& name) {
    ProcessResult added = Run({"user", "add", name, "--role", "approver"});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    ProcessResult tok = Run({"token", "create", "--user", name, "--name", name + " cli", "--scope",
                             "changes:approve", "--scope", "changes:read", "-o", "json"});
    EXPECT_EQ(tok.exit_code, 0) << tok.err;
    if (added.exit_code != 0 || tok.exit_code != 0) return "";
    return nlohmann::json::parse(tok.out)["secret"];
  }

  static constexpr const char* kAdminPassword = "correct-horse-battery-staple-7";
  TempDir dir_;
  std::string db_, url_, admin_otp_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(CliTest, VersionAndHelpForEveryCommand) {
  ProcessResult v = Run({"version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("changeledger"), std::string::npos) << v.out;
  ProcessResult vj = Run({"version", "-o", "json"});
  EXPECT_EQ(vj.exit_code, 0);
  EXPECT_TRUE(nlohmann::json::parse(vj.out, nullptr, false).contains("version")) << vj.out;
  for (const std::vector<std::string>& cmd :
       std::vector<std::vector<std::string>>{{"serve"}, {"migrate"}, {"login"}, {"logout"}, {"whoami"},
                                             {"user", "add"}, {"user", "list"}, {"user", "disable"},
                                             {"token", "create"}, {"token", "list"}, {"token", "revoke"},
                                             {"audit", "verify"}, {"audit", "export"}, {"version"}, {"openapi"},
                                             {"change", "create"}, {"change", "approve"}, {"change", "verify"},
                                             {"change", "list"}, {"evidence", "add"}, {"policy", "check"},
                                             {"policy", "test"}, {"policy", "publish"}, {"gate"}, {"backup"},
                                             {"restore"}, {"witness"}}) {
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
  ProcessResult add = Run({"user", "add", "alice", "--role", "approver", "--role", "auditor", "--display-name", "Alice A."});
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
  ProcessResult created = Run({"token", "create", "--name", "gha deploy gate", "--scope", "gate:check",
                               "--user", "deploy-bot", "--expires-in-days", "30", "-o", "json"});
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

TEST_F(CliTest, AuditVerifyAndOfflineExportDetectTampering) {
  Serve();
  LoginAdmin();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Run({"user", "add", "user" + std::to_string(i), "--role", "auditor"}).exit_code, 0);
  }
  ProcessResult online = Run({"audit", "verify"});
  EXPECT_EQ(online.exit_code, 0) << online.out << online.err;
  EXPECT_NE(online.out.find("OK:"), std::string::npos) << online.out;

  const std::string out_dir = dir_.File("export");
  ProcessResult exp = Run({"audit", "export", "--out", out_dir});
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  ProcessResult offline = Run({"audit", "verify", "--export", out_dir});
  EXPECT_EQ(offline.exit_code, 0) << offline.out << offline.err;

  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();
  ProcessResult local = Run({"audit", "verify", "--db", db_});
  EXPECT_EQ(local.exit_code, 0) << local.out << local.err;

  ASSERT_EQ(ExecSql(db_, "DROP TRIGGER audit_events_append_only_update;"
                         "UPDATE audit_events SET body = replace(body, 'user3', 'userX') WHERE seq = "
                         "(SELECT MIN(seq) FROM audit_events WHERE body LIKE '%user3%')"),
            "");
  ProcessResult tampered = Run({"audit", "verify", "--db", db_});
  EXPECT_EQ(tampered.exit_code, 1);
  EXPECT_NE(tampered.out.find("TAMPERED: first bad sequence number "), std::string::npos) << tampered.out;

  // The export is independent of the database: it still verifies, and
  // editing a line of it is caught.
  EXPECT_EQ(Run({"audit", "verify", "--export", out_dir}).exit_code, 0);
  std::string events;
  {
    std::ifstream in(out_dir + "/events.jsonl");
    events.assign(std::istreambuf_iterator<char>(in), {});
  }
  const size_t at = events.find("user2");
  ASSERT_NE(at, std::string::npos);
  events.replace(at, 5, "userZ");
  std::ofstream(out_dir + "/events.jsonl") << events;
  ProcessResult bad_export = Run({"audit", "verify", "--export", out_dir});
  EXPECT_EQ(bad_export.exit_code, 1) << bad_export.out << bad_export.err;
}

// Cutting the newest events from an export leaves a shorter chain that is
// consistent in itself; the manifest's counts, head and digests catch it,
// and so does a manifest whose counts were edited to match.
TEST_F(CliTest, AnExportWithItsTailCutOrItsManifestEditedFailsVerification) {
  Serve();
  LoginAdmin();
  for (int i = 0; i < 4; ++i) ASSERT_EQ(Run({"user", "add", "cut" + std::to_string(i), "--role", "auditor"}).exit_code, 0);
  const std::string out_dir = dir_.File("export");
  ASSERT_EQ(Run({"audit", "export", "--out", out_dir}).exit_code, 0);
  ASSERT_EQ(Run({"audit", "verify", "--export", out_dir}).exit_code, 0);
  const std::string events_path = out_dir + "/events.jsonl", manifest_path = out_dir + "/manifest.json";
  std::string events, manifest_text;
  {
    std::ifstream in(events_path), m(manifest_path);
    events.assign(std::istreambuf_iterator<char>(in), {});
    manifest_text.assign(std::istreambuf_iterator<char>(m), {});
  }
  // Drop the last two lines, and any checkpoint over them, so no signature
  // covers what is gone (the server may have signed the head meanwhile).
  std::string cut = events;
  for (int i = 0; i < 2; ++i) cut.erase(cut.rfind('\n', cut.size() - 2) + 1);
  std::ofstream(events_path) << cut;
  const std::string last_line = cut.substr(cut.rfind('\n', cut.size() - 2) + 1);
  const int64_t last_seq = nlohmann::json::parse(last_line)["seq"].get<int64_t>();
  std::string checkpoints_kept, cp_line;
  {
    std::ifstream c(out_dir + "/checkpoints.jsonl");
    while (std::getline(c, cp_line)) {
      if (nlohmann::json::parse(cp_line)["seq"].get<int64_t>() <= last_seq) checkpoints_kept += cp_line + "\n";
    }
  }
  std::string checkpoints_original;
  {
    std::ifstream c(out_dir + "/checkpoints.jsonl");
    checkpoints_original.assign(std::istreambuf_iterator<char>(c), {});
  }
  std::ofstream(out_dir + "/checkpoints.jsonl") << checkpoints_kept;
  ProcessResult tail = Run({"audit", "verify", "--export", out_dir});
  EXPECT_EQ(tail.exit_code, 1) << tail.out << tail.err;
  EXPECT_NE(tail.out.find("manifest"), std::string::npos) << tail.out;  // its counts or its digests

  // The manifest edited to the shorter log: its head hash no longer matches.
  nlohmann::json manifest = nlohmann::json::parse(manifest_text);
  manifest["events"] = manifest["events"].get<int64_t>() - 2;
  manifest["head_seq"] = manifest["head_seq"].get<int64_t>() - 2;
  std::ofstream(manifest_path) << manifest.dump(2);
  ProcessResult edited = Run({"audit", "verify", "--export", out_dir});
  EXPECT_EQ(edited.exit_code, 1) << edited.out << edited.err;

  // The manifest rewritten to agree with the cut files in every count, head
  // and digest: only its seal, which the attacker cannot sign again, fails.
  const auto file_sha = [&](const std::string& name) {
    std::ifstream f(out_dir + "/" + name, std::ios::binary);
    return crypto::ToHex(crypto::Sha256(std::string(std::istreambuf_iterator<char>(f), {})));
  };
  manifest["head_seq"] = last_seq;
  manifest["events"] = last_seq;
  manifest["head_hash"] = nlohmann::json::parse(last_line)["hash"];
  manifest["checkpoints"] = std::count(checkpoints_kept.begin(), checkpoints_kept.end(), '\n');
  manifest["sha256"]["events.jsonl"] = file_sha("events.jsonl");
  manifest["sha256"]["checkpoints.jsonl"] = file_sha("checkpoints.jsonl");
  std::ofstream(manifest_path) << manifest.dump(2);
  ProcessResult resealed = Run({"audit", "verify", "--export", out_dir});
  EXPECT_EQ(resealed.exit_code, 1) << resealed.out << resealed.err;
  EXPECT_NE(resealed.out.find("seal"), std::string::npos) << resealed.out;
  manifest["seal"]["head_seq"] = last_seq;
  manifest["seal"]["head_hash"] = manifest["head_hash"];
  std::ofstream(manifest_path) << manifest.dump(2);
  ProcessResult forged = Run({"audit", "verify", "--export", out_dir});
  EXPECT_EQ(forged.exit_code, 1) << forged.out;
  EXPECT_NE(forged.out.find("the manifest's seal does not verify"), std::string::npos) << forged.out;
  manifest.erase("seal");
  std::ofstream(manifest_path) << manifest.dump(2);
  ProcessResult unsealed = Run({"audit", "verify", "--export", out_dir});
  EXPECT_EQ(unsealed.exit_code, 1) << unsealed.out;
  EXPECT_NE(unsealed.out.find("the manifest is not sealed"), std::string::npos) << unsealed.out;

  // A manifest that is not what it says is refused, not a crash.
  std::ofstream(manifest_path) << R"({"format":"changeledger-audit-export/v1","events":"many","head_seq":[],"sha256":7})";
  EXPECT_NE(Run({"audit", "verify", "--export", out_dir}).exit_code, 0);
  std::ofstream(events_path) << events;
  std::ofstream(manifest_path) << manifest_text;
  std::ofstream(out_dir + "/checkpoints.jsonl") << checkpoints_original;
  // Keys and checkpoints of the wrong types are refused too (exit 1 or 2, no crash).
  std::string checkpoints_text, keys_text;
  {
    std::ifstream c(out_dir + "/checkpoints.jsonl"), k(out_dir + "/keys.json");
    checkpoints_text.assign(std::istreambuf_iterator<char>(c), {});
    keys_text.assign(std::istreambuf_iterator<char>(k), {});
  }
  std::ofstream(out_dir + "/checkpoints.jsonl") << R"({"seq":1,"hash":5,"signature":7,"signed_at":[],"key_id":{}})" "\n";
  std::ofstream(out_dir + "/keys.json") << R"([{"key_id":1,"public_key":2},"x",7])";
  const int hostile = Run({"audit", "verify", "--export", out_dir}).exit_code;
  EXPECT_TRUE(hostile == 1 || hostile == 2) << hostile;
  std::ofstream(out_dir + "/checkpoints.jsonl") << checkpoints_text;
  std::ofstream(out_dir + "/keys.json") << keys_text;
  ProcessResult restored = Run({"audit", "verify", "--export", out_dir});
  EXPECT_EQ(restored.exit_code, 0) << "restored, it verifies again\n" << restored.out;
  EXPECT_NE(restored.out.find("sealed: the export's head was signed by key ed25519:"), std::string::npos) << restored.out;

  // From the database: sealed with the server's key file, which must be there.
  const std::string from_db = dir_.File("export-db");
  ProcessResult db_export = Run({"audit", "export", "--db", db_, "--out", from_db});
  ASSERT_EQ(db_export.exit_code, 0) << db_export.err;
  EXPECT_EQ(Run({"audit", "verify", "--export", from_db}).exit_code, 0);
  ProcessResult keyless = Run({"audit", "export", "--db", db_, "--out", dir_.File("export-keyless"), "--signing-key",
                               dir_.File("no-such.key")});
  EXPECT_NE(keyless.exit_code, 0);
  EXPECT_NE(keyless.err.find("--signing-key"), std::string::npos) << keyless.err;
}

// A server that starts on a tampered log says so, serves reads, refuses
// every write and signs nothing; /readyz fails; CLI writers refuse to start.
TEST_F(CliTest, AServerOnATamperedLogServesReadsAndRefusesWrites) {
  Serve();
  LoginAdmin();
  ASSERT_EQ(Run({"user", "add", "before", "--role", "auditor"}).exit_code, 0);
  ProcessResult tok = Run({"token", "create", "--name", "ops", "--scope", "users:read", "--scope", "users:write",
                           "-o", "json"});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  const std::string token = nlohmann::json::parse(tok.out)["secret"];
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();
  ASSERT_EQ(Run({"audit", "verify", "--db", db_}).exit_code, 0);
  ASSERT_EQ(ExecSql(db_, "DROP TRIGGER audit_events_append_only_update;"
                         "UPDATE audit_events SET body = replace(body, 'before', 'beføre') WHERE seq = "
                         "(SELECT MAX(seq) FROM audit_events WHERE body LIKE '%before%')"),
            "");
  const int64_t checkpoints = CountRows(db_, "SELECT COUNT(*) FROM audit_checkpoints");

  ProcessResult local = Run({"user", "add", "offline", "--role", "auditor", "--db", db_});
  EXPECT_NE(local.exit_code, 0);
  EXPECT_NE((local.out + local.err).find("the audit log failed verification"), std::string::npos)
      << local.out << local.err;

  Serve(/*first_start=*/false);
  EXPECT_NE(server_->Stderr().find("failed verification at start-up"), std::string::npos) << server_->Stderr();
  Http http(url_);
  Reply ready = http.Get("/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(ready.body.find("writes-refused"), std::string::npos) << ready.body;
  Reply listed = http.Get("/api/v1/users", token);
  EXPECT_EQ(listed.status, 200) << listed.body;
  EXPECT_NE(listed.body.find("before"), std::string::npos) << "reads go on";
  Reply refused = http.Json("POST", "/api/v1/users",
                            {{"username", "after"}, {"display_name", "After"}, {"roles", {"auditor"}}}, token);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("writes-refused"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("failed verification"), std::string::npos) << refused.body;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a checkpointer tick
  server_->Signal(SIGTERM);
  EXPECT_EQ(server_->Wait(), 0);
  server_.reset();
  EXPECT_EQ(CountRows(db_, "SELECT COUNT(*) FROM audit_checkpoints"), checkpoints) << "nothing signed";
  EXPECT_EQ(CountRows(db_, "SELECT COUNT(*) FROM users WHERE username IN ('after', 'offline')"), 0);
}

// Cutting the newest events and deleting the checkpoints that signed them
// leaves a log consistent in itself: only the witness file the server kept
// elsewhere shows it, to `audit verify --witness` and to the next start.
TEST_F(CliTest, AWitnessFileNamesATailCutWithTheCheckpointsThatSignedIt) {
  const std::string witness = dir_.File("witness.jsonl");
  Serve(true, {"--audit-witness-file", witness});
  LoginAdmin();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the bootstrap events are signed
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Run({"user", "add", "late" + std::to_string(i), "--role", "auditor"}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // and these, and both published
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();

  std::vector<int64_t> witnessed;
  {
    std::ifstream in(witness);
    std::string line;
    while (std::getline(in, line)) witnessed.push_back(nlohmann::json::parse(line)["seq"].get<int64_t>());
  }
  ASSERT_GE(witnessed.size(), 2u);
  EXPECT_EQ(witnessed.size(), static_cast<size_t>(CountRows(db_, "SELECT COUNT(*) FROM audit_checkpoints")))
      << "every checkpoint is witnessed";
  ProcessResult intact = Run({"audit", "verify", "--db", db_, "--witness", witness});
  ASSERT_EQ(intact.exit_code, 0) << intact.out << intact.err;
  EXPECT_NE(intact.out.find(fmt::format("witnessed: all {} checkpoints", witnessed.size())), std::string::npos)
      << intact.out;

  const int64_t keep = witnessed[witnessed.size() - 2];
  ASSERT_EQ(ExecSql(db_, fmt::format("DROP TRIGGER audit_events_append_only_delete;"
                                     "DROP TRIGGER audit_checkpoints_append_only_delete;"
                                     "DELETE FROM audit_events WHERE seq > {0};"
                                     "DELETE FROM audit_checkpoints WHERE seq > {0};",
                                     keep)),
            "");
  ProcessResult alone = Run({"audit", "verify", "--db", db_});
  EXPECT_EQ(alone.exit_code, 0) << "without the witness the cut log is consistent: " << alone.out;
  ProcessResult caught = Run({"audit", "verify", "--db", db_, "--witness", witness});
  EXPECT_EQ(caught.exit_code, 1) << caught.out << caught.err;
  EXPECT_NE(caught.out.find(fmt::format("first bad sequence number {}", witnessed.back())), std::string::npos)
      << caught.out;
  EXPECT_NE(caught.out.find("witness " + witness), std::string::npos) << caught.out;

  Serve(/*first_start=*/false, {"--audit-witness-file", witness});
  EXPECT_NE(server_->Stderr().find("failed verification at start-up"), std::string::npos) << server_->Stderr();
  EXPECT_NE(server_->Stderr().find("which the witness " + witness + " holds"), std::string::npos) << server_->Stderr();
  EXPECT_EQ(Http(url_).Get("/readyz").status, 503);
}

// serve --audit-tsa has the newest checkpoint time-stamped by a real RFC
// 3161 authority (`openssl ts -reply` over HTTP); the API, the CLI on the
// database and on an export check the tokens under the authority's CA; an
// outage is logged and caught up on; a token from another authority fails.
TEST_F(CliTest, ATimeStampAuthorityVouchesForCheckpointsAndEveryVerifierChecksIt) {
  TestTsa tsa;
  const std::string tsa_url = tsa.Url();
  ProcessResult no_ca = Run({"serve", "--db", dir_.File("other.db"), "--listen", "127.0.0.1:0", "--audit-tsa", tsa_url});
  EXPECT_EQ(no_ca.exit_code, 2) << no_ca.out << no_ca.err;
  EXPECT_NE(no_ca.err.find("--audit-tsa requires --audit-tsa-ca"), std::string::npos) << no_ca.err;

  Serve(true, {"--audit-tsa", tsa_url, "--audit-tsa-ca", tsa.ca_path(), "--audit-tsa-every", "1"});
  LoginAdmin();
  ProcessResult tok = Run({"token", "create", "--name", "auditor", "--scope", "audit:read", "-o", "json"});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  const std::string token = nlohmann::json::parse(tok.out)["secret"];
  // Wait until the API reports a time-stamp over a checkpoint
  // covering `seq` (the server signs within a second, stamps every second).
  const auto stamped_past = [&](int64_t seq) {
    nlohmann::json v;
    for (int i = 0; i < 100; ++i) {
      v = Http(url_).Get("/api/v1/audit/verification", token).json();
      if (v["timestamps"]["latest_checkpoint_seq"].get<int64_t>() >= seq) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return v;
  };
  nlohmann::json v = stamped_past(1);
  EXPECT_EQ(v["ok"], true) << v.dump();
  EXPECT_EQ(v["timestamps"]["checked"], true) << v.dump();
  ASSERT_GE(v["timestamps"]["count"].get<int64_t>(), 1) << v.dump() << server_->Stderr();

  tsa.SetDown(true);
  ASSERT_EQ(Run({"user", "add", "during-outage", "--role", "auditor"}).exit_code, 0);
  const int64_t outage_seq = Http(url_).Get("/api/v1/audit/verification", token).json()["head_seq"];
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_NE(server_->Stderr().find("time-stamping the audit log failed; retrying"), std::string::npos)
      << server_->Stderr();
  tsa.SetDown(false);
  v = stamped_past(outage_seq);
  EXPECT_GE(v["timestamps"]["latest_checkpoint_seq"].get<int64_t>(), outage_seq) << v.dump();
  EXPECT_NE(server_->Stderr().find("time-stamp authority reachable again"), std::string::npos) << server_->Stderr();

  const std::string out_dir = dir_.File("export");
  ASSERT_EQ(Run({"audit", "export", "--out", out_dir}).exit_code, 0);
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();

  ProcessResult local = Run({"audit", "verify", "--db", db_, "--tsa-ca", tsa.ca_path()});
  ASSERT_EQ(local.exit_code, 0) << local.out << local.err;
  EXPECT_NE(local.out.find("every token verified and every checkpoint time-stamped in time"), std::string::npos)
      << local.out;
  ProcessResult offline = Run({"audit", "verify", "--export", out_dir, "--tsa-ca", tsa.ca_path(), "-o", "json"});
  ASSERT_EQ(offline.exit_code, 0) << offline.out << offline.err;
  EXPECT_EQ(nlohmann::json::parse(offline.out)["timestamps"]["checked"], true) << offline.out;
  // The independent verifier (Python + `openssl ts -verify`, from VERIFY.md) agrees.
  const auto independent = [&](const std::string& ca) {
    const std::string out = dir_.File("independent.txt");
    const int rc = std::system(("python3 " CL_SOURCE_DIR "/tests/scripts/verify_audit_export.py '" + out_dir +
                                "' --tsa-ca '" + ca + "' >'" + out + "' 2>&1")
                                   .c_str());
    std::ifstream in(out);
    return std::pair{WEXITSTATUS(rc), std::string(std::istreambuf_iterator<char>(in), {})};
  };
  ProcessResult unchecked = Run({"audit", "verify", "--db", db_});
  EXPECT_EQ(unchecked.exit_code, 0);
  EXPECT_NE(unchecked.out.find("not checked (give the authority's certificate with --tsa-ca)"), std::string::npos)
      << unchecked.out;

  TestTsa stranger;
  const auto [ok_rc, ok_out] = independent(tsa.ca_path());
  EXPECT_EQ(ok_rc, 0) << ok_out;
  EXPECT_NE(ok_out.find("time-stamped checkpoints"), std::string::npos) << ok_out;
  const auto [bad_rc, bad_out] = independent(stranger.ca_path());
  EXPECT_EQ(bad_rc, 1) << bad_out;
  EXPECT_NE(bad_out.find("time-stamp token does not verify"), std::string::npos) << bad_out;
  ProcessResult foreign = Run({"audit", "verify", "--db", db_, "--tsa-ca", stranger.ca_path()});
  EXPECT_EQ(foreign.exit_code, 1) << foreign.out;
  EXPECT_NE(foreign.out.find("does not verify under the trust anchors"), std::string::npos) << foreign.out;
  ProcessResult bad_since = Run({"audit", "verify", "--db", db_, "--tsa-since", "yesterday"});
  EXPECT_EQ(bad_since.exit_code, 2) << bad_since.out << bad_since.err;
}

// A witness service (`changeledger witness`, on another machine in real use)
// takes only checkpoints that extend what it holds, from publishers with its
// token. A server whose witness was down catches it up; a log cut after it
// was witnessed fails `audit verify --witness URL` and stops the next start's
// writes, also when the witness comes back only after that start.
class WitnessServiceTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    token_file_ = dir_.File("witness.token");
    std::ofstream(token_file_) << kToken << "\n";
    ::chmod(token_file_.c_str(), 0600);
    std::filesystem::create_directories(dir_.File("witness-logs"));
  }
  void TearDown() override {
    StopWitness();
    CliTest::TearDown();
  }
  void StartWitness(const std::string& listen = "127.0.0.1:0") {
    witness_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"witness", "--file", held_, "--listen", listen, "--token-file", token_file_},
        dir_.File("witness-logs"), env_);
    const std::string out = witness_->WaitForOutput(" checkpoints, newest seq ");
    ASSERT_FALSE(out.empty()) << witness_->Stdout() << witness_->Stderr();
    witness_url_ = WordAfter(out, "witness serving ");
    ASSERT_FALSE(witness_url_.empty()) << out;
  }
  void StopWitness() {
    if (!witness_) return;
    witness_->Signal(SIGTERM);
    EXPECT_EQ(witness_->Wait(), 0) << witness_->Stderr();
    witness_.reset();
  }
  // The seqs the witness holds, oldest first.
  std::vector<int64_t> Held() {
    Reply r = Http(witness_url_).Get("/v1/checkpoints?after=0&limit=1000");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<int64_t> seqs;
    std::istringstream in(r.body);
    for (std::string line; std::getline(in, line);) seqs.push_back(nlohmann::json::parse(line)["seq"].get<int64_t>());
    return seqs;
  }
  // Waits until the witness's newest checkpoint is `seq`.
  bool WaitUntilWitnessed(int64_t seq) {
    for (int i = 0; i < 100; ++i) {
      Reply r = Http(witness_url_).Get("/v1/checkpoints/latest");
      if (r.status == 200 && nlohmann::json::parse(r.body)["seq"].get<int64_t>() == seq) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  int64_t NewestCheckpoint() { return CountRows(db_, "SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints"); }
  // Waits until the log's newest event is signed; returns the checkpoint's seq.
  int64_t WaitUntilSigned() {
    for (int i = 0; i < 100; ++i) {
      const int64_t head = CountRows(db_, "SELECT MAX(seq) FROM audit_events");
      if (NewestCheckpoint() == head) return head;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return -1;
  }
  std::vector<std::string> WitnessArgs() {
    return {"--audit-witness", witness_url_, "--audit-witness-token-file", token_file_};
  }

  static constexpr const char* kToken = "witness-token-for-the-test-0123456789";
  std::string token_file_, held_ = dir_.File("held.jsonl"), witness_url_;
  std::unique_ptr<ChildProcess> witness_;
};

TEST_F(WitnessServiceTest, ItHoldsOnlyWhatExtendsItsCheckpointsAndNamesACutLog) {
  StartWitness();
  EXPECT_NE(witness_->Stdout().find("0 checkpoints"), std::string::npos) << witness_->Stdout();
  Serve(true, WitnessArgs());
  LoginAdmin();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Run({"user", "add", "w" + std::to_string(i), "--role", "auditor"}).exit_code, 0);
  const int64_t first_signed = WaitUntilSigned();
  ASSERT_GT(first_signed, 0);
  ASSERT_TRUE(WaitUntilWitnessed(first_signed)) << server_->Stderr();

  // Publishing needs the token; only checkpoints that extend what it holds are taken.
  Http witness(witness_url_);
  Reply latest = witness.Get("/v1/checkpoints/latest");
  ASSERT_EQ(latest.status, 200);
  nlohmann::json cp = nlohmann::json::parse(latest.body);
  Reply anonymous = witness.Send("POST", "/v1/checkpoints", latest.body + "\n",
                                 {{"Content-Type", "application/x-ndjson"}});
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(anonymous.Header("www-authenticate"), "Bearer");
  const std::map<std::string, std::string> auth{{"Content-Type", "application/x-ndjson"},
                                                {"Authorization", std::string("Bearer ") + kToken}};
  Reply wrong = witness.Send("POST", "/v1/checkpoints", latest.body + "\n",
                             {{"Authorization", "Bearer witness-token-for-the-test-0123456788"}});
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  Reply same = witness.Send("POST", "/v1/checkpoints", latest.body + "\n", auth);
  EXPECT_EQ(same.status, 200) << "one it holds, unchanged, is fine: " << same.body;
  EXPECT_EQ(same.json()["appended"], 0);
  nlohmann::json resigned = cp;
  resigned["hash"] = std::string(64, 'a');
  Reply differs = witness.Send("POST", "/v1/checkpoints", resigned.dump() + "\n", auth);
  EXPECT_EQ(differs.status, 409) << differs.body;
  EXPECT_NE(differs.body.find(fmt::format("the checkpoint at seq {} differs", cp["seq"].get<int64_t>())),
            std::string::npos)
      << differs.body;
  nlohmann::json unlinked = cp;
  unlinked["seq"] = cp["seq"].get<int64_t>() + 5;
  Reply forked = witness.Send("POST", "/v1/checkpoints", unlinked.dump() + "\n", auth);
  EXPECT_EQ(forked.status, 409) << forked.body;
  EXPECT_NE(forked.body.find("does not extend the newest one this witness holds"), std::string::npos) << forked.body;
  Reply garbage = witness.Send("POST", "/v1/checkpoints", "{\"seq\": \"x\"}\n", auth);
  EXPECT_EQ(garbage.status, 400) << garbage.body;
  EXPECT_EQ(garbage.Header("content-type"), "application/problem+json");
  EXPECT_EQ(witness.Get("/v1/checkpoints?limit=0").status, 422);
  EXPECT_EQ(witness.Get("/v1/checkpoints?after=-1").status, 422);

  // Down for a while: writes go on, and it is caught up once it is back.
  const std::string port = witness_url_.substr(witness_url_.rfind(':') + 1);
  StopWitness();
  for (int i = 0; i < 2; ++i) ASSERT_EQ(Run({"user", "add", "d" + std::to_string(i), "--role", "auditor"}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_NE(server_->Stderr().find("audit witness failed"), std::string::npos) << server_->Stderr();
  StartWitness("127.0.0.1:" + port);
  const int64_t second_signed = WaitUntilSigned();
  ASSERT_GT(second_signed, first_signed);
  ASSERT_TRUE(WaitUntilWitnessed(second_signed)) << server_->Stderr();
  EXPECT_NE(server_->Stderr().find("audit witness reachable again"), std::string::npos) << server_->Stderr();
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();

  const std::vector<int64_t> held = Held();
  ASSERT_GE(held.size(), 2u);
  EXPECT_EQ(static_cast<int64_t>(held.size()), CountRows(db_, "SELECT COUNT(*) FROM audit_checkpoints"))
      << "every checkpoint is witnessed";
  ProcessResult intact = Run({"audit", "verify", "--db", db_, "--witness", witness_url_});
  ASSERT_EQ(intact.exit_code, 0) << intact.out << intact.err;
  EXPECT_NE(intact.out.find(fmt::format("witnessed: all {} checkpoints", held.size())), std::string::npos)
      << intact.out;

  // The newest events cut together with the checkpoints that signed them
  // and the rows they created, so the records agree with what is left.
  const int64_t keep = held[held.size() - 2];
  ASSERT_EQ(ExecSql(db_, fmt::format("DROP TRIGGER audit_events_append_only_delete;"
                                     "DROP TRIGGER audit_checkpoints_append_only_delete;"
                                     "DELETE FROM users WHERE id IN (SELECT object_id FROM audit_events "
                                     "WHERE seq > {0} AND object_type = 'user');"
                                     "DELETE FROM audit_events WHERE seq > {0};"
                                     "DELETE FROM audit_checkpoints WHERE seq > {0};",
                                     keep)),
            "");
  EXPECT_EQ(Run({"audit", "verify", "--db", db_}).exit_code, 0) << "consistent in itself";
  ProcessResult caught = Run({"audit", "verify", "--db", db_, "--witness", witness_url_});
  EXPECT_EQ(caught.exit_code, 1) << caught.out << caught.err;
  EXPECT_NE(caught.out.find(fmt::format("first bad sequence number {}", held.back())), std::string::npos)
      << caught.out;
  EXPECT_NE(caught.out.find("witness " + witness_url_), std::string::npos) << caught.out;

  Serve(/*first_start=*/false, WitnessArgs());
  EXPECT_NE(server_->Stderr().find("failed verification at start-up"), std::string::npos) << server_->Stderr();
  EXPECT_NE(server_->Stderr().find("which the witness " + witness_url_ + " holds"), std::string::npos)
      << server_->Stderr();
  EXPECT_EQ(Http(url_).Get("/readyz").status, 503);
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();

  // Started while the witness is down, the server cannot tell yet: it signs
  // nothing until the witness answers, then stops writes.
  StopWitness();
  Serve(/*first_start=*/false, WitnessArgs());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(NewestCheckpoint(), keep) << "nothing signed while the witness cannot be asked";
  StartWitness("127.0.0.1:" + port);
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    refused = Http(url_).Get("/readyz").status == 503;
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(refused) << server_->Stderr();
  EXPECT_NE(server_->Stderr().find("an audit witness contradicts the log"), std::string::npos) << server_->Stderr();
  EXPECT_EQ(NewestCheckpoint(), keep) << "and nothing after";
  EXPECT_EQ(Held(), held) << "the witness still holds what it held";
}

// The witness will not start without a real token, nor on a file that is
// not one unbroken chain of checkpoints (an edited witness is no witness).
TEST_F(WitnessServiceTest, ItRefusesAWeakTokenAndAnEditedFile) {
  const std::string weak = dir_.File("weak.token");
  std::ofstream(weak) << "short\n";
  ProcessResult short_token = Run({"witness", "--file", held_, "--listen", "127.0.0.1:0", "--token-file", weak});
  EXPECT_NE(short_token.exit_code, 0) << short_token.err;
  EXPECT_NE(short_token.err.find("at least 16 characters"), std::string::npos) << short_token.err;
  ProcessResult no_token = Run({"witness", "--file", held_, "--listen", "127.0.0.1:0"});
  EXPECT_NE(no_token.exit_code, 0);
  EXPECT_NE(no_token.err.find("CHANGELEDGER_WITNESS_TOKEN"), std::string::npos) << no_token.err;

  StartWitness();
  Serve(true, WitnessArgs());
  LoginAdmin();
  for (const char* name : {"one", "two"}) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // signed apart
    ASSERT_EQ(Run({"user", "add", name, "--role", "auditor"}).exit_code, 0);
  }
  const int64_t head = WaitUntilSigned();
  ASSERT_TRUE(WaitUntilWitnessed(head)) << server_->Stderr();
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();
  StopWitness();

  std::vector<std::string> lines;
  {
    std::ifstream in(held_);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  ASSERT_GE(lines.size(), 3u);
  lines.erase(lines.begin() + 1);  // a checkpoint taken out of the middle
  {
    std::ofstream out(held_, std::ios::trunc);
    for (const std::string& line : lines) out << line << "\n";
  }
  ChildProcess edited({"witness", "--file", held_, "--listen", "127.0.0.1:0", "--token-file", token_file_},
                      dir_.File("witness-logs"), env_);
  const int code = edited.Wait(10000);
  if (code == -1) edited.Signal(SIGKILL);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "it must not serve an edited file";
  EXPECT_NE(edited.Stderr().find("does not extend the newest one"), std::string::npos) << edited.Stderr();
}

TEST_F(CliTest, AnExpectedHeadMustStillBeInTheLog) {
  Serve();
  LoginAdmin();
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();
  ProcessResult first = Run({"audit", "verify", "--db", db_, "-o", "json"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const nlohmann::json r = nlohmann::json::parse(first.out);
  const std::string head = fmt::format("{}:{}", r["head_seq"].get<int64_t>(), r["head_hash"].get<std::string>());
  EXPECT_EQ(Run({"audit", "verify", "--db", db_, "--expected-head", head}).exit_code, 0);
  ASSERT_EQ(ExecSql(db_, fmt::format("DROP TRIGGER audit_events_append_only_delete;"
                                     "DROP TRIGGER audit_checkpoints_append_only_delete;"
                                     "DELETE FROM audit_events WHERE seq = {0};"
                                     "DELETE FROM audit_checkpoints WHERE seq >= {0};",
                                     r["head_seq"].get<int64_t>())),
            "");
  ProcessResult cut = Run({"audit", "verify", "--db", db_, "--expected-head", head});
  EXPECT_EQ(cut.exit_code, 1) << cut.out;
  EXPECT_NE(cut.out.find("before the expected head"), std::string::npos) << cut.out;
  ProcessResult bad = Run({"audit", "verify", "--db", db_, "--expected-head", "12:nothex"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("SEQ:HASH"), std::string::npos) << bad.err;
}

// A key rotation is recorded in the chain and endorsed by the old key: the
// log verifies with the old key pinned, the retired key may sign nothing
// later, and a server whose own key is outside the pins refuses to start.
TEST_F(CliTest, ARotatedKeyIsEndorsedInTheChainAndPinsFollowIt) {
  Serve();
  LoginAdmin();
  ASSERT_EQ(Run({"user", "add", "before-rotation", "--role", "auditor"}).exit_code, 0);
  ProcessResult tok = Run({"token", "create", "--name", "auditor", "--scope", "audit:read", "-o", "json"});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  const std::string token = nlohmann::json::parse(tok.out)["secret"];
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();
  ProcessResult first = Run({"audit", "verify", "--db", db_, "-o", "json"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const nlohmann::json before = nlohmann::json::parse(first.out);
  ASSERT_EQ(before["keys"].size(), 1u) << before.dump();
  const std::string old_id = before["keys"][0]["key_id"];
  EXPECT_TRUE(before["keys"][0]["first"].get<bool>());

  ProcessResult rotated = Run({"audit", "rotate-key", "--db", db_, "-o", "json"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.out << rotated.err;
  const nlohmann::json rot = nlohmann::json::parse(rotated.out);
  EXPECT_EQ(rot["old_key_id"], old_id);
  const std::string new_id = rot["new_key_id"];
  ASSERT_NE(new_id, old_id);
  EXPECT_TRUE(std::filesystem::exists(rot["retired_key_file"].get<std::string>()));

  // A server on the rotated key, pinned to the old one: the new key is
  // endorsed by it, so it starts and serves; a local writer signs with it.
  Serve(/*first_start=*/false, {"--trusted-audit-key", old_id});
  EXPECT_EQ(Http(url_).Get("/readyz").status, 200) << server_->Stderr();
  // The API's verification (the web UI's) applies the server's pins, as the CLI does.
  Reply api = Http(url_).Get("/api/v1/audit/verification", token);
  ASSERT_EQ(api.status, 200) << api.body;
  const nlohmann::json v = api.json();
  EXPECT_EQ(v["ok"], true) << api.body;
  EXPECT_EQ(v["pinned"], true) << api.body;
  ASSERT_EQ(v["keys"].size(), 2u) << api.body;
  EXPECT_EQ(v["keys"][0]["retired_seq"], rot["seq"]) << api.body;
  EXPECT_EQ(v["keys"][1]["endorsed_by"], old_id) << api.body;
  EXPECT_EQ(v["keys"][1]["trusted"], true) << api.body;
  Reply keys = Http(url_).Get("/api/v1/audit/keys", token);
  ASSERT_EQ(keys.status, 200) << keys.body;
  EXPECT_NE(keys.body.find("\"pinned\":true"), std::string::npos) << keys.body;
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();
  ProcessResult after = Run({"user", "add", "after-rotation", "--role", "auditor", "--db", db_});
  ASSERT_EQ(after.exit_code, 0) << after.out << after.err;
  ProcessResult pinned = Run({"audit", "verify", "--db", db_, "--trusted-key-id", old_id});
  ASSERT_EQ(pinned.exit_code, 0) << pinned.out << pinned.err;
  EXPECT_NE(pinned.out.find(fmt::format("key: {} registered at seq", new_id)), std::string::npos) << pinned.out;
  EXPECT_NE(pinned.out.find("endorsed by " + old_id), std::string::npos) << pinned.out;
  EXPECT_NE(pinned.out.find("retired"), std::string::npos) << pinned.out;
  const int64_t new_key_checkpoints = CountRows(
      db_, fmt::format("SELECT COUNT(*) FROM audit_checkpoints WHERE key_id = '{}'", new_id));
  EXPECT_GE(new_key_checkpoints, 2) << "the rotation and the server after it sign with the new key";

  // Pinned to a key the log does not lead to, nothing is trusted.
  const std::string stranger = std::string(old_id.size(), 'f');
  ProcessResult wrong = Run({"audit", "verify", "--db", db_, "--trusted-key-id", stranger});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  EXPECT_NE(wrong.out.find("neither pinned nor endorsed"), std::string::npos) << wrong.out;

  // A server pinned so: the log fails verification under its pins, so it
  // serves reads only and signs nothing.
  Serve(/*first_start=*/false, {"--trusted-audit-key", stranger});
  EXPECT_NE(server_->Stderr().find("neither pinned nor endorsed"), std::string::npos) << server_->Stderr();
  EXPECT_EQ(Http(url_).Get("/readyz").status, 503);
  Reply untrusted = Http(url_).Get("/api/v1/audit/verification", token);
  ASSERT_EQ(untrusted.status, 200) << untrusted.body;
  EXPECT_EQ(untrusted.json()["ok"], false) << untrusted.body;
  EXPECT_NE(untrusted.body.find("neither pinned nor endorsed"), std::string::npos) << untrusted.body;
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();

  // Pinned, a key nobody endorsed is refused before it enters the log.
  const int64_t registrations = CountRows(db_, "SELECT COUNT(*) FROM audit_keys");
  ChildProcess stray({"serve", "--db", db_, "--listen", "127.0.0.1:0", "--trusted-audit-key", old_id,
                      "--signing-key", dir_.File("stray.key")},
                     dir_.path().string(), env_);
  EXPECT_NE(stray.Wait(), 0);
  EXPECT_NE(stray.Stderr().find("is not among the pinned audit keys"), std::string::npos) << stray.Stderr();
  EXPECT_EQ(CountRows(db_, "SELECT COUNT(*) FROM audit_keys"), registrations);

  // The retired key file is refused by every process that would sign with it.
  const std::string retired_file = rot["retired_key_file"];
  ProcessResult resigned = Run({"audit", "rotate-key", "--db", db_, "--signing-key", retired_file});
  EXPECT_NE(resigned.exit_code, 0) << "a retired key cannot rotate again: " << resigned.out;
  EXPECT_NE((resigned.out + resigned.err).find("was retired by a key rotation at seq"), std::string::npos)
      << resigned.out << resigned.err;
}

// A key added to audit_keys outside the log (triggers dropped), with every
// checkpoint re-signed by it after a rewrite, is named: no audit.key.register
// event registers it.
TEST_F(CliTest, AKeyInsertedOutsideTheLogIsNamed) {
  Serve();
  LoginAdmin();
  ASSERT_EQ(Run({"user", "add", "victim", "--role", "auditor"}).exit_code, 0);
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();
  const crypto::Ed25519KeyPair mallory = crypto::GenerateEd25519KeyPair();
  const std::string mallory_id = KeyIdFor(mallory.public_key);
  ASSERT_EQ(ExecSql(db_, fmt::format("INSERT INTO audit_keys (key_id, public_key, created_at) VALUES ('{}', "
                                     "X'{}', 0)",
                                     mallory_id, crypto::ToHex(mallory.public_key))),
            "");
  ProcessResult r = Run({"audit", "verify", "--db", db_});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("no audit.key.register event registers it"), std::string::npos) << r.out;
  // The server refuses writes on it too.
  ProcessResult local = Run({"user", "add", "offline", "--role", "auditor", "--db", db_});
  EXPECT_NE(local.exit_code, 0) << local.out;
}

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
  ASSERT_EQ(ExecSql(edited, "DROP TRIGGER audit_events_append_only_update;"
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

std::string FileDigest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  return crypto::ToHex(crypto::Sha256(bytes));
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
  EXPECT_EQ(Run({"audit", "export", "--db", backup, "--signing-key", db_ + ".signing-key", "--out", dir_.File("export")}).exit_code, 0);
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
  ASSERT_EQ(ExecSql(db_, "CREATE TABLE padding (b BLOB);"
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
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) listing += entry.path().filename().string() + " ";
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

TEST_F(CliTest, SigtermDrainsInFlightRequests) {
  Serve();
  const uint16_t port = static_cast<uint16_t>(std::stoi(url_.substr(url_.rfind(':') + 1)));
  // Start a request and stop half-way through its body, then ask the server to stop.
  const std::string body = R"({"username":"admin","password":"wrong-password"})";
  const std::string head = "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
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

namespace cl::testing {
namespace {

TEST_F(CliTest, PolicyCheckAndTestWorkWithoutAServer) {
  const std::string policy = std::string(CL_SOURCE_DIR) + "/policy/default-policy.yaml";
  ProcessResult ok = Run({"policy", "check", policy});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("valid"), std::string::npos) << ok.out;
  ProcessResult cases = Run({"policy", "test", policy, std::string(CL_SOURCE_DIR) + "/policy/default-policy.test.yaml"});
  EXPECT_EQ(cases.exit_code, 0) << cases.out << cases.err;
  EXPECT_NE(cases.out.find("7 passed, 0 failed"), std::string::npos) << cases.out;

  const std::string bad = dir_.File("bad.yaml");
  std::ofstream(bad) << "format: 1\nname: x\nenvironments: [prod]\ncategories: {t: {}}\nrisk: {default: severe}\n";
  ProcessResult broken = Run({"policy", "check", bad});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("line 5, column 17: 'severe' is not one of"), std::string::npos) << broken.err;

  const std::string wrong = dir_.File("wrong.yaml");
  std::ofstream(wrong) << "cases:\n  - name: prod is low?\n    change: {type: normal, environment: production, "
                          "category: technical}\n    expect: {risk: low}\n";
  ProcessResult failing = Run({"policy", "test", policy, wrong});
  EXPECT_EQ(failing.exit_code, 1);
  EXPECT_NE(failing.out.find("FAIL prod is low?"), std::string::npos) << failing.out;
  EXPECT_NE(failing.out.find("risk: expected \"low\", got \"medium\""), std::string::npos) << failing.out;
}

// Creates, approves (by bob), implements, verifies, evidences and closes
// CHG-1 through the CLI, asserting each step.
void CliTest::RunLifecycleToClosed() {
  const std::string bob = AddApprover("bob");
  ASSERT_FALSE(bob.empty());

  const std::string file = dir_.File("change.yaml");
  std::ofstream(file) << R"(title: Raise worker pool to 12
type: normal
service: payments
environment: staging
category: technical
justification: Latency at peak
security_impact:
  identity_access: no
  network_exposure: no
  internet_exposure: no
  data_protection: no
  encryption_secrets: no
  logging_monitoring: no
  availability: {answer: yes, note: Rolling restart}
  sensitive_data: no
test_plan: Load test
implementation_plan: Change the pool size and roll
rollback_plan: Set it back
failure_conditions: Error rate above 1%
success_criteria: p99 under 300 ms
monitoring_plan: Watch the checkout dashboard for an hour
planned_window: {start: "2026-12-01T22:00:00+01:00", end: "2026-12-01T23:00:00+01:00", timezone: Europe/Berlin}
responsibility: {owner: customer, contact: payments-oncall@example.com}
)";
  ProcessResult created = Run({"change", "create", "-f", file, "-o", "json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string key = nlohmann::json::parse(created.out)["key"];
  EXPECT_EQ(key, "CHG-1");
  ProcessResult submitted = Run({"change", "submit", key});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  EXPECT_NE(submitted.out.find("CHG-1 is now submitted"), std::string::npos) << submitted.out;
  ProcessResult self = Run({"change", "approve", key});
  EXPECT_EQ(self.exit_code, 1) << "admin is no service owner in the default policy";
  ProcessResult approved = Run({"change", "approve", key, "--token", bob, "--comment", "ok"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_NE(approved.out.find("as service_owner"), std::string::npos) << approved.out;
  for (const char* action : {"schedule", "start", "complete"}) {
    ProcessResult r = Run({"change", action, key});
    ASSERT_EQ(r.exit_code, 0) << action << ": " << r.err;
  }
  ProcessResult verify = Run({"change", "verify", key, "--implemented-as-approved", "--security-controls-verified",
                              "--incidents", "none", "--lessons", "none"});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  ProcessResult early = Run({"change", "close", key});
  EXPECT_EQ(early.exit_code, 1);
  EXPECT_NE(early.err.find("/evidence/test_result"), std::string::npos) << early.err;
  const std::string results = dir_.File("results.txt");
  std::ofstream(results) << "42 tests passed\n";
  ProcessResult ev = Run({"evidence", "add", key, "--kind", "test_result", "--file", results});
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  EXPECT_NE(ev.out.find("sha256 "), std::string::npos) << ev.out;
  ASSERT_EQ(Run({"change", "close", key}).exit_code, 0);
  ProcessResult show = Run({"change", "show", key, "-o", "json"});
  ASSERT_EQ(show.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(show.out)["state"], "closed");
  ProcessResult list = Run({"change", "list", "--state", "closed"});
  EXPECT_NE(list.out.find("CHG-1"), std::string::npos) << list.out;
}

TEST_F(CliTest, ChangeLifecycleFromTheCommandLine) {
  Serve();
  LoginAdmin();
  ASSERT_NO_FATAL_FAILURE(RunLifecycleToClosed());
  EXPECT_EQ(Run({"audit", "verify"}).exit_code, 0);
}

// Someone with write access to the database edits the working tables and
// leaves the chain alone: `audit verify --reconcile` names the table, the
// row and the field; the same database untouched reconciles.
TEST_F(CliTest, ReconcileNamesEveryRowEditedBehindTheLog) {
  Serve(/*first_start=*/true, {"--webhook-allow-network", "127.0.0.0/8"});
  LoginAdmin();
  ASSERT_NO_FATAL_FAILURE(RunLifecycleToClosed());
  ProcessResult tok = Run({"token", "create", "--name", "ops", "--scope", "changes:read", "--scope", "users:write",
                           "-o", "json"});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  const std::string token = nlohmann::json::parse(tok.out)["secret"];
  // The records that decide who may do what, each made and changed through
  // the API: a revoked token, webhooks (one deactivated), freezes (one lifted).
  ProcessResult admin_tok = Run({"token", "create", "--name", "admin-api", "--scope", "policy:write", "--scope",
                                 "changes:manage", "--scope", "changes:read", "-o", "json"});
  ASSERT_EQ(admin_tok.exit_code, 0) << admin_tok.err;
  const std::string admin_token = nlohmann::json::parse(admin_tok.out)["secret"];
  ProcessResult old_tok = Run({"token", "create", "--name", "old", "--scope", "changes:read", "-o", "json"});
  ASSERT_EQ(old_tok.exit_code, 0) << old_tok.err;
  ASSERT_EQ(Run({"token", "revoke", nlohmann::json::parse(old_tok.out)["token"]["id"]}).exit_code, 0);
  Http api(url_);
  for (const char* description : {"retired", "stakeholders"}) {
    Reply hook = api.Json("POST", "/api/v1/webhooks",
                          {{"url", "http://127.0.0.1:9/changes"}, {"events", {"*"}}, {"description", description}},
                          admin_token);
    ASSERT_EQ(hook.status, 201) << hook.body;
    if (std::string_view(description) == "retired") {
      Reply off = api.Send("DELETE", "/api/v1/webhooks/" + hook.json()["webhook"]["id"].get<std::string>(), "",
                           {{"Authorization", "Bearer " + admin_token}});
      ASSERT_LT(off.status, 300) << off.body;
    }
  }
  const auto day = [](int days) {
    return FormatRfc3339(Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                                       (std::chrono::system_clock::now() + std::chrono::hours(24 * days)).time_since_epoch())
                                       .count()});
  };
  for (const char* description : {"lifted", "year end"}) {
    Reply freeze = api.Json("POST", "/api/v1/freezes",
                            {{"description", description}, {"environments", {"production"}}, {"start", day(1)},
                             {"end", day(2)}},
                            admin_token);
    ASSERT_EQ(freeze.status, 201) << freeze.body;
    if (std::string_view(description) == "lifted") {
      Reply lift = api.Json("POST", "/api/v1/freezes/" + freeze.json()["id"].get<std::string>() + "/lift",
                            nlohmann::json::object(), admin_token);
      ASSERT_LT(lift.status, 300) << lift.body;
    }
  }
  server_->Signal(SIGTERM);
  server_->Wait();
  server_.reset();

  ProcessResult intact = Run({"audit", "verify", "--db", db_, "--reconcile", "-o", "json"});
  ASSERT_EQ(intact.exit_code, 0) << intact.out << intact.err;
  const auto report = nlohmann::json::parse(intact.out)["reconcile"];
  EXPECT_EQ(report["problem_count"], 0) << report.dump(2);
  EXPECT_GE(report["rows"].get<int64_t>(), 5) << "a change, an approval, evidence and users";
  EXPECT_EQ(report["files"], 1);
  EXPECT_EQ(Run({"audit", "verify", "--reconcile"}).exit_code, 2) << "--reconcile reads the database file";

  struct Attack {
    const char* name;
    std::string sql;
    std::vector<std::string> expected;  // in the human report
  };
  const std::vector<Attack> attacks{
      {"approval comment", "UPDATE approvals SET comment = 'looks great'", {"approvals", "comment"}},
      {"approval decision", "UPDATE approvals SET decision = 'reject'", {"approvals", ".approve"}},
      {"change state", "UPDATE changes SET state = 'implementing'", {"changes", "CHG-1", "state"}},
      {"change plan", "UPDATE changes SET content = json_set(content, '$.rollback_plan', 'none')",
       {"changes CHG-1 .content", "rollback_plan"}},
      {"verifier", "UPDATE changes SET verification = json_set(verification, '$.by', 'carol')",
       {"changes CHG-1 .verification"}},
      {"implementer", "UPDATE changes SET implementer = 'carol'", {"changes CHG-1 .implementer"}},
      {"evidence file", "UPDATE blobs SET data = CAST('41 tests passed' AS BLOB)", {"blobs", "results.txt"}},
      {"approval deleted", "DELETE FROM approvals", {"approvals", "deleted outside the log"}},
      {"evidence deleted", "DELETE FROM evidence", {"evidence", "deleted outside the log"}},
      {"change deleted", "DELETE FROM approvals; DELETE FROM evidence; DELETE FROM changes",
       {"changes CHG-1", "deleted outside the log"}},
      {"approval inserted",
       "INSERT INTO approvals SELECT 'forged', change_id, approver_id, approver, role, decision, comment, "
       "content_version, material_sha256, retrospective, compensating, created_at, voided_at, voided_reason "
       "FROM approvals",
       {"approvals", "forged"}},
      {"user role", "UPDATE user_roles SET role = 'admin' WHERE user_id = (SELECT id FROM users WHERE username = 'bob')",
       {"users", ".roles"}},
      {"token handed to another user",
       "UPDATE api_tokens SET user_id = (SELECT id FROM users WHERE username = 'bob') WHERE name = 'ops'",
       {"api_tokens", ".user_id"}},
      {"token secret swapped", "UPDATE api_tokens SET secret_hash = randomblob(32) WHERE name = 'ops'",
       {"api_tokens", ".secret_digest"}},
      {"token revived", "UPDATE api_tokens SET revoked_at = NULL WHERE name = 'old'", {"api_tokens", ".revoked"}},
      {"token inserted",
       "INSERT INTO api_tokens SELECT 'tok_forged', user_id, 'forged', randomblob(32), scopes, created_at, "
       "created_by, expires_at, NULL, NULL FROM api_tokens WHERE name = 'ops'",
       {"api_tokens tok_forged", "inserted outside"}},
      {"webhook redirected", "UPDATE webhooks SET url = 'https://collector.example.net/x' WHERE active = 1",
       {"webhooks", ".url"}},
      {"webhook secret swapped", "UPDATE webhooks SET secret = 'whsec_known' WHERE active = 1",
       {"webhooks", ".secret_digest"}},
      {"webhook re-activated", "UPDATE webhooks SET active = 1", {"webhooks", ".active"}},
      {"freeze deleted", "DELETE FROM freezes WHERE lifted_at IS NULL", {"freezes", "deleted outside the log"}},
      {"freeze lifted", "UPDATE freezes SET lifted_at = 1, lifted_by = 'mallory' WHERE lifted_at IS NULL",
       {"freezes", ".lifted_by"}},
      {"policy text", "UPDATE policy_versions SET source = source || '# edited'",
       {"policy_versions", "text was changed outside the log"}},
      {"policy origin", "UPDATE policy_versions SET origin = 'api'", {"policy_versions", ".origin"}},
  };
  const std::string pristine = dir_.File("pristine.db");
  std::filesystem::copy_file(db_, pristine);
  for (const Attack& a : attacks) {
    SCOPED_TRACE(a.name);
    std::filesystem::copy_file(pristine, db_, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::remove(db_ + "-wal");
    std::filesystem::remove(db_ + "-shm");
    ASSERT_EQ(ExecSql(db_, "PRAGMA foreign_keys = OFF; " + a.sql), "");
    EXPECT_EQ(Run({"audit", "verify", "--db", db_}).exit_code, 0) << "the chain itself is intact";
    ProcessResult r = Run({"audit", "verify", "--db", db_, "--reconcile"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    for (const std::string& word : a.expected) EXPECT_NE(r.out.find(word), std::string::npos) << word << "\n" << r.out;
  }

  // An edit carried on by a later mutation of the row: the row matches the
  // newest event, but that event found the row in a state the log never had.
  std::filesystem::copy_file(pristine, db_, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(db_ + "-wal");
  std::filesystem::remove(db_ + "-shm");
  ASSERT_EQ(ExecSql(db_, "UPDATE user_roles SET role = 'admin' WHERE user_id = (SELECT id FROM users WHERE username = 'bob')"), "");
  ProcessResult disabled = Run({"user", "disable", "bob", "--db", db_});
  ASSERT_EQ(disabled.exit_code, 0) << disabled.err;
  ProcessResult laundered = Run({"audit", "verify", "--db", db_, "--reconcile"});
  EXPECT_EQ(laundered.exit_code, 1) << laundered.out;
  EXPECT_NE(laundered.out.find("was edited outside the log between event #"), std::string::npos) << laundered.out;
  EXPECT_EQ(laundered.out.find(".roles"), std::string::npos) << "the row itself matches its newest event\n"
                                                              << laundered.out;

  // The server reconciles at start-up: an edited row raises a finding and
  // stops writes (reads go on), as a tampered log does.
  std::filesystem::copy_file(pristine, db_, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(db_ + "-wal");
  std::filesystem::remove(db_ + "-shm");
  ASSERT_EQ(ExecSql(db_, "UPDATE approvals SET comment = 'looks great'"), "");
  Serve(/*first_start=*/false);
  Http http(url_);
  Reply ready = http.Get("/readyz");
  for (int i = 0; i < 100 && ready.status == 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ready = http.Get("/readyz");
  }
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(ready.body.find("writes-refused"), std::string::npos) << ready.body;
  EXPECT_EQ(ready.body.find("approvals"), std::string::npos) << "no row names to unauthenticated callers";
  EXPECT_EQ(http.Get("/api/v1/changes/CHG-1", token).status, 200) << "reads go on";
  Reply refused = http.Json("POST", "/api/v1/users",
                            {{"username", "after-edit"}, {"display_name", "A"}, {"roles", {"auditor"}}}, token);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("differ from the audit log, first approvals"), std::string::npos) << refused.body;
  server_->Signal(SIGTERM);
  EXPECT_EQ(server_->Wait(), 0);
  EXPECT_NE(server_->Stderr().find("records were edited outside the audit log"), std::string::npos)
      << server_->Stderr();
  server_.reset();
  EXPECT_EQ(CountRows(db_, "SELECT COUNT(*) FROM findings WHERE kind = 'records_edited_outside_log' AND "
                           "severity = 'high' AND summary LIKE '%approvals%'"),
            1);
  EXPECT_EQ(CountRows(db_, "SELECT COUNT(*) FROM users WHERE username = 'after-edit'"), 0);
}

// What a pipeline runs: attach the plan, ask the gate (exit 1 deny, 0 allow,
// 2 error), wait, and report a deployment that had no change.
TEST_F(CliTest, PipelineAttachesAPlanAndAsksTheGate) {
  Serve();
  LoginAdmin();
  const std::string bob = AddApprover("bob");
  ASSERT_FALSE(bob.empty());
  const auto now = std::chrono::system_clock::now();
  const auto at = [&](int hours) {
    return FormatRfc3339(Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                                       (now + std::chrono::hours(hours)).time_since_epoch())
                                       .count()});
  };
  const std::string file = dir_.File("change.yaml");
  std::ofstream(file) << "title: Partner ingress for payments\ntype: normal\nservice: payments\n"
                         "environment: staging\ncategory: iac\njustification: Partner integration\n"
                         "security_impact: {identity_access: no, network_exposure: no, internet_exposure: no, "
                         "data_protection: no, encryption_secrets: no, logging_monitoring: no, availability: no, "
                         "sensitive_data: no}\n"
                         "test_plan: Plan reviewed\nimplementation_plan: terraform apply\nrollback_plan: revert\n"
                         "failure_conditions: apply fails\nsuccess_criteria: partner reaches the API\n"
                         "monitoring_plan: watch 5xx\n"
                      << "planned_window: {start: \"" << at(-1) << "\", end: \"" << at(2) << "\", timezone: UTC}\n"
                      << "responsibility: {owner: customer, contact: payments-oncall@example.com}\n";
  ASSERT_EQ(Run({"change", "create", "-f", file}).exit_code, 0);
  const std::string plan = std::string(CL_SOURCE_DIR) + "/tests/fixtures/iac/payments-iam-sg.plan.json";
  ProcessResult attached = Run({"plan", "attach", "CHG-1", plan});
  ASSERT_EQ(attached.exit_code, 0) << attached.err;
  EXPECT_NE(attached.out.find("security impact raised to yes: identity_access"), std::string::npos) << attached.out;
  EXPECT_NE(attached.out.find("update aws_security_group.api [network_exposure]"), std::string::npos) << attached.out;

  const std::vector<std::string> gate = {"gate", "--service", "payments", "-e", "staging", "--plan", plan};
  ProcessResult denied = Run(gate);
  EXPECT_EQ(denied.exit_code, 1) << denied.err;
  EXPECT_NE(denied.out.find("DENY CHG-1"), std::string::npos) << denied.out;
  EXPECT_NE(denied.out.find("not_approved: CHG-1"), std::string::npos) << denied.out;

  ASSERT_EQ(Run({"change", "submit", "CHG-1"}).exit_code, 0);
  ASSERT_EQ(Run({"change", "approve", "CHG-1", "--token", bob}).exit_code, 0);
  ASSERT_EQ(Run({"change", "approve", "CHG-1"}).exit_code, 0) << "admin as security, with bob independent";
  ProcessResult allowed = Run(gate);
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_NE(allowed.out.find("ALLOW CHG-1 (risk high"), std::string::npos) << allowed.out;
  ProcessResult show = Run({"change", "show", "CHG-1"});
  EXPECT_NE(show.out.find("terraform-plan sha256:"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("gate allow"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("gate deny"), std::string::npos) << show.out;

  const std::string other = dir_.File("other.json");
  std::ofstream(other) << "{\"format_version\":\"1.2\",\"resource_changes\":[]}";
  ProcessResult waited = Run({"gate", "--service", "payments", "-e", "staging", "--plan", other, "--wait",
                              "--timeout", "2", "--interval", "1"});
  EXPECT_EQ(waited.exit_code, 1);
  EXPECT_NE(waited.out.find("waiting"), std::string::npos) << waited.out;
  EXPECT_NE(waited.out.find("is not the approved plan"), std::string::npos) << waited.out;

  ProcessResult usage = Run({"gate", "--service", "payments", "-e", "staging"});
  EXPECT_EQ(usage.exit_code, 2) << "no artifact is an error, not a denial";
  ProcessResult bad = Run({"gate", "--service", "payments", "-e", "staging", "--commit", "not-hex"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;

  ProcessResult rogue = Run({"deployment", "report", "--service", "ledger", "-e", "production", "--commit",
                             "abcdef1234"});
  ASSERT_EQ(rogue.exit_code, 0) << rogue.err;
  EXPECT_NE(rogue.out.find("unauthorized deployment"), std::string::npos) << rogue.out;
  EXPECT_NE(rogue.out.find("(high)"), std::string::npos) << rogue.out;
  EXPECT_EQ(Run({"audit", "verify"}).exit_code, 0);
}

}  // namespace
}  // namespace cl::testing
