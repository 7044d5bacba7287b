// The verifier with RFC 3161 time-stamps from a real authority: stamped in
// time verifies; re-signed logs, late stamps and foreign authorities are named.
#include <gtest/gtest.h>

#include <chrono>

#include "core/audit_log.h"
#include "core/audit_timestamps.h"
#include "core/audit_verify.h"
#include "core/clock.h"
#include "crypto/crypto.h"
#include "tests/support/tsa.h"
#include "tests/unit/audit_chain_fixture.h"

namespace cl {
namespace {

// RFC 3161 time-stamps (core/audit_timestamps.h) with a real authority
// (`openssl ts -reply`): events 1-5, checkpoint 5, event 6 time-stamps it;
// events 7-10, checkpoint 10, event 11 time-stamps it; checkpoint 11 signs
// only that record. Checkpoints claim to be signed a minute ago.
class AuditTimestampTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = Timestamp{
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count()};
    signed_at_ = now_ + (-60 * kMicrosPerSecond);
    c_ = Build(tsa_, signed_at_);
  }
  // The log as the server writes it, with tokens from `tsa` over checkpoints
  // signed at `at` (plus seq seconds); `stamps`: record the time-stamps at all.
  Chain Build(const testing::TestTsa& tsa, Timestamp at, bool stamps = true) const {
    Chain c;
    c.kp = kp_;
    c.keys.push_back({KeyIdFor(kp_.public_key), kp_.public_key, Timestamp{0}});
    const auto plain = [&](int64_t i) {
      c.events.push_back({i, {}, CanonicalJson({{"seq", i}, {"action", i == 3 ? edited_ : "test.event"}})});
    };
    const auto stamp = [&](int64_t i, const AuditCheckpoint& cp) {
      if (!stamps) return plain(i);
      const auto digest = CheckpointDigest(cp);
      const auto req = crypto::MakeTimestampRequest(digest);
      const auto got =
          crypto::ReadTimestampResponse(tsa.Reply(req.der), req, digest, crypto::TimestampAnchors{tsa.CaPem()});
      EXPECT_TRUE(got.ok()) << got.error;
      const AuditRecord rec = AuditTimestampRecord(cp, "http://tsa.test/", got.token_der, got.info);
      c.events.push_back({i, {}, CanonicalJson({{"action", rec.action}, {"details", rec.details}, {"seq", i}})});
    };
    const auto checkpoint = [&](int64_t seq) {
      Rehash(c, 0);
      const AuditCheckpoint* prev = c.checkpoints.empty() ? nullptr : &c.checkpoints.back();
      c.checkpoints.push_back(Sign(c, seq, kp_, prev, at + seq * kMicrosPerSecond));
    };
    for (int64_t i = 1; i <= 5; ++i) plain(i);
    checkpoint(5);
    stamp(6, c.checkpoints.back());
    for (int64_t i = 7; i <= 10; ++i) plain(i);
    checkpoint(10);
    stamp(11, c.checkpoints.back());
    checkpoint(11);
    return c;
  }
  AuditVerifyResult Verify(const Chain& c, const testing::TestTsa& anchor, Timestamp now,
                           int64_t max_delay_seconds = 3600) const {
    AuditVerifier v(c.keys, c.checkpoints);
    AuditTimestampPolicy policy;
    policy.anchors = crypto::TimestampAnchors{anchor.CaPem()};
    policy.now = now;
    policy.max_delay_micros = max_delay_seconds * kMicrosPerSecond;
    v.CheckTimestamps(policy);
    for (const auto& e : c.events) {
      if (!v.Add(e.seq, e.hash, e.body)) break;
    }
    return v.Finish();
  }
  Timestamp Later(int64_t hours) const { return now_ + hours * 3600 * kMicrosPerSecond; }

  testing::TestTsa tsa_;
  crypto::Ed25519KeyPair kp_ = crypto::GenerateEd25519KeyPair();
  std::string edited_ = "test.event";
  Timestamp now_, signed_at_;
  Chain c_;
};

TEST_F(AuditTimestampTest, EveryCheckpointTimeStampedInTimeVerifies) {
  const AuditVerifyResult r = Verify(c_, tsa_, Later(2));
  ASSERT_TRUE(r.ok) << r.problem;
  EXPECT_TRUE(r.timestamps_checked);
  EXPECT_EQ(r.timestamps, 2);
  EXPECT_EQ(r.timestamped_seq, 10);
  ASSERT_TRUE(r.timestamped_at.has_value());
  EXPECT_LE(std::abs(*r.timestamped_at - now_), 10 * kMicrosPerSecond);

  const AuditVerifyResult unchecked = ::cl::Verify(c_);
  EXPECT_TRUE(unchecked.ok) << unchecked.problem;
  EXPECT_FALSE(unchecked.timestamps_checked);
  EXPECT_EQ(unchecked.timestamps, 2) << "counted without the authority's certificate, not checked";
}

// The attack a time-stamp stops: someone with the signing key rewrites an
// old event and re-signs every checkpoint after it with the old times.
TEST_F(AuditTimestampTest, ALogReSignedWithOldTimesIsNamedWhetherItKeepsOrDropsTheTimeStamps) {
  edited_ = "test.forged";
  Chain kept = Build(tsa_, signed_at_, /*stamps=*/false);
  kept.events[5] = c_.events[5];  // the old time-stamp records, as they were
  kept.events[10] = c_.events[10];
  Rehash(kept, 0);
  kept.checkpoints.clear();
  for (int64_t seq : {5, 10, 11}) {
    const AuditCheckpoint* prev = kept.checkpoints.empty() ? nullptr : &kept.checkpoints.back();
    kept.checkpoints.push_back(Sign(kept, seq, kp_, prev, signed_at_ + seq * kMicrosPerSecond));
  }
  ASSERT_TRUE(::cl::Verify(kept).ok) << "consistent and signed: only the time-stamps show it";
  const AuditVerifyResult r = Verify(kept, tsa_, Later(2));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 6);
  EXPECT_NE(r.problem.find("does not hold for the checkpoint at seq 5"), std::string::npos) << r.problem;

  const Chain dropped = Build(tsa_, signed_at_, /*stamps=*/false);
  ASSERT_TRUE(::cl::Verify(dropped).ok);
  const AuditVerifyResult d = Verify(dropped, tsa_, Later(2));
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.first_bad_seq, 5);
  EXPECT_NE(d.problem.find("has no time-stamp at or after it (the log holds none)"), std::string::npos) << d.problem;
  EXPECT_TRUE(Verify(dropped, tsa_, now_).ok) << "an hour after signing they may still be on their way";
}

TEST_F(AuditTimestampTest, ACheckpointTimeStampedLongAfterItsSigningTimeIsNamed) {
  // Checkpoints that claim to be two hours older than their tokens.
  const Chain backdated = Build(tsa_, now_ + (-2 * 3600 * kMicrosPerSecond));
  const AuditVerifyResult r = Verify(backdated, tsa_, Later(2));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 5);
  EXPECT_NE(r.problem.find("more than 3600 s later"), std::string::npos) << r.problem;
  EXPECT_TRUE(Verify(backdated, tsa_, Later(2), 3 * 3600).ok) << "within a bound the verifier chose";
}

TEST_F(AuditTimestampTest, ATokenFromAnotherAuthorityIsNamed) {
  testing::TestTsa other;
  const AuditVerifyResult r = Verify(c_, other, Later(2));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 6);
  EXPECT_NE(r.problem.find("trust anchors"), std::string::npos) << r.problem;
}

}  // namespace
}  // namespace cl
