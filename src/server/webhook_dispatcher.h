// WebhookDispatcher: the server's background sender of queued webhook
// deliveries. Polls the store, POSTs each due delivery through the one
// outbound client (signed, 10 s timeout, no redirects, no internal
// addresses), and records the outcome: delivered on 2xx, else retried with
// backoff until it gives up. Owns one thread; Stop() joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/store.h"
#include "server/outbound_http.h"

namespace cl {

class WebhookDispatcher {
 public:
  WebhookDispatcher(Store& store, const Clock& clock, const OutboundHttp& client, std::chrono::milliseconds poll);
  ~WebhookDispatcher();
  void Start();
  void Stop();
  // Sends every delivery due now; returns how many attempts it made.
  int RunOnce();

 private:
  Store& store_;
  const Clock& clock_;
  const OutboundHttp& client_;
  std::chrono::milliseconds poll_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace cl
