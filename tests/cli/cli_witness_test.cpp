// Witnesses: a witness file and the witness service (`changeledger witness`)
// name a log cut after it was witnessed.
#include "tests/cli/cli_fixture.h"

namespace cl::testing {
namespace {

// Cutting the newest events and deleting the checkpoints that signed them
// leaves a log consistent in itself: only the witness file the server kept
// elsewhere shows it, to `audit verify --witness` and to the next start.
TEST_F(CliTest, AWitnessFileNamesATailCutWithTheCheckpointsThatSignedIt) {
  const std::string witness = dir_.File("witness.jsonl");
  Serve(true, {"--audit-witness-file", witness});
  LoginAdmin();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the bootstrap events are signed
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(Run({"user", "add", "late" + std::to_string(i), "--role", "auditor"}).exit_code, 0);
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
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(Run({"user", "add", "w" + std::to_string(i), "--role", "auditor"}).exit_code, 0);
  const int64_t first_signed = WaitUntilSigned();
  ASSERT_GT(first_signed, 0);
  ASSERT_TRUE(WaitUntilWitnessed(first_signed)) << server_->Stderr();

  // Publishing needs the token; only checkpoints that extend what it holds are taken.
  Http witness(witness_url_);
  Reply latest = witness.Get("/v1/checkpoints/latest");
  ASSERT_EQ(latest.status, 200);
  nlohmann::json cp = nlohmann::json::parse(latest.body);
  Reply anonymous =
      witness.Send("POST", "/v1/checkpoints", latest.body + "\n", {{"Content-Type", "application/x-ndjson"}});
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
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(Run({"user", "add", "d" + std::to_string(i), "--role", "auditor"}).exit_code, 0);
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
  EXPECT_NE(caught.out.find(fmt::format("first bad sequence number {}", held.back())), std::string::npos) << caught.out;
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

}  // namespace
}  // namespace cl::testing
