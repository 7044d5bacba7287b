// SQL for webhook endpoints and their delivery log.
#include <fmt/format.h>

#include "storage/sql/columns.h"
#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

constexpr auto kWebhook =
    MakeColumns("id", "url", "secret", "events", "description", "active", "created_by", "created_at", "format");
constexpr auto kDelivery = MakeColumns("id", "webhook_id", "event", "object_id", "payload", "status", "attempts",
                                       "next_attempt_at", "last_status", "last_error", "created_at", "delivered_at");

WebhookDelivery ReadDelivery(const Row& r) {
  WebhookDelivery d;
  d.id = r.String(kDelivery["id"]);
  d.webhook_id = r.String(kDelivery["webhook_id"]);
  d.event = r.String(kDelivery["event"]);
  d.object_id = r.String(kDelivery["object_id"]);
  d.payload = r.String(kDelivery["payload"]);
  d.status = r.String(kDelivery["status"]);
  d.attempts = r.Int(kDelivery["attempts"]);
  d.next_attempt_at = Timestamp{r.Int(kDelivery["next_attempt_at"])};
  d.last_status = r.Int(kDelivery["last_status"]);
  d.last_error = r.String(kDelivery["last_error"]);
  d.created_at = Timestamp{r.Int(kDelivery["created_at"])};
  if (!r.IsNull(kDelivery["delivered_at"])) d.delivered_at = Timestamp{r.Int(kDelivery["delivered_at"])};
  return d;
}

}  // namespace

Status SqlWebhookRepo::Insert(const Webhook& w) {
  const std::string events = nlohmann::json(w.events).dump();
  return c_.Run(
      fmt::format("INSERT INTO webhooks ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", kWebhook.List()),
      {w.id, w.url, w.secret, events, w.description, int64_t{w.active}, w.created_by, w.created_at.micros, w.format});
}

Result<std::vector<Webhook>> SqlWebhookRepo::List(bool active_only) {
  std::vector<Webhook> out;
  CL_RETURN_IF_ERROR(c_.Query(
      fmt::format("SELECT {} FROM webhooks WHERE active = 1 OR ? = 0 ORDER BY created_at, id", kWebhook.List()),
      {int64_t{active_only}}, [&](const Row& r) {
        Webhook w;
        w.id = r.String(kWebhook["id"]);
        w.url = r.String(kWebhook["url"]);
        w.secret = r.String(kWebhook["secret"]);
        w.events = JsonStrings(r.Text(kWebhook["events"]));
        w.description = r.String(kWebhook["description"]);
        w.active = r.Int(kWebhook["active"]) != 0;
        w.created_by = r.String(kWebhook["created_by"]);
        w.created_at = Timestamp{r.Int(kWebhook["created_at"])};
        w.format = r.String(kWebhook["format"]);
        out.push_back(std::move(w));
        return true;
      }));
  return out;
}

Status SqlWebhookRepo::Deactivate(std::string_view id) {
  int64_t changed = 0;
  CL_RETURN_IF_ERROR(c_.Run("UPDATE webhooks SET active = 0 WHERE id = ?", {id}, &changed));
  if (changed == 0) return NotFound(fmt::format("no webhook {}", id));
  return c_.Run(
      "UPDATE webhook_deliveries SET status = 'failed', last_error = 'webhook deactivated' "
      "WHERE webhook_id = ? AND status = 'pending'",
      {id});
}

Status SqlWebhookRepo::InsertDelivery(const WebhookDelivery& d) {
  return c_.Run(
      fmt::format("INSERT INTO webhook_deliveries ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kDelivery.List()),
      {d.id, d.webhook_id, d.event, d.object_id, d.payload, d.status, d.attempts, d.next_attempt_at.micros,
       d.last_status, d.last_error, d.created_at.micros,
       d.delivered_at ? Value(d.delivered_at->micros) : Value(Null{})});
}

Status SqlWebhookRepo::UpdateDelivery(const WebhookDelivery& d) {
  return c_.Run(
      "UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status = ?, "
      "last_error = ?, delivered_at = ? WHERE id = ?",
      {d.status, d.attempts, d.next_attempt_at.micros, d.last_status, d.last_error,
       d.delivered_at ? Value(d.delivered_at->micros) : Value(Null{}), d.id});
}

Result<bool> SqlWebhookRepo::ClaimDelivery(const WebhookDelivery& d, Timestamp lease_until) {
  int64_t changed = 0;
  CL_RETURN_IF_ERROR(
      c_.Run("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'pending' AND attempts = ? "
             "AND next_attempt_at = ?",
             {lease_until.micros, d.id, d.attempts, d.next_attempt_at.micros}, &changed));
  return changed == 1;
}

Result<std::vector<WebhookDelivery>> SqlWebhookRepo::Due(Timestamp now, int64_t limit) {
  std::vector<WebhookDelivery> out;
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? "
                           "ORDER BY next_attempt_at, id LIMIT ?",
                           kDelivery.List()),
               {now.micros, limit}, [&](const Row& r) {
                 out.push_back(ReadDelivery(r));
                 return true;
               }));
  return out;
}

Result<std::vector<WebhookDelivery>> SqlWebhookRepo::Deliveries(std::string_view webhook_id, int64_t limit) {
  std::vector<WebhookDelivery> out;
  CL_RETURN_IF_ERROR(c_.Query(
      fmt::format("SELECT {} FROM webhook_deliveries WHERE webhook_id = ? ORDER BY created_at DESC, id LIMIT ?",
                  kDelivery.List()),
      {webhook_id, limit}, [&](const Row& r) {
        out.push_back(ReadDelivery(r));
        return true;
      }));
  return out;
}

}  // namespace cl::sql
