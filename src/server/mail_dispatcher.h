// MailDispatcher: the server's background sender of notification e-mails
// (core/people_notifications.h). Polls the store for due e-mails, claims each
// (several servers may share one database), sends it through the SMTP relay
// and records the outcome on the notification: delivered, or retried with
// the webhooks' backoff until it gives up as failed. Owns one thread.
#pragma once

#include <chrono>
#include <optional>

#include "core/clock.h"
#include "core/store.h"
#include "platform/periodic_thread.h"
#include "server/smtp_mailer.h"

namespace cl {

class MailDispatcher {
 public:
  MailDispatcher(Store& store, const Clock& clock, const SmtpMailer& mailer, std::chrono::milliseconds poll);
  // Sends every e-mail due now; returns how many it tried.
  int RunOnce();

 private:
  Store& store_;
  const Clock& clock_;
  const SmtpMailer& mailer_;
  std::optional<PeriodicThread> thread_;  // last: stops before the rest goes
};

// The message of a notification as the relay receives it.
std::string NotificationEmail(const Notification& n, const SmtpOptions& o);

}  // namespace cl
