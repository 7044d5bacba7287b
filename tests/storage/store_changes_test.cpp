// Change control storage, on every backend: numbering, optimistic updates,
// keyset listing, voided approvals, evidence status, content-addressed
// files, findings raised once, policy versions and the webhook outbox.
#include <fmt/format.h>

#include <algorithm>

#include "core/audit_reconcile.h"
#include "tests/storage/store_fixture.h"

namespace cl::testing {
namespace {

TEST_P(StoreTest, ChangeNumbersAreGaplessAndUpdatesNeedTheCurrentRowVersion) {
  Change first = InsertChange(store(), "payments", Now());
  EXPECT_EQ(first.number, 1);
  // A failed transaction gives its number back.
  Status failed = store().Write([&](Tx& tx) -> Status {
    CL_RETURN_IF_ERROR(tx.Changes().NextNumber().status());
    return Conflict("rolled back");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(InsertChange(store(), "payments", Now()).number, 2);

  Change edited = first;
  edited.state = ChangeState::kSubmitted;
  edited.content.rollback_plan = "revert";
  edited.row_version = 2;
  ASSERT_TRUE(store().Write([&](Tx& tx) { return tx.Changes().Update(edited); }).ok());
  Status stale = store().Write([&](Tx& tx) { return tx.Changes().Update(edited); });
  EXPECT_EQ(stale.code(), ErrorCode::kConflict);
  std::optional<Change> read;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(read, tx.Changes().FindByNumber(1));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->state, ChangeState::kSubmitted);
  EXPECT_EQ(read->content.rollback_plan, "revert");
  EXPECT_EQ(read->content.planned_start, first.content.planned_start);
  EXPECT_EQ(read->row_version, 2);
}

TEST_P(StoreTest, ChangeListFiltersAndPagesByKeyset) {
  for (int i = 0; i < 7; ++i) InsertChange(store(), i < 4 ? "payments" : "edge", Now());
  auto list = [&](ChangeListQuery q) {
    std::vector<int64_t> numbers;
    Status s = store().Read([&](Tx& tx) -> Status {
      CL_ASSIGN_OR_RETURN(std::vector<Change> got, tx.Changes().List(q));
      for (const Change& c : got) numbers.push_back(c.number);
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return numbers;
  };
  ChangeListQuery q;
  q.service = "payments";
  EXPECT_EQ(list(q), (std::vector<int64_t>{4, 3, 2, 1}));
  q.environment = "production";
  EXPECT_EQ(list(q), (std::vector<int64_t>{3, 1}));

  // planned_start ascending runs opposite to numbers here (start = 10 - n).
  ChangeListQuery by_start;
  by_start.sort = ChangeSort::kPlannedStart;
  by_start.descending = false;
  by_start.limit = 3;
  EXPECT_EQ(list(by_start), (std::vector<int64_t>{7, 6, 5}));
  by_start.after_number = 5;
  by_start.after_value = Now().micros + 5 * kMicrosPerSecond;
  EXPECT_EQ(list(by_start), (std::vector<int64_t>{4, 3, 2}));
}

TEST_P(StoreTest, ApprovalsVoidOnceEvidenceStatusChangesAndFilesAreStoredOnce) {
  Change c = InsertChange(store(), "payments", Now());
  Approval a;
  a.id = "apr_1";
  a.change_id = c.id;
  a.approver = "bob";
  a.role = "service_owner";
  a.material_hash = c.material_hash;
  a.created_at = Now();
  Evidence e;
  e.id = "evd_1";
  e.change_id = c.id;
  e.kind = EvidenceKind::kTestResult;
  e.sha256 = std::string(64, 'a');
  e.created_at = Now();
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_RETURN_IF_ERROR(tx.Changes().InsertApproval(a));
                    CL_RETURN_IF_ERROR(tx.Changes().InsertEvidence(e));
                    CL_RETURN_IF_ERROR(tx.Changes().PutBlob({e.sha256, "text/plain", "hello", Now()}));
                    CL_RETURN_IF_ERROR(tx.Changes().PutBlob({e.sha256, "text/plain", "hello", Now()}));
                    CL_RETURN_IF_ERROR(tx.Changes().VoidApproval(a.id, Timestamp{Now().micros + 1}, "content changed"));
                    CL_RETURN_IF_ERROR(tx.Changes().VoidApproval(a.id, Timestamp{Now().micros + 99}, "again"));
                    return tx.Changes().SetEvidenceStatus(e.id, EvidenceStatus::kSuperseded, "newer run");
                  })
                  .ok());
  std::vector<Approval> approvals;
  std::vector<Evidence> evidence;
  std::optional<FileBlob> blob;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(approvals, tx.Changes().Approvals(c.id));
                    CL_ASSIGN_OR_RETURN(evidence, tx.Changes().EvidenceOf(c.id));
                    CL_ASSIGN_OR_RETURN(blob, tx.Changes().GetBlob(e.sha256));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(approvals.size(), 1u);
  EXPECT_FALSE(approvals[0].valid());
  EXPECT_EQ(approvals[0].voided_reason, "content changed") << "the first void stands";
  ASSERT_EQ(evidence.size(), 1u);
  EXPECT_EQ(evidence[0].status, EvidenceStatus::kSuperseded);
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->data, "hello");
  EXPECT_EQ(harness().ExecRaw("SELECT 1"), "");
}

TEST_P(StoreTest, AChangeWhoseStoredAssessmentOrContentNoLongerReadsIsReportedNotShownWithoutIt) {
  Change kept = InsertChange(store(), "payments", Now());
  Change edited = InsertChange(store(), "payments", Now());
  auto find = [&](int64_t number) {
    return store().Read([&](Tx& tx) { return tx.Changes().FindByNumber(number).status(); });
  };
  auto list = [&] { return store().Read([&](Tx& tx) { return tx.Changes().List(ChangeListQuery{}).status(); }); };
  ASSERT_EQ(harness().ExecRaw(fmt::format(
                R"(UPDATE changes SET assessment = '{{"risk": "low", "required_roles": ["change_manager"]}}' )"
                "WHERE number = {}",
                edited.number)),
            "");
  ASSERT_TRUE(find(edited.number).ok()) << "an assessment that still has its written shape reads";
  ASSERT_EQ(harness().ExecRaw(fmt::format(
                R"(UPDATE changes SET assessment = '{{"risk": "negligible"}}' WHERE number = {})", edited.number)),
            "");
  const Status bad_assessment = find(edited.number);
  EXPECT_EQ(bad_assessment.code(), ErrorCode::kDataLoss);
  EXPECT_THAT(bad_assessment.message(), ::testing::HasSubstr(fmt::format("CHG-{}", edited.number)));
  EXPECT_THAT(bad_assessment.message(), ::testing::HasSubstr("risk"));
  EXPECT_EQ(list().code(), ErrorCode::kDataLoss) << "a list does not skip it either";
  EXPECT_TRUE(find(kept.number).ok()) << "the other changes still read";

  ASSERT_EQ(harness().ExecRaw(fmt::format(
                "UPDATE changes SET assessment = 'null', content = 'not json' WHERE number = {}", edited.number)),
            "");
  const Status bad_content = find(edited.number);
  EXPECT_EQ(bad_content.code(), ErrorCode::kDataLoss);
  EXPECT_THAT(bad_content.message(), ::testing::HasSubstr("content"));

  // Reconciliation names it too (a finding and refused writes follow), rather
  // than failing as a whole and leaving the tampered state unreported.
  Result<ReconcileReport> rec = Internal("not run");
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    rec = ReconcileRecords(tx);
                    return rec.status();
                  })
                  .ok())
      << rec.status().message();
  EXPECT_FALSE(rec->ok());
  const auto named = std::ranges::find_if(rec->problems, [&](const ReconcileProblem& p) {
    return p.table == "changes" &&
           p.what.find(fmt::format("CHG-{} cannot be read", edited.number)) != std::string::npos;
  });
  EXPECT_NE(named, rec->problems.end()) << "the unreadable row is a reconciliation problem";
}

