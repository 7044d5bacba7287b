#include "core/credential_cache.h"

#include <cstring>

namespace cl {

size_t CredentialCache::HashOf::operator()(const SecretHash& h) const {
  size_t v = 0;  // the key is already a SHA-256: any 8 bytes are uniform
  std::memcpy(&v, h.data(), sizeof v);
  return v;
}

std::optional<CachedCredential> CredentialCache::Find(const SecretHash& hash, Timestamp now) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(hash);
  if (it == entries_.end() || now - it->second.stored_at >= ttl_ || now < it->second.stored_at) {
    return std::nullopt;
  }
  return it->second.credential;
}

void CredentialCache::Put(const SecretHash& hash, CachedCredential credential, Timestamp now, uint64_t epoch) {
  std::lock_guard lock(mu_);
  if (epoch != epoch_) return;
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_[hash] = Entry{std::move(credential), now};
}

void CredentialCache::NoteUse(const SecretHash& hash, Timestamp at) {
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(hash); it != entries_.end()) it->second.credential.token.last_used_at = at;
}

uint64_t CredentialCache::Epoch() const {
  std::lock_guard lock(mu_);
  return epoch_;
}

void CredentialCache::Invalidate() {
  std::lock_guard lock(mu_);
  ++epoch_;
  entries_.clear();
}

}  // namespace cl
