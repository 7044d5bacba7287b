// The repository of outgoing webhooks and their deliveries.
// Part of the Store interface (core/store.h): implemented once in
// storage/sql/ for both backends; used only inside a Tx. Interfaces only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace cl {

// An outbound notification endpoint (stakeholder communication, R000-06).
struct Webhook {
  std::string id;
  std::string url;
  std::string secret;               // HMAC key; returned once at creation, never logged
  std::vector<std::string> events;  // "change.approved", "change.*", "*"
  std::string description;
  // The body's shape: "changeledger" (the signed JSON event), "slack" or
  // "teams" (a chat message for an incoming webhook).
  std::string format = "changeledger";
  bool active = true;
  std::string created_by;
  Timestamp created_at;
};

struct WebhookDelivery {
  std::string id;
  std::string webhook_id;
  std::string event;
  std::string object_id;           // CHG-12
  std::string payload;             // the JSON body sent
  std::string status = "pending";  // pending | delivered | failed
  int64_t attempts = 0;
  Timestamp next_attempt_at;
  int64_t last_status = 0;  // HTTP status of the last attempt, 0 if none
  std::string last_error;
  Timestamp created_at;
  std::optional<Timestamp> delivered_at;
};

class WebhookRepo {
 public:
  virtual ~WebhookRepo() = default;
  virtual Status Insert(const Webhook& w) = 0;
  virtual Result<std::vector<Webhook>> List(bool active_only) = 0;
  virtual Status Deactivate(std::string_view id) = 0;
  virtual Status InsertDelivery(const WebhookDelivery& d) = 0;
  virtual Status UpdateDelivery(const WebhookDelivery& d) = 0;
  // Takes a due delivery for one attempt: moves its next attempt to
  // `lease_until` if it is still pending with the attempts and next attempt
  // time `d` was read with. False if another dispatcher (another server on
  // the same database) took it first; only the claimer sends it.
  virtual Result<bool> ClaimDelivery(const WebhookDelivery& d, Timestamp lease_until) = 0;
  // Pending deliveries due at `now`, oldest first.
  virtual Result<std::vector<WebhookDelivery>> Due(Timestamp now, int64_t limit) = 0;
  virtual Result<std::vector<WebhookDelivery>> Deliveries(std::string_view webhook_id, int64_t limit) = 0;
};

}  // namespace cl
