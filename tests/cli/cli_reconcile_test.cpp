// `audit verify --reconcile`: rows edited behind the log are named, an
// untouched database reconciles.
#include "tests/cli/cli_fixture.h"

namespace cl::testing {
namespace {

// Someone with write access to the database edits the working tables and
// leaves the chain alone: `audit verify --reconcile` names the table, the
// row and the field; the same database untouched reconciles.
TEST_F(CliTest, ReconcileNamesEveryRowEditedBehindTheLog) {
  Serve(/*first_start=*/true, {"--webhook-allow-network", "127.0.0.0/8"});
  LoginAdmin();
  ASSERT_NO_FATAL_FAILURE(RunLifecycleToClosed());
  ProcessResult tok =
      Run({"token", "create", "--name", "ops", "--scope", "changes:read", "--scope", "users:write", "-o", "json"});
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
    Reply hook =
        api.Json("POST", "/api/v1/webhooks",
                 {{"url", "http://127.0.0.1:9/changes"}, {"events", {"*"}}, {"description", description}}, admin_token);
    ASSERT_EQ(hook.status, 201) << hook.body;
    if (std::string_view(description) == "retired") {
      Reply off = api.Send("DELETE", "/api/v1/webhooks/" + hook.json()["webhook"]["id"].get<std::string>(), "",
                           {{"Authorization", "Bearer " + admin_token}});
      ASSERT_LT(off.status, 300) << off.body;
    }
  }
  const auto day = [](int days) {
    return FormatRfc3339(
        Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                      (std::chrono::system_clock::now() + std::chrono::hours(24 * days)).time_since_epoch())
                      .count()});
  };
  for (const char* description : {"lifted", "year end"}) {
    Reply freeze =
        api.Json("POST", "/api/v1/freezes",
                 {{"description", description}, {"environments", {"production"}}, {"start", day(1)}, {"end", day(2)}},
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
      {"change plan",
       "UPDATE changes SET content = json_set(content, '$.rollback_plan', 'none')",
       {"changes CHG-1 .content", "rollback_plan"}},
      {"verifier",
       "UPDATE changes SET verification = json_set(verification, '$.by', 'carol')",
       {"changes CHG-1 .verification"}},
      {"implementer", "UPDATE changes SET implementer = 'carol'", {"changes CHG-1 .implementer"}},
      // What the rules read: fewer approver roles, or pre-approval, are as material as the content.
      {"required roles",
       "UPDATE changes SET assessment = json_set(assessment, '$.required_roles', json('[]'))",
       {"changes CHG-1 .assessment", "required_roles"}},
      {"pre-approved",
       "UPDATE changes SET assessment = json_set(assessment, '$.pre_approved', json('true'))",
       {"changes CHG-1 .assessment", "pre_approved"}},
      {"test outcome", "UPDATE evidence SET outcome = 'failure'", {"evidence", ".outcome"}},
      {"evidence file", "UPDATE blobs SET data = CAST('41 tests passed' AS BLOB)", {"blobs", "results.txt"}},
      {"approval deleted", "DELETE FROM approvals", {"approvals", "deleted outside the log"}},
      {"evidence deleted", "DELETE FROM evidence", {"evidence", "deleted outside the log"}},
      {"change deleted",
       "DELETE FROM approvals; DELETE FROM evidence; DELETE FROM changes",
       {"changes CHG-1", "deleted outside the log"}},
      {"approval inserted",
       "INSERT INTO approvals SELECT 'forged', change_id, approver_id, approver, role, decision, comment, "
       "content_version, material_sha256, retrospective, compensating, created_at, voided_at, voided_reason "
       "FROM approvals",
       {"approvals", "forged"}},
      {"user role",
       "UPDATE user_roles SET role = 'admin' WHERE user_id = (SELECT id FROM users WHERE username = 'bob')",
       {"users", ".roles"}},
      {"token handed to another user",
       "UPDATE api_tokens SET user_id = (SELECT id FROM users WHERE username = 'bob') WHERE name = 'ops'",
       {"api_tokens", ".user_id"}},
      {"token secret swapped",
       "UPDATE api_tokens SET secret_hash = randomblob(32) WHERE name = 'ops'",
       {"api_tokens", ".secret_digest"}},
      {"token revived", "UPDATE api_tokens SET revoked_at = NULL WHERE name = 'old'", {"api_tokens", ".revoked"}},
      {"token inserted",
       "INSERT INTO api_tokens SELECT 'tok_forged', user_id, 'forged', randomblob(32), scopes, created_at, "
       "created_by, expires_at, NULL, NULL FROM api_tokens WHERE name = 'ops'",
       {"api_tokens tok_forged", "inserted outside"}},
      {"webhook redirected",
       "UPDATE webhooks SET url = 'https://collector.example.net/x' WHERE active = 1",
       {"webhooks", ".url"}},
      {"webhook secret swapped",
       "UPDATE webhooks SET secret = 'whsec_known' WHERE active = 1",
       {"webhooks", ".secret_digest"}},
      {"webhook re-activated", "UPDATE webhooks SET active = 1", {"webhooks", ".active"}},
      {"freeze deleted", "DELETE FROM freezes WHERE lifted_at IS NULL", {"freezes", "deleted outside the log"}},
      {"freeze lifted",
       "UPDATE freezes SET lifted_at = 1, lifted_by = 'mallory' WHERE lifted_at IS NULL",
       {"freezes", ".lifted_by"}},
      {"policy text",
       "UPDATE policy_versions SET source = source || '# edited'",
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
  ASSERT_EQ(
      ExecSql(db_,
              "UPDATE user_roles SET role = 'admin' WHERE user_id = (SELECT id FROM users WHERE username = 'bob')"),
      "");
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
  EXPECT_EQ(CountRows(db_,
                      "SELECT COUNT(*) FROM findings WHERE kind = 'records_edited_outside_log' AND "
                      "severity = 'high' AND summary LIKE '%approvals%'"),
            1);
  EXPECT_EQ(CountRows(db_, "SELECT COUNT(*) FROM users WHERE username = 'after-edit'"), 0);
}

}  // namespace
}  // namespace cl::testing
