// Reconciliation on every backend: a log written before whole states were
// recorded is baselined once (each differing row accepted openly, by an
// event), after which an edit made directly in the database is named, also
// when a later mutation carried it on.
#include "core/audit_reconcile.h"

#include <fmt/format.h>

#include "core/tokens.h"
#include "core/users.h"
#include "tests/storage/store_fixture.h"

namespace cl::testing {
namespace {

const AuditContext kCtx{{"system", "system", "system", ""}, "test", ""};

ReconcileReport Reconcile(Store& store) {
  ReconcileReport out;
  EXPECT_TRUE(store
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(out, ReconcileRecords(tx));
                    return Status::Ok();
                  })
                  .ok());
  return out;
}

// A user created with the event an earlier release wrote: a state without
// most of the fields recorded today.
void InsertWithLegacyEvent(Store& store, const AuditLog& log, const User& u) {
  ASSERT_TRUE(store
                  .Write([&](Tx& tx) -> Status {
                    CL_RETURN_IF_ERROR(tx.Users().Insert(u));
                    AuditRecord r{"user.create", "user", u.id};
                    r.after = {{"id", u.id}, {"username", u.username}};
                    return log.Append(tx, kCtx, r).status();
                  })
                  .ok());
}

// An audited update as the product makes it: the row and an event recording
// the row's state before and after.
void UpdateDisplayName(Store& store, const AuditLog& log, const std::string& id, const std::string& name) {
  ASSERT_TRUE(store
                  .Write([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(std::optional<User> before, tx.Users().FindById(id));
                    if (!before) return NotFound(id);
                    User after = *before;
                    after.display_name = name;
                    after.version = before->version + 1;
                    CL_RETURN_IF_ERROR(tx.Users().Update(after));
                    AuditRecord r{"user.update", "user", id};
                    r.before = UserState(*before);
                    r.after = UserState(after);
                    return log.Append(tx, kCtx, r).status();
                  })
                  .ok());
}

TEST_P(StoreTest, ALogFromBeforeReconciliationIsBaselinedOnceThenReconciledStrictly) {
  const AuditLog& log = Audit();
  const User legacy = MakeUser("legacy");
  InsertWithLegacyEvent(store(), log, legacy);
  const User unrecorded = MakeUser("unrecorded");
  InsertUser(unrecorded);  // no event at all

  ReconcileReport before = Reconcile(store());
  EXPECT_EQ(before.baseline_seq, 0);
  EXPECT_GE(before.problem_count, 2) << "each field the legacy event lacks, and the unrecorded row";

  int64_t accepted = -1;
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(accepted, RecordReconcileBaseline(tx, log, kCtx));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(accepted, 2);
  ReconcileReport after = Reconcile(store());
  EXPECT_GT(after.baseline_seq, 0);
  EXPECT_TRUE(after.ok()) << ReconcileReportJson(after).dump(2);
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(accepted, RecordReconcileBaseline(tx, log, kCtx));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(accepted, 0) << "baselined once";
  EXPECT_EQ(Reconcile(store()).baseline_seq, after.baseline_seq);
  EXPECT_EQ(Verify().ok, true) << "the acceptances are events like any other";

  // From the baseline on, the product's own mutations reconcile...
  UpdateDisplayName(store(), log, legacy.id, "Legacy, renamed");
  EXPECT_TRUE(Reconcile(store()).ok());

  // ...and an edit in the database is named, by field.
  ASSERT_EQ(harness().ExecRaw("UPDATE users SET email = 'mallory@example.com' WHERE username = 'legacy'"), "");
  ReconcileReport edited = Reconcile(store());
  ASSERT_EQ(edited.problem_count, 1) << ReconcileReportJson(edited).dump(2);
  EXPECT_EQ(edited.problems[0].table, "users");
  EXPECT_EQ(edited.problems[0].id, legacy.id);
  EXPECT_EQ(edited.problems[0].field, "email");

  // A mutation after the edit records the edited row as its before state and
  // carries the edit on: the row matches its newest event, the break shows.
  UpdateDisplayName(store(), log, legacy.id, "Legacy, renamed again");
  ReconcileReport carried = Reconcile(store());
  ASSERT_EQ(carried.problem_count, 1) << ReconcileReportJson(carried).dump(2);
  EXPECT_EQ(carried.problems[0].table, "users");
  EXPECT_EQ(carried.problems[0].field, "");
  EXPECT_NE(carried.problems[0].what.find("edited outside the log between event #"), std::string::npos)
      << carried.problems[0].what;
}

