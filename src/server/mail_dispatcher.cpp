#include "server/mail_dispatcher.h"

#include <fmt/format.h>

#include "core/email_message.h"
#include "core/notifications.h"
#include "platform/log.h"

namespace cl {
namespace {

constexpr int64_t kClaimLeaseMicros = 120 * kMicrosPerSecond;

std::string Host(const SmtpOptions& o) {
  const std::string addr = MailboxAddress(o.from);
  const size_t at = addr.rfind('@');
  return at == std::string::npos ? "changeledger.invalid" : addr.substr(at + 1);
}

}  // namespace

std::string NotificationEmail(const Notification& n, const SmtpOptions& o) {
  EmailMessage m;
  m.from = o.from;
  m.to = n.email_to;
  m.subject = n.subject;
  m.body = n.body;
  if (!o.public_url.empty()) {
    std::string base = o.public_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    m.body += fmt::format("\nOpen it: {}{}\n", base, n.link);
  }
  m.body += "\nChange your notification settings under Notifications in Changeledger.\n";
  m.message_id = fmt::format("<{}@{}>", n.id, Host(o));
  m.date = n.created_at;
  return RenderEmail(m);
}

MailDispatcher::MailDispatcher(Store& store, const Clock& clock, const SmtpMailer& mailer,
                               std::chrono::milliseconds poll)
    : store_(store), clock_(clock), mailer_(mailer) {
  thread_.emplace(poll, PeriodicThread::First::kAfterOnePeriod, [this] { RunOnce(); });
}

int MailDispatcher::RunOnce() {
  if (!store_.WritesRefused().ok()) return 0;
  std::vector<Notification> due;
  Status s = store_.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(due, tx.Notifications().DueEmails(clock_.Now(), 32));
    return Status::Ok();
  });
  if (!s.ok()) {
    log::Warn("e-mail poll failed", {{"error", s.message()}});
    return 0;
  }
  int tried = 0;
  for (Notification& n : due) {
    const Timestamp now = clock_.Now();
    bool mine = false;
    Status claim = store_.Write([&](Tx& tx) -> Status {
      CL_ASSIGN_OR_RETURN(mine, tx.Notifications().ClaimEmail(n, now + kClaimLeaseMicros));
      return Status::Ok();
    });
    if (!claim.ok()) log::Warn("e-mail claim failed", {{"error", claim.message()}});
    if (!mine) continue;
    const Status sent = mailer_.Send(n.email_to, NotificationEmail(n, mailer_.options()));
    ++tried;
    n.attempts += 1;
    n.last_error = sent.ok() ? "" : sent.message();
    if (sent.ok()) {
      n.email_status = "delivered";
      n.delivered_at = clock_.Now();
    } else if (auto delay = RetryDelayMicros(n.attempts)) {
      n.next_attempt_at = now + *delay;
    } else {
      n.email_status = "failed";
      log::Warn("notification e-mail gave up", {{"notification", n.id}, {"error", n.last_error}});
    }
    Status w = store_.Write([&](Tx& tx) { return tx.Notifications().UpdateEmail(n); });
    if (!w.ok()) log::Warn("e-mail update failed", {{"error", w.message()}});
  }
  return tried;
}

}  // namespace cl
