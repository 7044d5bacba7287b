// NotificationInbox: what the API offers about notifications to people —
// each user's in-app list and unread count, marking read, their e-mail
// preferences, and the log of who was told what about a change (with each
// e-mail's delivery status). Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/deps.h"
#include "core/principal.h"

namespace cl {

// What /metrics shows about notifications and approval SLAs (R000-08).
struct NotificationMetrics {
  NotificationCounts counts;
  int64_t approvals_waiting = 0;  // submitted changes
  int64_t approvals_overdue = 0;  // of those, past their approval SLA now
};

struct Inbox {
  std::vector<Notification> items;
  int64_t unread = 0;
};

class NotificationInbox {
 public:
  explicit NotificationInbox(const Deps& deps) : d_(deps) {}

  Result<Inbox> Mine(const Principal& who, bool unread_only, int64_t limit);
  // `ids` empty: all. Returns how many were unread.
  Result<int64_t> MarkRead(const Principal& who, const AuditContext& ctx, const std::vector<std::string>& ids);
  // Defaults (e-mail on, nothing muted) when the user has set none.
  Result<NotificationPrefs> Prefs(const Principal& who);
  Result<NotificationPrefs> SetPrefs(const Principal& who, const AuditContext& ctx, bool email,
                                     const std::vector<std::string>& muted);
  // Everything sent about one change (the change readers' view).
  // For the metrics endpoint (no principal: the route checks system:metrics).
  Result<NotificationMetrics> Metrics();
  Result<std::vector<Notification>> AboutChange(const Principal& who, const std::string& key, int64_t limit);

 private:
  const Deps& d_;
};

nlohmann::json PrefsAuditState(const NotificationPrefs& p);

}  // namespace cl
