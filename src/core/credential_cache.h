// CredentialCache remembers recently authenticated API tokens (by secret
// hash) with their owner, so a busy pipeline does not cost a database read
// per request. Entries live `ttl` at most; any change to users or tokens
// made through this process clears the cache at once, so revocation and
// disabling take effect on the next request here, and within `ttl` on other
// servers sharing the database. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/clock.h"
#include "core/user.h"

namespace cl {

struct CachedCredential {
  ApiToken token;
  std::shared_ptr<const User> owner;
};

class CredentialCache {
 public:
  explicit CredentialCache(int64_t ttl_micros = 2 * kMicrosPerSecond, size_t max_entries = 20000)
      : ttl_(ttl_micros), max_entries_(max_entries) {}

  std::optional<CachedCredential> Find(const SecretHash& hash, Timestamp now) const;
  // `epoch` is Epoch() read before the database lookup, so a change that
  // lands during the lookup keeps the stale result out of the cache.
  void Put(const SecretHash& hash, CachedCredential credential, Timestamp now, uint64_t epoch);
  uint64_t Epoch() const;
  // Records a use on the cached token (if any) without extending its life.
  void NoteUse(const SecretHash& hash, Timestamp at);
  // Drops everything; call after any change to users or tokens.
  void Invalidate();

 private:
  struct Entry {
    CachedCredential credential;
    Timestamp stored_at;
  };
  struct HashOf {
    size_t operator()(const SecretHash& h) const;
  };
  const int64_t ttl_;
  const size_t max_entries_;
  mutable std::mutex mu_;
  uint64_t epoch_ = 0;
  std::unordered_map<SecretHash, Entry, HashOf> entries_;
};

}  // namespace cl
