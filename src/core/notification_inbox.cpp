#include "core/notification_inbox.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/changes.h"
#include "core/people_notifications.h"

namespace cl {

nlohmann::json PrefsAuditState(const NotificationPrefs& p) {
  return {{"user_id", p.user_id}, {"email", p.email}, {"muted", p.muted}};
}

Result<Inbox> NotificationInbox::Mine(const Principal& who, bool unread_only, int64_t limit) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kSelfManage));
  Inbox out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out.items, tx.Notifications().List({.user_id = who.user_id,
                                                            .unread_only = unread_only,
                                                            .limit = std::clamp<int64_t>(limit, 1, 500)}));
    CL_ASSIGN_OR_RETURN(out.unread, tx.Notifications().CountUnread(who.user_id));
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> NotificationInbox::MarkRead(const Principal& who, const AuditContext& ctx,
                                            const std::vector<std::string>& ids) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kSelfManage));
  int64_t changed = 0;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(changed, tx.Notifications().MarkRead(who.user_id, ids, d_.clock.Now()));
    if (changed == 0) return Status::Ok();
    AuditRecord rec{"notification.read", "notifications", who.user_id};
    rec.details = {{"marked", changed}, {"ids", ids.empty() ? nlohmann::json("all") : nlohmann::json(ids)}};
    return d_.audit.Append(tx, ctx, rec).status();
  }));
  return changed;
}

Result<NotificationPrefs> NotificationInbox::Prefs(const Principal& who) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kSelfManage));
  NotificationPrefs out;
  out.user_id = who.user_id;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::optional<NotificationPrefs> p, tx.Notifications().Prefs(who.user_id));
    if (p) out = std::move(*p);
    return Status::Ok();
  }));
  return out;
}

Result<NotificationPrefs> NotificationInbox::SetPrefs(const Principal& who, const AuditContext& ctx, bool email,
                                                      const std::vector<std::string>& muted) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kSelfManage));
  std::vector<FieldError> errors;
  for (size_t i = 0; i < muted.size(); ++i) {
    if (!IsNotificationKind(muted[i])) {
      errors.push_back(
          {fmt::format("/muted/{}", i),
           fmt::format("one of {}", fmt::join(kNotificationKinds.begin(), kNotificationKinds.end(), ", "))});
    }
  }
  if (!errors.empty()) return InvalidArgument("the notification preferences are not valid", std::move(errors));
  NotificationPrefs next;
  next.user_id = who.user_id;
  next.email = email;
  next.muted = muted;
  std::sort(next.muted.begin(), next.muted.end());
  next.muted.erase(std::unique(next.muted.begin(), next.muted.end()), next.muted.end());
  next.updated_at = d_.clock.Now();
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::optional<NotificationPrefs> before, tx.Notifications().Prefs(who.user_id));
    CL_RETURN_IF_ERROR(tx.Notifications().PutPrefs(next));
    AuditRecord rec{"notification.preferences", "notification_preferences", who.user_id};
    NotificationPrefs defaults;
    defaults.user_id = who.user_id;
    rec.before = PrefsAuditState(before.value_or(defaults));
    rec.after = PrefsAuditState(next);
    return d_.audit.Append(tx, ctx, rec).status();
  }));
  return next;
}

Result<NotificationMetrics> NotificationInbox::Metrics() {
  NotificationMetrics out;
  const Timestamp now = d_.clock.Now();
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out.counts, tx.Notifications().Counts());
    ChangeListQuery q;
    q.state = ChangeState::kSubmitted;
    q.limit = 10000;
    CL_ASSIGN_OR_RETURN(std::vector<Change> waiting, tx.Changes().List(q));
    out.approvals_waiting = static_cast<int64_t>(waiting.size());
    for (const Change& c : waiting) {
      if (c.submitted_at && c.assessment && c.assessment->approval_sla_hours > 0 &&
          now > *c.submitted_at + c.assessment->approval_sla_hours * 3600 * kMicrosPerSecond) {
        ++out.approvals_overdue;
      }
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Notification>> NotificationInbox::AboutChange(const Principal& who, const std::string& key,
                                                                 int64_t limit) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesRead));
  std::optional<int64_t> number = ParseChangeKey(key);
  if (!number) return NotFound(fmt::format("no change {}", key));
  std::vector<Notification> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::optional<Change> c, tx.Changes().FindByNumber(*number));
    if (!c) return NotFound(fmt::format("no change CHG-{}", *number));
    CL_ASSIGN_OR_RETURN(out,
                        tx.Notifications().List({.object_id = c->Key(), .limit = std::clamp<int64_t>(limit, 1, 500)}));
    return Status::Ok();
  }));
  return out;
}

}  // namespace cl