TEST_P(StoreTest, FindingsAreRaisedOncePerObjectAndPolicyVersionsNumberUp) {
  Finding f;
  f.id = "fnd_1";
  f.kind = "emergency_review_overdue";
  f.severity = "high";
  f.object_type = "change";
  f.object_id = "CHG-1";
  f.controls = {"CM-3"};
  f.summary = "overdue";
  f.created_at = Now();
  bool first = false, second = true;
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(first, tx.Findings().InsertIfNew(f));
                    f.id = "fnd_2";
                    CL_ASSIGN_OR_RETURN(second, tx.Findings().InsertIfNew(f));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);

  int64_t v1 = 0, v2 = 0;
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    PolicyVersion v{0, "aa", "p", "format: 1", "default", "system", Now()};
                    CL_ASSIGN_OR_RETURN(v1, tx.Policies().Insert(v));
                    v.source = "format: 1\n";
                    CL_ASSIGN_OR_RETURN(v2, tx.Policies().Insert(v));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(v1, 1);
  EXPECT_EQ(v2, 2);
  std::optional<PolicyVersion> latest;
  std::vector<Finding> findings;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(latest, tx.Policies().Latest());
                    CL_ASSIGN_OR_RETURN(findings, tx.Findings().List({}));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->source, "format: 1\n");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].controls, std::vector<std::string>{"CM-3"});
}

