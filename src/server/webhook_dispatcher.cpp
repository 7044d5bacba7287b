#include "server/webhook_dispatcher.h"

#include <fmt/format.h>

#include <map>

#include "core/notifications.h"
#include "platform/build_info.h"
#include "platform/log.h"

namespace cl {
namespace {

// How long a claimed delivery is left to its claimer before another
// dispatcher may try it (longer than one attempt's timeouts).
constexpr int64_t kClaimLeaseMicros = 120 * kMicrosPerSecond;

OutboundHttp::Outcome Post(const OutboundHttp& client, const Webhook& w, const WebhookDelivery& d,
                           int64_t unix_seconds) {
  return client.Post(w.url,
                     {"Content-Type: application/json", fmt::format("User-Agent: Changeledger-Webhook/{}", kVersion),
                      "X-Changeledger-Event: " + d.event, "X-Changeledger-Delivery: " + d.id,
                      "X-Changeledger-Signature: " + WebhookSignature(w.secret, unix_seconds, d.payload), "Expect:"},
                     d.payload);
}

}  // namespace

WebhookDispatcher::WebhookDispatcher(Store& store, const Clock& clock, const OutboundHttp& client,
                                     std::chrono::milliseconds poll)
    : store_(store), clock_(clock), client_(client), poll_(poll) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, poll_, [&] { return stop_; })) {
      lock.unlock();
      RunOnce();
      lock.lock();
    }
  });
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int WebhookDispatcher::RunOnce() {
  // Deliveries are claimed and recorded by writes; none while they are refused.
  if (!store_.WritesRefused().ok()) return 0;
  std::vector<WebhookDelivery> due;
  std::map<std::string, Webhook> hooks;
  Status s = store_.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(due, tx.Webhooks().Due(clock_.Now(), 32));
    if (due.empty()) return Status::Ok();
    CL_ASSIGN_OR_RETURN(std::vector<Webhook> all, tx.Webhooks().List(false));
    for (Webhook& w : all) hooks.emplace(w.id, std::move(w));
    return Status::Ok();
  });
  if (!s.ok()) {
    log::Warn("webhook poll failed", {{"error", s.message()}});
    return 0;
  }
  int attempts = 0;
  for (WebhookDelivery& d : due) {
    auto it = hooks.find(d.webhook_id);
    if (it == hooks.end()) continue;
    const Timestamp now = clock_.Now();
    // Several servers may poll one database: only the one that claims a
    // delivery sends it. A claimer that dies leaves it to be retried when
    // the lease ends.
    bool mine = false;
    Status claim = store_.Write([&](Tx& tx) -> Status {
      CL_ASSIGN_OR_RETURN(mine, tx.Webhooks().ClaimDelivery(d, now + kClaimLeaseMicros));
      return Status::Ok();
    });
    if (!claim.ok()) log::Warn("webhook delivery claim failed", {{"error", claim.message()}});
    if (!mine) continue;
    const OutboundHttp::Outcome o = Post(client_, it->second, d, now.micros / kMicrosPerSecond);
    ++attempts;
    d.attempts += 1;
    d.last_status = o.status;
    d.last_error = o.error;
    if (o.error.empty()) {
      d.status = "delivered";
      d.delivered_at = clock_.Now();
    } else if (auto delay = RetryDelayMicros(d.attempts)) {
      d.next_attempt_at = now + *delay;
    } else {
      d.status = "failed";
      log::Warn("webhook delivery gave up", {{"webhook", d.webhook_id}, {"delivery", d.id}, {"error", o.error}});
    }
    Status w = store_.Write([&](Tx& tx) { return tx.Webhooks().UpdateDelivery(d); });
    if (!w.ok()) log::Warn("webhook delivery update failed", {{"error", w.message()}});
  }
  return attempts;
}

}  // namespace cl
