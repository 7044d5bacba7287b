// LoginThrottle limits password guessing: failures are counted per
// (username, client IP), per client IP and per username in a sliding
// window; over a limit, logins are refused until the window passes. In
// memory, per server process. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace cl {

struct ThrottleLimits {
  int64_t window_micros = 15 * 60 * kMicrosPerSecond;
  int per_user_and_ip = 5;
  int per_ip = 30;
  int per_user = 100;
  size_t max_tracked_keys = 200000;
};

class LoginThrottle {
 public:
  LoginThrottle(const Clock& clock, ThrottleLimits limits = {});
  // Seconds to wait if a login for (username, ip) must be refused now.
  std::optional<int> RetryAfter(const std::string& username, const std::string& ip);
  void RecordFailure(const std::string& username, const std::string& ip);
  void RecordSuccess(const std::string& username, const std::string& ip);

 private:
  struct Window {
    int64_t start = 0;
    int failures = 0;
  };
  std::optional<int> Over(const std::string& key, int limit, int64_t now);
  void Bump(const std::string& key, int64_t now);
  void EvictIfFull(int64_t now);

  const Clock& clock_;
  const ThrottleLimits limits_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace cl
