// Notifications to people as pure rules (core/people_notifications.h) and
// the e-mail they become (core/email_message.h): who is told what, and a
// message that no change title can break.
#include <gtest/gtest.h>

#include "core/email_message.h"
#include "core/people_notifications.h"
#include "crypto/crypto.h"

namespace cl::testing {
namespace {

Policy TwoRolePolicy() {
  Policy p;
  p.approver_roles = {
      {"service_owner", "", {}, {}, true}, {"security", "", {"sam"}, {}, false}, {"cab", "", {"carol"}, {}, false}};
  p.service_owners["payments"] = {"bob", "ivan"};
  p.emergency.retrospective_roles = {"cab"};
  p.emergency.escalation_roles = {"security"};
  return p;
}

User Person(std::string name, bool disabled = false) {
  User u;
  u.id = "usr_" + name;
  u.username = name;
  u.email = name + "@example.com";
  if (disabled) u.disabled_at = Timestamp{1};
  return u;
}

Change Payments(ChangeState state) {
  Change c;
  c.number = 3;
  c.state = state;
  c.requestor = "alice";
  c.content.title = "Rotate keys";
  c.content.service = "payments";
  c.content.implementer = "ivan";
  c.assessment = Assessment{};
  c.assessment->required_roles = {"security", "service_owner"};
  return c;
}

std::vector<std::string> Who(const std::vector<Recipient>& rs, const std::string& kind = "") {
  std::vector<std::string> out;
  for (const Recipient& r : rs) {
    if (kind.empty() || r.kind == kind) out.push_back(r.user != nullptr ? r.user->username : r.address);
  }
  std::sort(out.begin(), out.end());
  return out;
}

using Names = std::vector<std::string>;

TEST(NotifyRulesTest, ASubmittedChangeAsksTheOutstandingIndependentApprovers) {
  const std::vector<User> users = {Person("alice"), Person("bob"),   Person("ivan"),
                                   Person("sam"),   Person("carol"), Person("dora", /*disabled=*/true)};
  const Policy p = TwoRolePolicy();
  const Change c = Payments(ChangeState::kSubmitted);
  // ivan owns payments but implements it; alice requested it; nobody disabled is asked.
  EXPECT_EQ(Who(RecipientsOf(p, ChangeState::kDraft, c, {}, users, "alice")), Names({"bob", "sam"}));
  // Once sam approved, security is no longer outstanding and sam is not asked again.
  Approval a;
  a.approver = "sam";
  a.role = "security";
  EXPECT_EQ(Who(OutstandingApprovers(p, c, {a}, users, "approval_reminder")), Names({"bob"}));
}

TEST(NotifyRulesTest, AnEmergencyReachesTheCabAndEscalationOnceEachWithTheMostUrgentKind) {
  const std::vector<User> users = {Person("alice"), Person("bob"), Person("sam"), Person("carol")};
  Change c = Payments(ChangeState::kSubmitted);
  c.content.type = ChangeType::kEmergency;
  const std::vector<Recipient> rs = RecipientsOf(TwoRolePolicy(), ChangeState::kDraft, c, {}, users, "alice");
  EXPECT_EQ(Who(rs, "emergency"), Names({"carol", "sam"}));
  EXPECT_EQ(Who(rs, "approval_requested"), Names({"bob"})) << "sam is told once, of the emergency";
  EXPECT_EQ(Who(rs).size(), 3u);
}

TEST(NotifyRulesTest, TheRequestorHearsTheDecisionAndStakeholdersTheOutcome) {
  const std::vector<User> users = {Person("alice"), Person("bob"), Person("carol")};
  const Policy p = TwoRolePolicy();
  EXPECT_EQ(Who(RecipientsOf(p, ChangeState::kSubmitted, Payments(ChangeState::kRejected), {}, users, "bob")),
            Names({"alice"}));
  Change done = Payments(ChangeState::kImplemented);
  done.content.stakeholders = {"carol", "ops@example.com", "bad address@", "ghost"};
  EXPECT_EQ(Who(RecipientsOf(p, ChangeState::kInProgress, done, {}, users, "ivan")),
            Names({"alice", "carol", "ops@example.com"}));
  // The actor is never told of their own action; closing tells nobody.
  EXPECT_EQ(Who(RecipientsOf(p, ChangeState::kInProgress, done, {}, users, "carol")),
            Names({"alice", "ops@example.com"}));
  EXPECT_TRUE(RecipientsOf(p, ChangeState::kVerified, Payments(ChangeState::kClosed), {}, users, "bob").empty());
}

TEST(NotifyRulesTest, TheReminderFallsAtThreeQuartersOfTheSla) {
  EXPECT_EQ(ReminderAt(Timestamp{0}, 24).micros, 18LL * 3600 * kMicrosPerSecond);
  EXPECT_TRUE(IsNotificationKind("approval_overdue"));
  EXPECT_FALSE(IsNotificationKind("gossip"));
}

TEST(EmailTest, AMessageIsWellFormedWhateverTheTitle) {
  EmailMessage m;
  m.from = "Changeledger <changes@example.com>";
  m.to = "bob@example.com";
  m.subject = "CHG-3 awaits your approval: Rotate\r\nBcc: victim@example.com";
  m.body = "Line one\nLine two, ünïcödé\n";
  m.message_id = "<ntf_1@example.com>";
  m.date = Timestamp{0};
  const std::string raw = RenderEmail(m);
  EXPECT_EQ(raw.find("\r\nBcc:"), std::string::npos) << "no header injection";
  EXPECT_NE(raw.find("Subject: CHG-3 awaits your approval: Rotate  Bcc: victim@example.com\r\n"), std::string::npos)
      << raw;
  EXPECT_NE(raw.find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Content-Transfer-Encoding: base64\r\n"), std::string::npos);
  // Every line short, and the body decodes to the text with CRLF line ends.
  const size_t blank = raw.find("\r\n\r\n");
  ASSERT_NE(blank, std::string::npos);
  std::string b64;
  size_t start = 0;
  while (start < raw.size()) {
    const size_t end = raw.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "every line ends in CRLF";
    EXPECT_LE(end - start, 78u);
    if (start > blank) b64 += raw.substr(start, end - start);
    start = end + 2;
  }
  const auto body = crypto::FromBase64(b64);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(std::string(body->begin(), body->end()), "Line one\r\nLine two, ünïcödé\r\n");
}

TEST(EmailTest, ANonAsciiSubjectIsEncodedInWordsThatKeepCharactersWhole) {
  EmailMessage m;
  m.from = "changes@example.com";
  m.to = "bob@example.com";
  m.subject = "Ändern: " + std::string(40, 'x') + "ü€";
  const std::string raw = RenderEmail(m);
  const size_t at = raw.find("Subject: =?UTF-8?B?");
  ASSERT_NE(at, std::string::npos) << raw;
  // Decoding every encoded word gives the subject back.
  std::string decoded;
  size_t pos = at;
  while ((pos = raw.find("=?UTF-8?B?", pos)) != std::string::npos && pos < raw.find("\r\nDate:")) {
    const size_t end = raw.find("?=", pos + 10);
    auto part = crypto::FromBase64(raw.substr(pos + 10, end - pos - 10));
    ASSERT_TRUE(part.has_value());
    decoded += std::string(part->begin(), part->end());
    pos = end + 2;
  }
  EXPECT_EQ(decoded, m.subject);
  EXPECT_EQ(MailboxAddress("Changeledger <changes@example.com>"), "changes@example.com");
  EXPECT_EQ(MailboxAddress("changes@example.com"), "changes@example.com");
}

}  // namespace
}  // namespace cl::testing
