// TokenService: API tokens for machines and scripts. A token is 256 random
// bits shown once ("clt_..."); only its SHA-256 is stored. Tokens are scoped
// (a subset of the owner's permissions), expire, can be revoked, and record
// when they were last used. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/deps.h"
#include "core/principal.h"

namespace cl {

struct TokenLimits {
  int64_t default_lifetime_micros = 90LL * 86400 * kMicrosPerSecond;
  int64_t max_lifetime_micros = 366LL * 86400 * kMicrosPerSecond;
  int64_t last_used_resolution_micros = 60 * kMicrosPerSecond;
};

struct NewToken {
  std::string name;
  std::string user_id;  // empty: the caller
  std::vector<std::string> scopes;
  std::optional<Timestamp> expires_at;  // default: now + default lifetime
};

struct IssuedToken {
  ApiToken token;
  std::string secret;  // shown once
};

nlohmann::json TokenState(const ApiToken& token);

class TokenService {
 public:
  TokenService(const Deps& deps, TokenLimits limits = {}) : d_(deps), limits_(limits) {}

  Result<IssuedToken> Create(const Principal& who, const AuditContext& ctx, const NewToken& in);
  // The caller's tokens, or everyone's (tokens:admin) when all is set, or
  // one user's (tokens:admin) when user_id is given.
  Result<std::vector<ApiToken>> List(const Principal& who, bool all, std::string_view user_id);
  Result<ApiToken> Get(const Principal& who, std::string_view id);
  Result<ApiToken> Revoke(const Principal& who, const AuditContext& ctx, std::string_view id);

  // Resolves a presented secret to a principal. Unknown, expired, revoked
  // tokens and disabled owners all fail the same way.
  Result<Principal> Authenticate(std::string_view secret);

  const TokenLimits& limits() const { return limits_; }

 private:
  Status CheckAccess(const Principal& who, const ApiToken& token);
  const Deps& d_;
  const TokenLimits limits_;
};

// SHA-256 of a presented secret, the form credentials are stored and found by.
SecretHash HashSecret(std::string_view secret);

}  // namespace cl
