// SQL for notifications to people, their e-mail delivery and preferences.
#include <fmt/format.h>

#include "storage/sql/columns.h"
#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

constexpr auto kNote =
    MakeColumns("id", "user_id", "recipient", "kind", "object_id", "subject", "body", "link", "created_at", "read_at",
                "email_to", "email_status", "attempts", "next_attempt_at", "last_error", "delivered_at");

Notification ReadNote(const Row& r) {
  Notification n;
  n.id = r.String(kNote["id"]);
  if (!r.IsNull(kNote["user_id"])) n.user_id = r.String(kNote["user_id"]);
  n.recipient = r.String(kNote["recipient"]);
  n.kind = r.String(kNote["kind"]);
  n.object_id = r.String(kNote["object_id"]);
  n.subject = r.String(kNote["subject"]);
  n.body = r.String(kNote["body"]);
  n.link = r.String(kNote["link"]);
  n.created_at = Timestamp{r.Int(kNote["created_at"])};
  n.read_at = ReadTime(r, kNote["read_at"]);
  n.email_to = r.String(kNote["email_to"]);
  n.email_status = r.String(kNote["email_status"]);
  n.attempts = r.Int(kNote["attempts"]);
  n.next_attempt_at = Timestamp{r.Int(kNote["next_attempt_at"])};
  n.last_error = r.String(kNote["last_error"]);
  n.delivered_at = ReadTime(r, kNote["delivered_at"]);
  return n;
}

Value MicrosOrNull(const std::optional<Timestamp>& t) { return t ? Value(t->micros) : Value(Null{}); }

}  // namespace

Status SqlNotificationRepo::Insert(const Notification& n) {
  return c_.Run(fmt::format("INSERT INTO notifications ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            kNote.List()),
                {n.id, n.user_id.empty() ? Value(Null{}) : Value(n.user_id), n.recipient, n.kind, n.object_id,
                 n.subject, n.body, n.link, n.created_at.micros, MicrosOrNull(n.read_at), n.email_to, n.email_status,
                 n.attempts, n.next_attempt_at.micros, n.last_error, MicrosOrNull(n.delivered_at)});
}

Result<std::vector<Notification>> SqlNotificationRepo::List(const NotificationQuery& q) {
  Filters f;
  if (!q.user_id.empty()) f.Text(" AND user_id = ?", q.user_id);
  if (!q.object_id.empty()) f.Text(" AND object_id = ?", q.object_id);
  if (q.unread_only) f.Ints(" AND read_at IS NULL", {});
  f.Bind(q.limit);
  std::vector<Notification> out;
  CL_RETURN_IF_ERROR(c_.QueryV(
      fmt::format("SELECT {} FROM notifications {} ORDER BY created_at DESC, id DESC LIMIT ?", kNote.List(), f.where()),
      f.params(), [&](const Row& r) {
        out.push_back(ReadNote(r));
        return true;
      }));
  return out;
}

Result<int64_t> SqlNotificationRepo::CountUnread(std::string_view user_id) {
  int64_t n = 0;
  CL_RETURN_IF_ERROR(c_.Query("SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", {user_id},
                              [&](const Row& r) {
                                n = r.Int(0);
                                return false;
                              }));
  return n;
}

Result<int64_t> SqlNotificationRepo::MarkRead(std::string_view user_id, const std::vector<std::string>& ids,
                                              Timestamp at) {
  std::vector<Value> params{at.micros, user_id};
  std::string in;
  for (const std::string& id : ids) {
    in += in.empty() ? "?" : ", ?";
    params.emplace_back(std::string_view(id));
  }
  int64_t changed = 0;
  CL_RETURN_IF_ERROR(c_.RunV(fmt::format("UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL{}",
                                         ids.empty() ? std::string() : fmt::format(" AND id IN ({})", in)),
                             params, &changed));
  return changed;
}

Result<bool> SqlNotificationRepo::Exists(std::string_view object_id, std::string_view kind, Timestamp since) {
  bool found = false;
  CL_RETURN_IF_ERROR(
      c_.Query("SELECT 1 FROM notifications WHERE object_id = ? AND kind = ? AND created_at >= ? LIMIT 1",
               {object_id, kind, since.micros}, [&](const Row&) {
                 found = true;
                 return false;
               }));
  return found;
}

Result<std::vector<Notification>> SqlNotificationRepo::DueEmails(Timestamp now, int64_t limit) {
  std::vector<Notification> out;
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM notifications WHERE email_status = 'pending' AND next_attempt_at <= ? "
                           "ORDER BY next_attempt_at, id LIMIT ?",
                           kNote.List()),
               {now.micros, limit}, [&](const Row& r) {
                 out.push_back(ReadNote(r));
                 return true;
               }));
  return out;
}

Result<bool> SqlNotificationRepo::ClaimEmail(const Notification& n, Timestamp lease_until) {
  int64_t changed = 0;
  CL_RETURN_IF_ERROR(
      c_.Run("UPDATE notifications SET next_attempt_at = ? WHERE id = ? AND email_status = 'pending' AND attempts = ? "
             "AND next_attempt_at = ?",
             {lease_until.micros, n.id, n.attempts, n.next_attempt_at.micros}, &changed));
  return changed == 1;
}

Status SqlNotificationRepo::UpdateEmail(const Notification& n) {
  return c_.Run(
      "UPDATE notifications SET email_status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, "
      "delivered_at = ? WHERE id = ?",
      {n.email_status, n.attempts, n.next_attempt_at.micros, n.last_error, MicrosOrNull(n.delivered_at), n.id});
}

Result<NotificationCounts> SqlNotificationRepo::Counts() {
  NotificationCounts out;
  CL_RETURN_IF_ERROR(
      c_.Query("SELECT email_status, COUNT(*) FROM notifications GROUP BY email_status", {}, [&](const Row& r) {
        const std::string_view status = r.Text(0);
        int64_t* slot = status == "pending"     ? &out.email_pending
                        : status == "delivered" ? &out.email_delivered
                        : status == "failed"    ? &out.email_failed
                                                : &out.email_skipped;
        *slot += r.Int(1);
        return true;
      }));
  CL_RETURN_IF_ERROR(c_.Query("SELECT COUNT(DISTINCT object_id) FROM notifications WHERE kind = 'approval_overdue'", {},
                              [&](const Row& r) {
                                out.approval_sla_breaches = r.Int(0);
                                return false;
                              }));
  return out;
}

Result<std::optional<NotificationPrefs>> SqlNotificationRepo::Prefs(std::string_view user_id) {
  std::optional<NotificationPrefs> out;
  CL_RETURN_IF_ERROR(c_.Query("SELECT email, muted, updated_at FROM notification_preferences WHERE user_id = ?",
                              {user_id}, [&](const Row& r) {
                                NotificationPrefs p;
                                p.user_id = std::string(user_id);
                                p.email = r.Int(0) != 0;
                                p.muted = JsonStrings(r.Text(1));
                                p.updated_at = Timestamp{r.Int(2)};
                                out = std::move(p);
                                return false;
                              }));
  return out;
}

Status SqlNotificationRepo::PutPrefs(const NotificationPrefs& p) {
  const std::string muted = nlohmann::json(p.muted).dump();
  const int64_t at = p.updated_at ? p.updated_at->micros : 0;
  return c_.Run(
      "INSERT INTO notification_preferences (user_id, email, muted, updated_at) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, muted = excluded.muted, "
      "updated_at = excluded.updated_at",
      {p.user_id, int64_t{p.email}, muted, at});
}

}  // namespace cl::sql
