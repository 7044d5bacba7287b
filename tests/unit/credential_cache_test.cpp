#include "core/credential_cache.h"

#include <gtest/gtest.h>

namespace cl {
namespace {

SecretHash Key(uint8_t b) {
  SecretHash h{};
  h.fill(b);
  return h;
}

CachedCredential Cred(const std::string& id) {
  CachedCredential c;
  c.token.id = id;
  c.owner = std::make_shared<const User>();
  return c;
}

TEST(CredentialCacheTest, EntriesExpireAfterTheTtl) {
  CredentialCache cache(2 * kMicrosPerSecond);
  const Timestamp t0{1'000'000'000};
  cache.Put(Key(1), Cred("tok_a"), t0, cache.Epoch());
  ASSERT_TRUE(cache.Find(Key(1), t0 + kMicrosPerSecond));
  EXPECT_EQ(cache.Find(Key(1), t0 + kMicrosPerSecond)->token.id, "tok_a");
  EXPECT_FALSE(cache.Find(Key(1), t0 + 2 * kMicrosPerSecond));
  EXPECT_FALSE(cache.Find(Key(1), Timestamp{t0.micros - 1})) << "a clock going back must not extend life";
  EXPECT_FALSE(cache.Find(Key(2), t0));
}

TEST(CredentialCacheTest, InvalidateDropsEverything) {
  CredentialCache cache;
  const Timestamp t0{1'000'000'000};
  cache.Put(Key(1), Cred("tok_a"), t0, cache.Epoch());
  cache.Put(Key(2), Cred("tok_b"), t0, cache.Epoch());
  cache.Invalidate();
  EXPECT_FALSE(cache.Find(Key(1), t0));
  EXPECT_FALSE(cache.Find(Key(2), t0));
}

// A lookup that started before a revocation must not put its stale answer
// back into the cache after the revocation cleared it.
TEST(CredentialCacheTest, ResultsReadBeforeAChangeAreNotCached) {
  CredentialCache cache;
  const Timestamp t0{1'000'000'000};
  const uint64_t epoch_at_lookup = cache.Epoch();
  cache.Invalidate();  // the revocation commits meanwhile
  cache.Put(Key(1), Cred("tok_a"), t0, epoch_at_lookup);
  EXPECT_FALSE(cache.Find(Key(1), t0));
}

// Recording a use updates the cached token but never makes an entry live
// longer, and never brings back one a change has dropped.
TEST(CredentialCacheTest, NotingAUseKeepsTheOriginalLifetime) {
  CredentialCache cache(2 * kMicrosPerSecond);
  const Timestamp t0{1'000'000'000};
  cache.Put(Key(1), Cred("tok_a"), t0, cache.Epoch());
  cache.NoteUse(Key(1), t0 + kMicrosPerSecond);
  ASSERT_TRUE(cache.Find(Key(1), t0 + kMicrosPerSecond));
  EXPECT_EQ(cache.Find(Key(1), t0 + kMicrosPerSecond)->token.last_used_at, t0 + kMicrosPerSecond);
  EXPECT_FALSE(cache.Find(Key(1), t0 + 2 * kMicrosPerSecond));
  cache.Invalidate();
  cache.NoteUse(Key(1), t0);
  EXPECT_FALSE(cache.Find(Key(1), t0));
}

TEST(CredentialCacheTest, StaysBounded) {
  CredentialCache cache(kMicrosPerSecond, 3);
  const Timestamp t0{1'000'000'000};
  for (uint8_t i = 0; i < 10; ++i) cache.Put(Key(i), Cred("t"), t0, cache.Epoch());
  int found = 0;
  for (uint8_t i = 0; i < 10; ++i) found += cache.Find(Key(i), t0).has_value();
  EXPECT_LE(found, 3);
  EXPECT_TRUE(cache.Find(Key(9), t0)) << "the newest entry is kept";
}

}  // namespace
}  // namespace cl
