// `changeledger audit verify|export|rotate-key` against tampering: edited and
// cut logs, exports and their manifests, a server on a tampered log, expected
// heads, key rotation and pins.
#include "tests/cli/cli_fixture.h"

namespace cl::testing {
namespace {

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

  ASSERT_EQ(ExecSql(db_,
                    "DROP TRIGGER audit_events_append_only_update;"
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
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(Run({"user", "add", "cut" + std::to_string(i), "--role", "auditor"}).exit_code, 0);
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
  std::ofstream(manifest_path)
      << R"({"format":"changeledger-audit-export/v1","events":"many","head_seq":[],"sha256":7})";
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
  std::ofstream(out_dir + "/checkpoints.jsonl") << R"({"seq":1,"hash":5,"signature":7,"signed_at":[],"key_id":{}})"
                                                   "\n";
  std::ofstream(out_dir + "/keys.json") << R"([{"key_id":1,"public_key":2},"x",7])";
  const int hostile = Run({"audit", "verify", "--export", out_dir}).exit_code;
  EXPECT_TRUE(hostile == 1 || hostile == 2) << hostile;
  std::ofstream(out_dir + "/checkpoints.jsonl") << checkpoints_text;
  std::ofstream(out_dir + "/keys.json") << keys_text;
  ProcessResult restored = Run({"audit", "verify", "--export", out_dir});
  EXPECT_EQ(restored.exit_code, 0) << "restored, it verifies again\n" << restored.out;
  EXPECT_NE(restored.out.find("sealed: the export's head was signed by key ed25519:"), std::string::npos)
      << restored.out;

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
  ProcessResult tok =
      Run({"token", "create", "--name", "ops", "--scope", "users:read", "--scope", "users:write", "-o", "json"});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  const std::string token = nlohmann::json::parse(tok.out)["secret"];
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(), 0);
  server_.reset();
  ASSERT_EQ(Run({"audit", "verify", "--db", db_}).exit_code, 0);
  ASSERT_EQ(ExecSql(db_,
                    "DROP TRIGGER audit_events_append_only_update;"
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
  const int64_t new_key_checkpoints =
      CountRows(db_, fmt::format("SELECT COUNT(*) FROM audit_checkpoints WHERE key_id = '{}'", new_id));
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
  ChildProcess stray({"serve", "--db", db_, "--listen", "127.0.0.1:0", "--trusted-audit-key", old_id, "--signing-key",
                      dir_.File("stray.key")},
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

}  // namespace
}  // namespace cl::testing
