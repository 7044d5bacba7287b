// The repository of notifications to people: the in-app list, each one's
// e-mail delivery (status, attempts, last error) and each user's
// preferences. Part of the Store interface (core/store.h): implemented once
// in storage/sql/ for both backends; used only inside a Tx. Interfaces only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace cl {

// One message to one person about one object: shown in their in-app list
// and, unless `email_status` is "skipped", sent by e-mail. The row is the
// log an auditor reads: who was told what, when, and whether it arrived.
struct Notification {
  std::string id;
  std::string user_id;    // empty: an outside address (a stakeholder without an account)
  std::string recipient;  // username, or the address for outside recipients
  std::string kind;  // approval_requested | decision | change_update | emergency | approval_reminder | approval_overdue
  std::string object_id;  // CHG-12
  std::string subject;
  std::string body;  // plain text
  std::string link;  // path in the web UI ("/changes/CHG-12")
  Timestamp created_at;
  std::optional<Timestamp> read_at;
  // E-mail: pending | delivered | failed | skipped (with why in last_error).
  std::string email_to;
  std::string email_status = "pending";
  int64_t attempts = 0;
  Timestamp next_attempt_at;
  std::string last_error;
  std::optional<Timestamp> delivered_at;
};

struct NotificationPrefs {
  std::string user_id;
  bool email = true;               // e-mail at all
  std::vector<std::string> muted;  // kinds never e-mailed (still listed in the app)
  std::optional<Timestamp> updated_at;
};

struct NotificationQuery {
  std::string user_id{};    // the recipient's list, or
  std::string object_id{};  // every notification about one object
  bool unread_only = false;
  int64_t limit = 100;
};

// Counts for /metrics.
struct NotificationCounts {
  int64_t email_pending = 0, email_delivered = 0, email_failed = 0, email_skipped = 0;
  int64_t approval_sla_breaches = 0;  // changes ever told their approvals are overdue
};

class NotificationRepo {
 public:
  virtual ~NotificationRepo() = default;
  virtual Status Insert(const Notification& n) = 0;
  // Newest first.
  virtual Result<std::vector<Notification>> List(const NotificationQuery& q) = 0;
  virtual Result<int64_t> CountUnread(std::string_view user_id) = 0;
  // Marks the user's notifications read (`ids` empty: all of them); returns how many changed.
  virtual Result<int64_t> MarkRead(std::string_view user_id, const std::vector<std::string>& ids, Timestamp at) = 0;
  // Whether a notification of `kind` about `object_id` was made at or after `since`.
  virtual Result<bool> Exists(std::string_view object_id, std::string_view kind, Timestamp since) = 0;
  // E-mails pending and due at `now`, oldest first.
  virtual Result<std::vector<Notification>> DueEmails(Timestamp now, int64_t limit) = 0;
  // As WebhookRepo::ClaimDelivery: only the claimer sends it.
  virtual Result<bool> ClaimEmail(const Notification& n, Timestamp lease_until) = 0;
  virtual Status UpdateEmail(const Notification& n) = 0;
  virtual Result<NotificationCounts> Counts() = 0;
  virtual Result<std::optional<NotificationPrefs>> Prefs(std::string_view user_id) = 0;
  virtual Status PutPrefs(const NotificationPrefs& p) = 0;
};

}  // namespace cl