// A log baselined by the first release (a baseline event without `kinds`)
// covers changes, approvals, evidence, reviews and users only. A later
// release reconciles API tokens too: their rows are compared, the kind is
// reported as not baselined, and the next baseline accepts only rows of the
// new kinds. An edit to a user is never laundered by it.
TEST_P(StoreTest, KindsReconciledSinceALaterReleaseAreBaselinedOnTheirOwn) {
  const AuditLog& log = Audit();
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    AuditRecord base{std::string(kReconcileBaselineAction), "audit_log", "records"};
                    base.details = {{"accepted_rows", 0}, {"rows", 0}, {"events", 1}};  // as the first release wrote it
                    return log.Append(tx, kCtx, base).status();
                  })
                  .ok());
  const User owner = MakeUser("owner");
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_RETURN_IF_ERROR(tx.Users().Insert(owner));
                    AuditRecord r{"user.create", "user", owner.id};
                    r.after = UserState(owner);
                    return log.Append(tx, kCtx, r).status();
                  })
                  .ok());
  const ApiToken token = MakeToken(owner.id, "ci", 7);
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_RETURN_IF_ERROR(tx.Tokens().Insert(token));
                    AuditRecord r{"token.create", "api_token", token.id};
                    r.after = {{"id", token.id}, {"name", token.name}};  // an earlier release's state
                    return log.Append(tx, kCtx, r).status();
                  })
                  .ok());
  ASSERT_EQ(harness().ExecRaw(fmt::format("UPDATE users SET email = 'mallory@example.com' WHERE id = '{}'", owner.id)),
            "");

  ReconcileReport before = Reconcile(store());
  EXPECT_GT(before.baseline_seq, 0);
  // Changes and evidence too: their states gained fields (assessment, outcome) since.
  EXPECT_THAT(before.unbaselined,
              ::testing::ElementsAre("change", "evidence", "api_token", "webhook", "freeze", "policy"));
  ASSERT_GE(before.problem_count, 2) << ReconcileReportJson(before).dump(2);
  EXPECT_EQ(before.problems[0].table, "users");
  for (size_t i = 1; i < before.problems.size(); ++i) {
    EXPECT_EQ(before.problems[i].table, "api_tokens") << "each field the earlier state lacks";
  }

  int64_t accepted = -1;
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(accepted, RecordReconcileBaseline(tx, log, kCtx));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(accepted, 1) << "the token, not the edited user";
  ReconcileReport after = Reconcile(store());
  EXPECT_TRUE(after.unbaselined.empty());
  ASSERT_EQ(after.problem_count, 1) << ReconcileReportJson(after).dump(2);
  EXPECT_EQ(after.problems[0].table, "users");
  EXPECT_EQ(after.problems[0].field, "email");

  // From its baseline on, the token is reconciled strictly.
  ASSERT_EQ(harness().ExecRaw(fmt::format("UPDATE api_tokens SET name = 'renamed' WHERE id = '{}'", token.id)), "");
  ReconcileReport edited = Reconcile(store());
  ASSERT_EQ(edited.problem_count, 2) << ReconcileReportJson(edited).dump(2);
  EXPECT_EQ(edited.problems[1].table, "api_tokens");
  EXPECT_EQ(edited.problems[1].field, "name");
  EXPECT_TRUE(Verify().ok);
}

}  // namespace
}  // namespace cl::testing
