#include "core/login_throttle.h"

namespace cl {
namespace {
std::string UserIpKey(const std::string& u, const std::string& ip) { return "ui\n" + u + "\n" + ip; }
std::string IpKey(const std::string& ip) { return "i\n" + ip; }
std::string UserKey(const std::string& u) { return "u\n" + u; }
}  // namespace

LoginThrottle::LoginThrottle(const Clock& clock, ThrottleLimits limits) : clock_(clock), limits_(limits) {}

std::optional<int> LoginThrottle::Over(const std::string& key, int limit, int64_t now) {
  auto it = windows_.find(key);
  if (it == windows_.end() || now - it->second.start >= limits_.window_micros) return std::nullopt;
  if (it->second.failures < limit) return std::nullopt;
  const int64_t left = it->second.start + limits_.window_micros - now;
  return static_cast<int>((left + kMicrosPerSecond - 1) / kMicrosPerSecond);
}

void LoginThrottle::Bump(const std::string& key, int64_t now) {
  Window& w = windows_[key];
  if (now - w.start >= limits_.window_micros) w = Window{now, 0};
  ++w.failures;
}

void LoginThrottle::EvictIfFull(int64_t now) {
  if (windows_.size() < limits_.max_tracked_keys) return;
  for (auto it = windows_.begin(); it != windows_.end();) {
    it = (now - it->second.start >= limits_.window_micros) ? windows_.erase(it) : std::next(it);
  }
}

std::optional<int> LoginThrottle::RetryAfter(const std::string& username, const std::string& ip) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.Now().micros;
  std::optional<int> wait = Over(UserIpKey(username, ip), limits_.per_user_and_ip, now);
  for (auto more : {Over(IpKey(ip), limits_.per_ip, now), Over(UserKey(username), limits_.per_user, now)}) {
    if (more && (!wait || *more > *wait)) wait = more;
  }
  return wait;
}

void LoginThrottle::RecordFailure(const std::string& username, const std::string& ip) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.Now().micros;
  EvictIfFull(now);
  Bump(UserIpKey(username, ip), now);
  Bump(IpKey(ip), now);
  Bump(UserKey(username), now);
}

void LoginThrottle::RecordSuccess(const std::string& username, const std::string& ip) {
  std::lock_guard lock(mu_);
  windows_.erase(UserIpKey(username, ip));
}

}  // namespace cl
