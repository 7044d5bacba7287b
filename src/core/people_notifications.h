// Notifications to people (R000-06 "communicated", R000-09 stakeholder
// notice, R000-08 approval SLAs): who hears about a change and what they are
// told. Approvers when a change awaits them, the requestor on the decision,
// the stakeholders and the requestor when it is scheduled, started,
// completed, failed or rolled back, the CAB and the policy's escalation
// roles the moment an emergency is raised; reminders before and escalation
// after an approval deadline. Queued in the transaction that made the
// change, so no one is told of a change that did not happen and no change
// goes untold; e-mail is then sent with retries (server/mail_dispatcher.h).
// Stateless functions; thread-safe.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/change.h"
#include "core/ids.h"
#include "core/policy.h"
#include "core/store.h"
#include "core/user.h"

namespace cl {

inline constexpr std::array<std::string_view, 6> kNotificationKinds = {
    "approval_requested", "decision", "change_update", "emergency", "approval_reminder", "approval_overdue"};
bool IsNotificationKind(std::string_view kind);

// How this server notifies: whether e-mail is configured (else every
// notification is listed in the app and its e-mail marked skipped).
struct NotifySettings {
  bool email = false;
};

// Someone to tell: an account (user set) or an outside address (a
// stakeholder without one), why, and what kind of message.
struct Recipient {
  const User* user = nullptr;
  std::string address;  // outside recipients only
  std::string kind;
  std::string why;  // "you may approve as security"
};

// Who hears about `c` having moved from `from` to its state, by `actor`
// (never told of their own action). `users`: the enabled accounts. One
// entry per person, with the most urgent kind.
std::vector<Recipient> RecipientsOf(const Policy& policy, ChangeState from, const Change& c,
                                    const std::vector<Approval>& approvals, const std::vector<User>& users,
                                    std::string_view actor);

// The approvers still awaited on a submitted change (not involved in it).
std::vector<Recipient> OutstandingApprovers(const Policy& policy, const Change& c,
                                            const std::vector<Approval>& approvals, const std::vector<User>& users,
                                            std::string_view kind);

struct MessageText {
  std::string subject;
  std::string body;
};
// What a recipient is told about `c`; `note`: the transition's note (a
// rejection's reason).
MessageText ChangeMessage(const Recipient& r, const Change& c, std::string_view note);

// Queues the notifications of a state change (called by ChangeService in
// the transaction that records it).
Status QueueChangeNotifications(Tx& tx, IdGenerator& ids, Timestamp now, const NotifySettings& settings,
                                const Policy& policy, ChangeState from, const Change& c, std::string_view actor,
                                std::string_view note);

// Approval SLAs (R000-08): once three quarters of a submitted change's
// approval time have gone, its outstanding approvers get a reminder; once it
// is overdue, they and the change managers are told it is overdue. Each once
// per submission. Returns how many notifications it queued.
Result<int64_t> QueueApprovalDeadlines(Tx& tx, IdGenerator& ids, Timestamp now, const NotifySettings& settings,
                                       const Policy& policy);

// When the reminder for a change submitted at `submitted` with `sla_hours` is due.
Timestamp ReminderAt(Timestamp submitted, int64_t sla_hours);

}  // namespace cl