TEST_P(StoreTest, WebhookOutboxHandsOutDueDeliveriesOldestFirst) {
  Webhook w{"whk_1", "http://127.0.0.1:9/hook", "whsec_x", {"change.*"}, "", "changeledger", true, "admin", Now()};
  auto delivery = [&](const std::string& id, int64_t due_in_s) {
    WebhookDelivery d;
    d.id = id;
    d.webhook_id = w.id;
    d.event = "change.approved";
    d.object_id = "CHG-1";
    d.payload = "{}";
    d.next_attempt_at = Timestamp{Now().micros + due_in_s * kMicrosPerSecond};
    d.created_at = Now();
    return d;
  };
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_RETURN_IF_ERROR(tx.Webhooks().Insert(w));
                    CL_RETURN_IF_ERROR(tx.Webhooks().InsertDelivery(delivery("whd_b", 0)));
                    CL_RETURN_IF_ERROR(tx.Webhooks().InsertDelivery(delivery("whd_a", -5)));
                    return tx.Webhooks().InsertDelivery(delivery("whd_later", 60));
                  })
                  .ok());
  std::vector<WebhookDelivery> due;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(due, tx.Webhooks().Due(Now(), 10));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, "whd_a");
  // Two dispatchers (two servers) read the same due delivery: one claims it.
  bool first = false, second = true;
  const Timestamp lease{Now().micros + 120 * kMicrosPerSecond};
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(first, tx.Webhooks().ClaimDelivery(due[1], lease));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(second, tx.Webhooks().ClaimDelivery(due[1], lease));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_TRUE(first);
  EXPECT_FALSE(second) << "the same stale read cannot claim it again";
  std::vector<WebhookDelivery> still_due;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(still_due, tx.Webhooks().Due(Now(), 10));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(still_due.size(), 1u) << "a claimed delivery waits for its lease";
  EXPECT_EQ(still_due[0].id, "whd_a");
  due[0].status = "delivered";
  due[0].attempts = 1;
  due[0].delivered_at = Now();
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_RETURN_IF_ERROR(tx.Webhooks().UpdateDelivery(due[0]));
                    return tx.Webhooks().Deactivate(w.id);
                  })
                  .ok());
  std::vector<WebhookDelivery> log;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(due, tx.Webhooks().Due(Timestamp{Now().micros + 3600 * kMicrosPerSecond}, 10));
                    CL_ASSIGN_OR_RETURN(log, tx.Webhooks().Deliveries(w.id, 10));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_TRUE(due.empty()) << "deactivating fails what was pending";
  ASSERT_EQ(log.size(), 3u);
  int delivered = 0, failed = 0;
  for (const auto& d : log) (d.status == "delivered" ? delivered : failed) += 1;
  EXPECT_EQ(delivered, 1);
  EXPECT_EQ(failed, 2);
}

