// Notifications to people (C2, R000-06, R000-08, R000-09): approvers are
// asked, the requestor hears the decision, stakeholders hear the schedule
// and the outcome, the CAB and the escalation roles hear of an emergency at
// once, approvers are reminded before and told after an approval deadline;
// every notification is listed in the app and logged with its e-mail's
// delivery. E-mail goes to a real SMTP server on loopback (aiosmtpd), over
// STARTTLS, and nothing is sent to a relay that does not offer it.
#include <algorithm>
#include <string>

#include "tests/api/change_api_fixture.h"
#include "tests/support/smtp.h"

namespace cl::testing {
namespace {

std::string NotifyPolicy() {
  std::string policy = kScenarioPolicy;
  const std::string anchor = "  retrospective_roles: [cab]\n";
  policy.replace(policy.find(anchor), anchor.size(), anchor + "  escalation_roles: [security]\n");
  return policy;
}

class NotifyTest : public ChangeApiTest {
 protected:
  void SetUp() override {
    options_.clock = &manual_clock_;
    options_.policy_yaml = NotifyPolicy();
    people_ = std::make_unique<ChangePeople>(server());
  }
  nlohmann::json Inbox(const TestUser& who, const std::string& query = "") {
    Reply r = http().Get("/api/v1/notifications" + query, who.token);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(ResponseSchemaErrors(server().api(), "GET", "/api/v1/notifications", r.json()).empty()) << r.body;
    return r.json();
  }
  nlohmann::json About(const std::string& key) {
    Reply r = http().Get("/api/v1/changes/" + key + "/notifications", p().admin.token);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(ResponseSchemaErrors(server().api(), "GET", "/api/v1/changes/{key}/notifications", r.json()).empty())
        << r.body;
    return r.json()["items"];
  }
  // The recipients of `kind` about `key`, sorted.
  std::vector<std::string> Told(const std::string& key, const std::string& kind) {
    std::vector<std::string> out;
    const nlohmann::json items = About(key);
    for (const auto& n : items) {
      if (n["kind"] == kind) out.push_back(n["recipient"].get<std::string>());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

using Names = std::vector<std::string>;

TEST_F(NotifyTest, ApproversRequestorAndStakeholdersAreToldInTheApp) {
  nlohmann::json in = NormalChange("staging", /*iam=*/false);  // ivan implements
  in["stakeholders"] = {"carol", "ops@example.com", "not-a-person"};
  const std::string key = Create(in);
  EXPECT_TRUE(About(key).empty()) << "a draft tells nobody";

  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  // payments is owned by bob and ivan; ivan implements it, so only bob is asked.
  EXPECT_EQ(Told(key, "approval_requested"), Names({"bob"}));
  nlohmann::json bob = Inbox(p().bob);
  ASSERT_EQ(bob["unread"], 1) << bob.dump(2);
  const nlohmann::json asked = bob["items"][0];
  EXPECT_EQ(asked["kind"], "approval_requested");
  EXPECT_EQ(asked["subject"], key + " awaits your approval: " + in["title"].get<std::string>());
  EXPECT_TRUE(Has(asked["body"], "you may approve as service_owner")) << asked["body"];
  EXPECT_TRUE(Has(asked["body"], "Approval due:")) << "the scenario policy has a 24 h SLA for low risk";
  EXPECT_EQ(asked["link"], "/changes/" + key);
  EXPECT_EQ(asked["email"]["status"], "skipped");
  EXPECT_EQ(asked["email"]["last_error"], "e-mail is not configured on this server");
  EXPECT_EQ(asked["email"]["to"], "bob@example.com");
  EXPECT_EQ(Inbox(p().ivan)["unread"], 0) << "the implementer is never asked to approve";
  EXPECT_EQ(Inbox(p().alice)["unread"], 0) << "nobody is told of their own action";

  ASSERT_EQ(Decide(key, p().bob).status, 201);
  nlohmann::json alice = Inbox(p().alice);
  ASSERT_EQ(alice["unread"], 1) << alice.dump(2);
  EXPECT_EQ(alice["items"][0]["kind"], "decision");
  EXPECT_EQ(alice["items"][0]["subject"], key + " was approved: " + in["title"].get<std::string>());

  ASSERT_EQ(Act(key, "schedule", p().alice).status, 200);
  // Stakeholders: an account by username and an outside address; a name that is neither is left out.
  EXPECT_EQ(Told(key, "change_update"), Names({"carol", "ops@example.com"}));
  manual_clock_.Advance(60 * kMicrosPerSecond);  // newest first: a later time
  ASSERT_EQ(Act(key, "start", p().ivan).status, 200);
  EXPECT_EQ(Told(key, "change_update"), Names({"alice", "carol", "carol", "ops@example.com", "ops@example.com"}));
  const nlohmann::json carol = Inbox(p().carol);
  EXPECT_EQ(carol["unread"], 2);
  EXPECT_EQ(carol["items"][0]["subject"], key + " is in progress: " + in["title"].get<std::string>());
  EXPECT_EQ(Inbox(p().carol, "?unread=true&limit=1")["items"].size(), 1u);

  // Marking read: one by id, then the rest; each is audit-logged.
  Reply one = http().Json("POST", "/api/v1/notifications/read", {{"ids", {carol["items"][1]["id"]}}}, p().carol.token);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json()["marked"], 1);
  EXPECT_EQ(Inbox(p().carol)["unread"], 1);
  Reply others = http().Json("POST", "/api/v1/notifications/read", {{"ids", {carol["items"][0]["id"]}}}, p().bob.token);
  EXPECT_EQ(others.json()["marked"], 0) << "nobody marks another's notifications";
  EXPECT_EQ(
      http().Json("POST", "/api/v1/notifications/read", nlohmann::json::object(), p().carol.token).json()["marked"], 1);
  EXPECT_EQ(Inbox(p().carol)["unread"], 0);
  EXPECT_TRUE(Has(AuditActions(server()), "notification.read"));
  EXPECT_FALSE(Inbox(p().carol)["items"][0]["read_at"].is_null());
}

TEST_F(NotifyTest, ARejectionTellsTheRequestorWhy) {
  const std::string key = Create(NormalChange("staging", false));
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  ASSERT_EQ(Decide(key, p().bob, "reject", {{"comment", "No rollback tested for the schema change"}}).status, 201);
  const nlohmann::json alice = Inbox(p().alice);
  ASSERT_EQ(alice["unread"], 1) << alice.dump(2);
  EXPECT_TRUE(Has(alice["items"][0]["subject"], key + " was rejected")) << alice.dump(2);
  EXPECT_TRUE(Has(alice["items"][0]["body"], "No rollback tested for the schema change")) << alice.dump(2);
}

TEST_F(NotifyTest, AMaterialEditAsksTheApproversAgain) {
  const std::string key = Create(NormalChange("staging", /*iam=*/true));  // service owner and security
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  EXPECT_EQ(Told(key, "approval_requested"), Names({"bob", "sam"}));
  ASSERT_EQ(Decide(key, p().sam).status, 201);
  manual_clock_.Advance(60 * kMicrosPerSecond);
  const std::string etag = "\"" + std::to_string(Get(key)["row_version"].get<int64_t>()) + "\"";
  Reply edit = http().Send(
      "PATCH", "/api/v1/changes/" + key, nlohmann::json{{"implementation_plan", "Two steps, not one"}}.dump(),
      {{"Authorization", "Bearer " + p().alice.token}, {"If-Match", etag}, {"Content-Type", "application/json"}});
  ASSERT_EQ(edit.status, 200) << edit.body;
  // sam's approval was voided: both are asked to review the new version.
  EXPECT_EQ(Told(key, "approval_requested"), Names({"bob", "bob", "sam", "sam"}));
  const nlohmann::json sam = Inbox(p().sam);
  EXPECT_TRUE(Has(sam["items"][0]["body"], "1 approval(s) voided by a material edit")) << sam.dump(2);
}

TEST_F(NotifyTest, AnEmergencyTellsTheCabAndTheEscalationRolesAtOnce) {
  nlohmann::json in = NormalChange("production", false);
  in["type"] = "emergency";
  const std::string key = Create(in);
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  // carol is the CAB, sam is security (the escalation role); bob is asked to approve.
  EXPECT_EQ(Told(key, "emergency"), Names({"carol", "sam"}));
  EXPECT_EQ(Told(key, "approval_requested"), Names({"bob"}));
  const nlohmann::json sam = Inbox(p().sam);
  ASSERT_EQ(sam["unread"], 1);
  EXPECT_TRUE(Has(sam["items"][0]["subject"], "Emergency change " + key + " was raised")) << sam.dump(2);
  EXPECT_TRUE(Has(sam["items"][0]["body"], "the policy escalates emergencies to security")) << sam.dump(2);
}

TEST_F(NotifyTest, ApproversAreRemindedBeforeAndToldAfterTheApprovalDeadline) {
  const TestUser manager = server().CreateUser("mona", {"change_manager"});
  const std::string key = Create(NormalChange("staging", false));  // low risk: 24 h SLA
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  auto sweep = [&] { return server().app().changes().RemindApprovalDeadlines().value(); };
  manual_clock_.Advance(17LL * 3600 * kMicrosPerSecond);
  EXPECT_EQ(sweep(), 0) << "17 h of 24: not yet";
  manual_clock_.Advance(2LL * 3600 * kMicrosPerSecond);
  EXPECT_EQ(sweep(), 1) << "19 h of 24: past three quarters";
  EXPECT_EQ(sweep(), 0) << "reminded once";
  EXPECT_EQ(Told(key, "approval_reminder"), Names({"bob"}));
  manual_clock_.Advance(6LL * 3600 * kMicrosPerSecond);
  EXPECT_EQ(sweep(), 2);
  EXPECT_EQ(Told(key, "approval_overdue"), Names({"bob", "mona"}));
  EXPECT_EQ(sweep(), 0);
  EXPECT_TRUE(Get(key)["approval_overdue"].get<bool>());
  // The metrics count it: waiting, overdue now, one breach.
  auto metric = [&](const std::string& line) {
    const Reply m = http().Get("/metrics", p().admin.token);
    EXPECT_EQ(m.status, 200) << m.body;
    return m.body.find("\n" + line + "\n") != std::string::npos;
  };
  EXPECT_TRUE(metric("changeledger_approvals_waiting 1"));
  EXPECT_TRUE(metric("changeledger_approvals_overdue 1"));
  EXPECT_TRUE(metric("changeledger_approval_sla_breaches_total 1"));
  EXPECT_TRUE(metric("changeledger_notification_emails{status=\"skipped\"} 4"))
      << "request, reminder and two overdue notices; e-mail is not configured here";
  // Once decided, nothing more is sent about it.
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  manual_clock_.Advance(48LL * 3600 * kMicrosPerSecond);
  EXPECT_EQ(sweep(), 0);
  EXPECT_TRUE(metric("changeledger_approvals_overdue 0"));
  EXPECT_TRUE(metric("changeledger_approval_sla_breaches_total 1")) << "a breach stays counted";
}

TEST_F(NotifyTest, PreferencesChooseWhatIsEmailedAndAreValidated) {
  Reply d = http().Get("/api/v1/me/notification-preferences", p().bob.token);
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_TRUE(d.json()["email"].get<bool>());
  EXPECT_TRUE(d.json()["muted"].empty());
  const std::string digest = server().DatabaseDigest();
  Reply bad = http().Json("PUT", "/api/v1/me/notification-preferences", {{"email", true}, {"muted", {"gossip"}}},
                          p().bob.token);
  EXPECT_TRUE(IsProblem(bad, 422, "validation-failed")) << bad.body;
  EXPECT_TRUE(Has(bad.body, "/muted/0")) << bad.body;
  EXPECT_EQ(server().DatabaseDigest(), digest) << "a refused request stores nothing";
  Reply ok = http().Json("PUT", "/api/v1/me/notification-preferences",
                         {{"email", true}, {"muted", {"change_update", "decision", "change_update"}}}, p().bob.token);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["muted"], nlohmann::json({"change_update", "decision"}));
  EXPECT_EQ(http().Get("/api/v1/me/notification-preferences", p().bob.token).json()["muted"].size(), 2u);
  EXPECT_TRUE(Has(AuditActions(server()), "notification.preferences"));
  EXPECT_TRUE(http().Get("/api/v1/me/notification-preferences", p().carol.token).json()["muted"].empty())
      << "preferences are each user's own";
}

// E-mail through a real relay, over STARTTLS.
class MailTest : public NotifyTest {
 protected:
  void SetUp() override {
    if (!TestSmtp::Available()) GTEST_SKIP() << "python3-aiosmtpd is not installed (make test installs it)";
    smtp_ = std::make_unique<TestSmtp>(/*starttls=*/true);
    options_.smtp.url = smtp_->url();
    options_.smtp.from = "Changeledger <changes@example.com>";
    options_.smtp.ca_file = smtp_->cert_path();
    options_.smtp.public_url = "https://changes.example.com/";
    NotifyTest::SetUp();
  }
  std::unique_ptr<TestSmtp> smtp_;
};

const ReceivedMail* MailTo(const std::vector<ReceivedMail>& all, const std::string& to, const std::string& subject) {
  for (const ReceivedMail& m : all) {
    if (m.to == to && m.subject.find(subject) != std::string::npos) return &m;
  }
  return nullptr;
}

TEST_F(MailTest, ApprovalRequestDecisionAndCompletionArriveByMailOverStarttls) {
  nlohmann::json in = NormalChange("staging", false);
  in["stakeholders"] = {"carol"};
  const std::string key = Create(in);
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  std::vector<ReceivedMail> got = smtp_->WaitFor(1);
  const ReceivedMail* asked = MailTo(got, "bob@example.com", key + " awaits your approval");
  ASSERT_NE(asked, nullptr) << got.size() << " messages";
  EXPECT_EQ(asked->from, "Changeledger <changes@example.com>");
  EXPECT_TRUE(Has(asked->raw, "Auto-Submitted: auto-generated"));
  EXPECT_TRUE(Has(asked->body, "you may approve as service_owner")) << asked->body;
  EXPECT_TRUE(Has(asked->body, "Open it: https://changes.example.com/changes/" + key)) << asked->body;

  ASSERT_EQ(Decide(key, p().bob).status, 201);
  ASSERT_EQ(Act(key, "schedule", p().alice).status, 200);
  ASSERT_EQ(Act(key, "start", p().ivan).status, 200);
  Evidence(key, "test_result");
  ASSERT_EQ(Act(key, "complete", p().ivan).status, 200);
  // The request; the decision; scheduled (carol); started and implemented (alice, carol).
  got = smtp_->WaitFor(7);
  EXPECT_EQ(got.size(), 7u);
  EXPECT_NE(MailTo(got, "alice@example.com", key + " was approved"), nullptr);
  const ReceivedMail* done = MailTo(got, "carol@example.com", key + " is implemented");
  ASSERT_NE(done, nullptr) << got.size() << " messages";
  EXPECT_TRUE(Has(done->body, "you are a stakeholder")) << done->body;

  // The log says each was delivered.
  const nlohmann::json items = About(key);
  ASSERT_FALSE(items.empty());
  for (const auto& n : items) {
    if (n["email"]["status"] == "pending") continue;  // the last ones may still be on their way
    EXPECT_EQ(n["email"]["status"], "delivered") << n.dump(2);
    EXPECT_FALSE(n["email"]["delivered_at"].is_null());
    EXPECT_EQ(n["email"]["attempts"], 1);
  }
}

// The C2 acceptance walk-through: a normal change whose requestor, approver
// and implementer try every forbidden combination, each refused with the
// reason the change page shows in place of the button (permits.withheld),
// and the mail for the approval request, the decision and the completion
// received by the relay.
TEST_F(MailTest, EveryForbiddenCombinationIsRefusedWithTheReasonShownAndTheMailArrives) {
  auto withheld = [&](const std::string& key, const TestUser& who, const std::string& action) {
    const nlohmann::json c = http().Get("/api/v1/changes/" + key, who.token).json();
    for (const auto& w : c["permits"]["withheld"]) {
      if (w["action"] == action) return w["reason"].get<std::string>();
    }
    return std::string();
  };
  // ivan requests (he owns payments), alice implements, sam and bob approve; carol is a stakeholder.
  nlohmann::json in = NormalChange("staging", /*iam=*/true);
  in["implementer"] = "alice";
  in["stakeholders"] = {"carol"};
  const std::string key = Create(in, &p().ivan);
  ASSERT_EQ(Act(key, "submit", p().ivan).status, 200);

  // The requestor approving alone: refused, and the page says why.
  Reply self = Decide(key, p().ivan);
  EXPECT_TRUE(IsProblem(self, 403, "segregation-of-duties")) << self.body;
  EXPECT_TRUE(Has(withheld(key, p().ivan, "approve"), "you requested " + key)) << withheld(key, p().ivan, "approve");
  ASSERT_EQ(Decide(key, p().sam).status, 201);
  // Beside an independent approval it is recorded but never counted.
  Reply counted = Decide(key, p().ivan);
  ASSERT_EQ(counted.status, 201) << counted.body;
  EXPECT_FALSE(counted.json()["counted"].get<bool>());
  EXPECT_EQ(Get(key)["state"], "submitted");
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  ASSERT_EQ(Get(key)["state"], "approved");
  ASSERT_EQ(Act(key, "schedule", p().ivan).status, 200);

  // The implementer starts and completes; nobody else named may.
  Reply other = Act(key, "start", p().ivan);
  EXPECT_TRUE(IsProblem(other, 403, "forbidden")) << other.body;
  EXPECT_TRUE(Has(withheld(key, p().ivan, "start"), "assigned to alice")) << withheld(key, p().ivan, "start");
  ASSERT_EQ(Act(key, "start", p().alice).status, 200);
  Evidence(key, "test_result");
  Evidence(key, "config_diff");
  ASSERT_EQ(Act(key, "complete", p().alice).status, 200);

  // The implementer verifying their own work: refused, with why.
  Reply own = Act(key, "verify", p().alice, VerificationChecklist());
  EXPECT_TRUE(IsProblem(own, 403, "segregation-of-duties")) << own.body;
  EXPECT_TRUE(Has(withheld(key, p().alice, "verify"), "you implemented " + key)) << withheld(key, p().alice, "verify");
  // Closing before the verification: refused; the closure list says what is missing.
  Reply early = Act(key, "close", p().ivan);
  EXPECT_TRUE(IsProblem(early, 409, "conflict")) << early.body;
  Reply verified = Act(key, "verify", p().ivan, VerificationChecklist());
  ASSERT_EQ(verified.status, 200) << verified.body;
  ASSERT_EQ(Act(key, "close", p().ivan).status, 200);

  // An approver who would implement what they approved (a second change).
  nlohmann::json second = NormalChange("staging", false);
  second.erase("implementer");
  const std::string key2 = Create(second);
  ASSERT_EQ(Act(key2, "submit", p().alice).status, 200);
  ASSERT_EQ(Decide(key2, p().ivan).status, 201);
  ASSERT_EQ(Act(key2, "schedule", p().alice).status, 200);
  EXPECT_TRUE(IsProblem(Act(key2, "start", p().ivan), 403, "segregation-of-duties"));
  EXPECT_TRUE(Has(withheld(key2, p().ivan, "start"), "an approver may not implement the change they approved"))
      << withheld(key2, p().ivan, "start");

  // The mail: approval requests to sam and bob, the decision to ivan, the completion to carol.
  // Eleven in all: 2 requests, the decision, scheduled (carol), started and
  // implemented (carol, ivan); on the second change 2 requests and the decision.
  const std::vector<ReceivedMail> got = smtp_->WaitFor(11);
  EXPECT_EQ(got.size(), 11u);
  EXPECT_NE(MailTo(got, "sam@example.com", key + " awaits your approval"), nullptr);
  EXPECT_NE(MailTo(got, "bob@example.com", key + " awaits your approval"), nullptr);
  EXPECT_NE(MailTo(got, "ivan@example.com", key + " was approved"), nullptr);
  EXPECT_NE(MailTo(got, "carol@example.com", key + " is implemented"), nullptr) << got.size() << " messages";
  EXPECT_EQ(MailTo(got, "ivan@example.com", key + " awaits your approval"), nullptr) << "the requestor is not asked";
  EXPECT_EQ(MailTo(got, "alice@example.com", key + " awaits your approval"), nullptr) << "nor the implementer";
}

TEST_F(MailTest, MutedKindsAreListedButNotEmailed) {
  ASSERT_EQ(http()
                .Json("PUT", "/api/v1/me/notification-preferences",
                      {{"email", true}, {"muted", {"approval_requested"}}}, p().bob.token)
                .status,
            200);
  const std::string key = Create(NormalChange("staging", false));
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  const nlohmann::json bob = Inbox(p().bob);
  ASSERT_EQ(bob["unread"], 1);
  EXPECT_EQ(bob["items"][0]["email"]["status"], "skipped");
  EXPECT_EQ(bob["items"][0]["email"]["last_error"], "the recipient muted approval_requested e-mails");
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  const std::vector<ReceivedMail> got = smtp_->WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].to, "alice@example.com") << "only alice's decision was e-mailed";
}

// A relay that offers no STARTTLS gets nothing: the attempt is logged and retried.
class PlainRelayTest : public NotifyTest {
 protected:
  void SetUp() override {
    if (!TestSmtp::Available()) GTEST_SKIP() << "python3-aiosmtpd is not installed (make test installs it)";
    smtp_ = std::make_unique<TestSmtp>(/*starttls=*/false);
    options_.smtp.url = smtp_->url();
    options_.smtp.from = "changes@example.com";
    NotifyTest::SetUp();
  }
  std::unique_ptr<TestSmtp> smtp_;
};

TEST_F(PlainRelayTest, NothingIsSentWithoutTlsAndTheFailureIsRetried) {
  const std::string key = Create(NormalChange("staging", false));
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  nlohmann::json n;
  for (int i = 0; i < 200; ++i) {
    n = Inbox(p().bob)["items"][0];
    if (n["email"]["attempts"].get<int>() > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(n["email"]["status"], "pending") << n.dump(2);
  EXPECT_EQ(n["email"]["attempts"], 1) << n.dump(2);
  EXPECT_FALSE(n["email"]["last_error"].get<std::string>().empty()) << n.dump(2);
  EXPECT_TRUE(smtp_->Messages().empty()) << "nothing went over a connection without TLS";
}

}  // namespace
}  // namespace cl::testing
