// The injected collaborators every core service needs, bundled so service
// constructors stay short. References only; the app owns the objects and
// keeps them alive longer than the services.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/audit_log.h"
#include "core/clock.h"
#include "core/credential_cache.h"
#include "core/ids.h"
#include "core/store.h"

namespace cl {

// Slow, salted password hashing (argon2id in production). Thread-safe.
class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;
  virtual std::optional<std::string> Hash(std::string_view password) const = 0;
  virtual bool Verify(std::string_view password, const std::string& encoded) const = 0;
};

struct Deps {
  Store& store;
  const Clock& clock;
  IdGenerator& ids;
  const AuditLog& audit;
  const PasswordHasher& passwords;
  CredentialCache* credentials;  // may be null (no caching)
};

// A write that changes users or credentials: runs it, then clears the
// credential cache so the change counts from the next request on.
inline Status WriteCredentials(const Deps& d, const TxFn& fn) {
  Status s = d.store.Write(fn);
  if (d.credentials != nullptr) d.credentials->Invalidate();
  return s;
}

// A random secret with a readable type prefix: "<prefix>_<base64url>".
std::string NewSecret(IdGenerator& ids, std::string_view prefix, size_t bytes = 32);

}  // namespace cl
