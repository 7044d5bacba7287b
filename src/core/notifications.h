// Stakeholder notification (R000-06, R001-10): webhook endpoints that
// receive change events (JSON, HMAC-SHA256 signed), queued in the same
// transaction as the change so none is lost, delivered with retries by the
// server's dispatcher, and logged per attempt. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/deps.h"
#include "core/principal.h"

namespace cl {

// Decides whether the server may send requests to a URL a user gave (no
// internal addresses unless allowed); the implementation resolves names
// (server/outbound_http.h). Thread-safe.
class DestinationGuard {
 public:
  virtual ~DestinationGuard() = default;
  // kInvalidArgument naming why the URL may not be used.
  virtual Status CheckUrl(const std::string& url) const = 0;
};

class WebhookService {
 public:
  // `guard` checks receiver URLs at registration (may be null: form only).
  WebhookService(const Deps& deps, const DestinationGuard* guard) : d_(deps), guard_(guard) {}

  // Returns the webhook with its secret (shown once).
  Result<Webhook> Create(const Principal& who, const AuditContext& ctx, const std::string& url,
                         const std::vector<std::string>& events, const std::string& description,
                         const std::string& format = "changeledger");
  Result<std::vector<Webhook>> List(const Principal& who);
  Status Deactivate(const Principal& who, const AuditContext& ctx, std::string_view id);
  Result<std::vector<WebhookDelivery>> Deliveries(const Principal& who, std::string_view id, int64_t limit);

 private:
  const Deps& d_;
  const DestinationGuard* guard_;
};

// Events a webhook may subscribe to: "change.<state>", "change.*" or "*".
bool Subscribed(const Webhook& w, std::string_view event);

// Queues one delivery per active webhook subscribed to `event`.
Status QueueChangeEvent(Tx& tx, IdGenerator& ids, Timestamp now, const Change& c, std::string_view event);

// A chat message about `c` for an incoming webhook: "slack" (text and
// blocks) or "teams" (an Adaptive Card message).
nlohmann::json ChatPayload(std::string_view format, const Change& c);

// Wait before the next attempt after `attempts` failed ones; nullopt: give up.
std::optional<int64_t> RetryDelayMicros(int64_t attempts);

// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body);

}  // namespace cl
