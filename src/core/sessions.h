// SessionService: password login for people using the browser or the API by
// hand. A session is a random 256-bit secret in an HttpOnly cookie (only its
// SHA-256 is stored) plus a CSRF token required on unsafe requests. Sessions
// end at an absolute lifetime, after an idle period, at logout, or when the
// user is disabled or has a password reset. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/deps.h"
#include "core/login_throttle.h"
#include "core/principal.h"

namespace cl {

struct SessionLimits {
  int64_t absolute_micros = 12LL * 3600 * kMicrosPerSecond;
  int64_t idle_micros = 2LL * 3600 * kMicrosPerSecond;
  int64_t touch_resolution_micros = 60 * kMicrosPerSecond;
};

struct LoginRequest {
  std::string username;
  std::string password;
  std::string client_ip;
  std::string user_agent;
};

struct LoginResult {
  Session session;
  std::string secret;  // goes into the cookie, nowhere else
  User user;
};

struct SessionAuth {
  Principal principal;
  Session session;
};

class SessionService {
 public:
  SessionService(const Deps& deps, LoginThrottle& throttle, SessionLimits limits = {});

  // kUnauthenticated for any bad username/password combination (one message,
  // similar timing), kRateLimited with a retry time when throttled.
  Result<LoginResult> Login(const AuditContext& ctx, const LoginRequest& req);
  Result<SessionAuth> Authenticate(std::string_view secret);
  Status Logout(const Principal& who, const AuditContext& ctx, const Session& session);

  const SessionLimits& limits() const { return limits_; }

 private:
  Status RecordFailure(const AuditContext& ctx, const LoginRequest& req, const std::optional<User>& user,
                       std::string_view reason);
  const Deps& d_;
  LoginThrottle& throttle_;
  const SessionLimits limits_;
  std::string dummy_hash_;  // verified against when the user does not exist
};

}  // namespace cl
