#include "cli/webhook_dispatcher.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <map>

#include "app/version.h"
#include "core/notifications.h"
#include "platform/log.h"

namespace cl::cli {
namespace {

// How long a claimed delivery is left to its claimer before another
// dispatcher may try it (longer than one attempt's timeouts).
constexpr int64_t kClaimLeaseMicros = 120 * kMicrosPerSecond;

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

struct Outcome {
  long status = 0;
  std::string error;
};

Outcome Post(const Webhook& w, const WebhookDelivery& d, int64_t unix_seconds) {
  Outcome out;
  CURL* c = curl_easy_init();
  if (c == nullptr) return {0, "curl init failed"};
  curl_slist* headers = nullptr;
  const std::string lines[] = {
      "Content-Type: application/json",
      fmt::format("User-Agent: Changeledger-Webhook/{}", kVersion),
      "X-Changeledger-Event: " + d.event,
      "X-Changeledger-Delivery: " + d.id,
      "X-Changeledger-Signature: " + WebhookSignature(w.secret, unix_seconds, d.payload),
      "Expect:"};
  for (const std::string& l : lines) headers = curl_slist_append(headers, l.c_str());
  curl_easy_setopt(c, CURLOPT_URL, w.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, d.payload.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(d.payload.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    out.error = curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    if (out.status < 200 || out.status >= 300) out.error = fmt::format("HTTP {}", out.status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return out;
}

}  // namespace

WebhookDispatcher::WebhookDispatcher(Store& store, const Clock& clock, std::chrono::milliseconds poll)
    : store_(store), clock_(clock), poll_(poll) {}

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
    const Outcome o = Post(it->second, d, now.micros / kMicrosPerSecond);
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

}  // namespace cl::cli
