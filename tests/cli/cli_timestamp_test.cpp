// RFC 3161 time-stamps: `serve --audit-tsa` against `openssl ts -reply`, and
// every verifier checking them.
#include "tests/cli/cli_fixture.h"

namespace cl::testing {
namespace {

// serve --audit-tsa has the newest checkpoint time-stamped by a real RFC
// 3161 authority (`openssl ts -reply` over HTTP); the API, the CLI on the
// database and on an export check the tokens under the authority's CA; an
// outage is logged and caught up on; a token from another authority fails.
TEST_F(CliTest, ATimeStampAuthorityVouchesForCheckpointsAndEveryVerifierChecksIt) {
  TestTsa tsa;
  const std::string tsa_url = tsa.Url();
  ProcessResult no_ca =
      Run({"serve", "--db", dir_.File("other.db"), "--listen", "127.0.0.1:0", "--audit-tsa", tsa_url});
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

}  // namespace
}  // namespace cl::testing