// Notifications to people: the in-app list per user (unread first to
// count), marking read only one's own, the e-mail outbox claimed once, the
// "already told" check, and preferences upserted.
TEST_P(StoreTest, NotificationsListCountClaimAndKeepPreferences) {
  const User bob = MakeUser("bob"), carol = MakeUser("carol");
  auto note = [&](const std::string& id, const User* to, int64_t at_s, const std::string& status) {
    Notification n;
    n.id = id;
    if (to != nullptr) n.user_id = to->id;
    n.recipient = to != nullptr ? to->username : "ops@example.com";
    n.kind = "change_update";
    n.object_id = "CHG-1";
    n.subject = "CHG-1 is scheduled";
    n.body = "body";
    n.link = "/changes/CHG-1";
    n.created_at = n.next_attempt_at = Timestamp{Now().micros + at_s * kMicrosPerSecond};
    n.email_to = n.recipient;
    n.email_status = status;
    return n;
  };
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_RETURN_IF_ERROR(tx.Users().Insert(bob));
                    CL_RETURN_IF_ERROR(tx.Users().Insert(carol));
                    CL_RETURN_IF_ERROR(tx.Notifications().Insert(note("ntf_1", &bob, 0, "pending")));
                    CL_RETURN_IF_ERROR(tx.Notifications().Insert(note("ntf_2", &bob, 10, "skipped")));
                    CL_RETURN_IF_ERROR(tx.Notifications().Insert(note("ntf_3", &carol, 5, "pending")));
                    return tx.Notifications().Insert(note("ntf_4", nullptr, 5, "pending"));
                  })
                  .ok());
  std::vector<Notification> mine, about, due;
  int64_t unread = 0, marked_other = -1, marked = -1;
  bool told = false, not_told = true;
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(mine, tx.Notifications().List({.user_id = bob.id}));
                    CL_ASSIGN_OR_RETURN(about, tx.Notifications().List({.object_id = "CHG-1"}));
                    CL_ASSIGN_OR_RETURN(marked_other, tx.Notifications().MarkRead(carol.id, {"ntf_1"}, Now()));
                    CL_ASSIGN_OR_RETURN(marked, tx.Notifications().MarkRead(bob.id, {"ntf_1"}, Now()));
                    CL_ASSIGN_OR_RETURN(unread, tx.Notifications().CountUnread(bob.id));
                    CL_ASSIGN_OR_RETURN(told, tx.Notifications().Exists("CHG-1", "change_update", Now()));
                    CL_ASSIGN_OR_RETURN(not_told, tx.Notifications().Exists("CHG-1", "decision", Now()));
                    CL_ASSIGN_OR_RETURN(
                        due, tx.Notifications().DueEmails(Timestamp{Now().micros + 60 * kMicrosPerSecond}, 10));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].id, "ntf_2") << "newest first";
  EXPECT_EQ(about.size(), 4u);
  EXPECT_TRUE(std::any_of(about.begin(), about.end(), [](const Notification& n) { return n.user_id.empty(); }))
      << "an outside address has no account";
  EXPECT_EQ(marked_other, 0) << "nobody marks another's notifications";
  EXPECT_EQ(marked, 1);
  EXPECT_EQ(unread, 1);
  EXPECT_TRUE(told);
  EXPECT_FALSE(not_told);
  ASSERT_EQ(due.size(), 3u) << "skipped e-mails are not sent";
  EXPECT_EQ(due[0].id, "ntf_1");
  bool first = false, second = true;
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(
                        first, tx.Notifications().ClaimEmail(due[0], Timestamp{Now().micros + 120 * kMicrosPerSecond}));
                    CL_ASSIGN_OR_RETURN(second, tx.Notifications().ClaimEmail(
                                                    due[0], Timestamp{Now().micros + 120 * kMicrosPerSecond}));
                    due[0].email_status = "delivered";
                    due[0].attempts = 1;
                    due[0].delivered_at = Now();
                    CL_RETURN_IF_ERROR(tx.Notifications().UpdateEmail(due[0]));
                    CL_RETURN_IF_ERROR(tx.Notifications().PutPrefs({bob.id, true, {"decision"}, Now()}));
                    return tx.Notifications().PutPrefs({bob.id, false, {"change_update"}, Now()});
                  })
                  .ok());
  EXPECT_TRUE(first);
  EXPECT_FALSE(second) << "claimed once";
  std::optional<NotificationPrefs> prefs, none;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(mine, tx.Notifications().List({.user_id = bob.id, .unread_only = true}));
                    CL_ASSIGN_OR_RETURN(about, tx.Notifications().List({.object_id = "CHG-1", .limit = 10}));
                    CL_ASSIGN_OR_RETURN(prefs, tx.Notifications().Prefs(bob.id));
                    CL_ASSIGN_OR_RETURN(none, tx.Notifications().Prefs(carol.id));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].id, "ntf_2");
  const auto delivered =
      std::find_if(about.begin(), about.end(), [](const Notification& n) { return n.id == "ntf_1"; });
  ASSERT_NE(delivered, about.end());
  EXPECT_EQ(delivered->email_status, "delivered");
  EXPECT_TRUE(delivered->read_at.has_value());
  EXPECT_TRUE(delivered->delivered_at.has_value());
  ASSERT_TRUE(prefs.has_value());
  EXPECT_FALSE(prefs->email);
  EXPECT_EQ(prefs->muted, std::vector<std::string>{"change_update"});
  EXPECT_FALSE(none.has_value());
}

}  // namespace
}  // namespace cl::testing
