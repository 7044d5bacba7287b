// The verifier on hand-built chains: every kind of tampering is named with
// the first bad sequence number.
#include <gtest/gtest.h>

#include <chrono>

#include "core/audit_log.h"
#include "core/audit_verify.h"
#include "core/clock.h"
#include "crypto/crypto.h"
#include "crypto/merkle.h"
#include "tests/support/tsa.h"

namespace cl {
namespace {

struct Chain {
  std::vector<StoredAuditEvent> events;
  std::vector<AuditCheckpoint> checkpoints;
  std::vector<AuditKey> keys;
  crypto::Ed25519KeyPair kp = crypto::GenerateEd25519KeyPair();
};

crypto::Sha256Digest Link(const crypto::Sha256Digest& prev, const std::string& body) {
  crypto::Sha256Hasher h;
  return h.Hash2(prev, body);
}

void Rehash(Chain& c, size_t from) {
  crypto::Sha256Digest prev{};
  if (from > 0) prev = c.events[from - 1].hash;
  for (size_t i = from; i < c.events.size(); ++i) {
    c.events[i].hash = Link(prev, c.events[i].body);
    prev = c.events[i].hash;
  }
}

// A checkpoint as the writer signs it (version 2): the chain head, the
// Merkle root over event hashes 1..seq, and the previous checkpoint's digest.
AuditCheckpoint Sign(const Chain& c, int64_t seq, const crypto::Ed25519KeyPair& kp,
                     const AuditCheckpoint* prev = nullptr, Timestamp at = {}) {
  AuditCheckpoint cp;
  cp.version = 2;
  cp.seq = seq;
  cp.hash = c.events[static_cast<size_t>(seq - 1)].hash;
  crypto::MerkleFrontier tree;
  for (int64_t i = 0; i < seq; ++i) tree.Append(EventLeafHash(c.events[static_cast<size_t>(i)].hash));
  cp.root = tree.Root();
  if (prev != nullptr) cp.prev = CheckpointDigest(*prev);
  cp.signed_at = at.micros != 0 ? at : Timestamp{1000 + seq};
  cp.key_id = KeyIdFor(kp.public_key);
  cp.signature = crypto::Ed25519Sign(kp.secret_key, CheckpointMessage(cp));
  return cp;
}

void Resign(AuditCheckpoint& cp, const crypto::Ed25519KeyPair& kp) {
  cp.key_id = KeyIdFor(kp.public_key);
  cp.signature = crypto::Ed25519Sign(kp.secret_key, CheckpointMessage(cp));
}

// 10 events, checkpoints at 5 and 10.
Chain Build() {
  Chain c;
  for (int i = 1; i <= 10; ++i) {
    c.events.push_back({i, {}, CanonicalJson({{"seq", i}, {"action", "test.event"}})});
  }
  Rehash(c, 0);
  c.keys.push_back({KeyIdFor(c.kp.public_key), c.kp.public_key, Timestamp{0}});
  c.checkpoints = {Sign(c, 5, c.kp)};
  c.checkpoints.push_back(Sign(c, 10, c.kp, &c.checkpoints[0]));
  return c;
}

AuditVerifyResult Verify(const Chain& c) {
  AuditVerifier v(c.keys, c.checkpoints);
  for (const auto& e : c.events) {
    if (!v.Add(e.seq, e.hash, e.body)) break;
  }
  return v.Finish();
}

TEST(AuditVerifyTest, IntactChainVerifies) {
  const AuditVerifyResult r = Verify(Build());
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.events_checked, 10);
  EXPECT_EQ(r.checkpoints_verified, 2);
  EXPECT_EQ(r.head_seq, 10);
  EXPECT_EQ(r.last_signed_seq, 10);
}

// The checkpoint at every kAuditCheckpointEvery-th event is written with
// that event, so its absence is tampering; a chain shorter than that needs none.
TEST(AuditVerifyTest, AMissingCheckpointAtTheFixedCadenceIsNamed) {
  Chain c;
  for (int64_t i = 1; i <= kAuditCheckpointEvery + 5; ++i) {
    c.events.push_back({i, {}, CanonicalJson({{"seq", i}, {"action", "test.event"}})});
  }
  Rehash(c, 0);
  c.keys.push_back({KeyIdFor(c.kp.public_key), c.kp.public_key, Timestamp{0}});
  c.checkpoints = {Sign(c, 10, c.kp)};
  c.checkpoints.push_back(Sign(c, kAuditCheckpointEvery, c.kp, &c.checkpoints[0]));
  EXPECT_TRUE(Verify(c).ok) << Verify(c).problem;
  c.checkpoints.pop_back();
  const AuditVerifyResult r = Verify(c);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, kAuditCheckpointEvery) << r.problem;
  EXPECT_NE(r.problem.find("since seq 11"), std::string::npos) << r.problem;
}

TEST(AuditVerifyTest, AReplacedKeyIsNamedEvenWhenNoCheckpointUsesIt) {
  Chain c = Build();
  const crypto::Ed25519KeyPair other = crypto::GenerateEd25519KeyPair();
  c.keys.push_back({KeyIdFor(c.kp.public_key) + "x", other.public_key, Timestamp{0}});
  const AuditVerifyResult r = Verify(c);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("replaced"), std::string::npos) << r.problem;
}

TEST(AuditVerifyTest, AlteredBodyIsNamed) {
  Chain c = Build();
  c.events[6].body = CanonicalJson({{"seq", 7}, {"action", "test.forged"}});
  const AuditVerifyResult r = Verify(c);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 7);
}

TEST(AuditVerifyTest, DeletedEventIsNamed) {
  Chain c = Build();
  c.events.erase(c.events.begin() + 3);
  const AuditVerifyResult r = Verify(c);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 4);
  EXPECT_NE(r.problem.find("missing"), std::string::npos);
}

TEST(AuditVerifyTest, SwappedEventsAreNamed) {
  Chain c = Build();
  std::swap(c.events[2].body, c.events[3].body);
  std::swap(c.events[2].hash, c.events[3].hash);
  const AuditVerifyResult r = Verify(c);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 3);
}

TEST(AuditVerifyTest, TruncationBeforeASignedCheckpointIsNamed) {
  Chain c = Build();
  c.events.resize(7);
  const AuditVerifyResult r = Verify(c);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 8);
  EXPECT_NE(r.problem.find("truncated"), std::string::npos);
}

TEST(AuditVerifyTest, RewrittenChainWithRecomputedHashesFailsTheCheckpoint) {
  Chain c = Build();
  c.events[6].body = CanonicalJson({{"seq", 7}, {"action", "test.forged"}});
  Rehash(c, 6);  // the attacker knows the algorithm but not the signing key
  const AuditVerifyResult r = Verify(c);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 6) << "tampering lies after the last good checkpoint (5)";
  EXPECT_NE(r.problem.find("rewritten"), std::string::npos);
}

TEST(AuditVerifyTest, CheckpointFromAnUntrustedKeyFails) {
  Chain c = Build();
  const auto attacker = crypto::GenerateEd25519KeyPair();
  c.checkpoints[1] = Sign(c, 10, attacker, &c.checkpoints[0]);
  const AuditVerifyResult r = Verify(c);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 10);
}

TEST(AuditVerifyTest, ForgedSignatureFails) {
  Chain c = Build();
  c.checkpoints[0].signature[5] ^= 1;
  const AuditVerifyResult r = Verify(c);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 5);
}

TEST(AuditVerifyTest, UnsignedTailIsReportedButValid) {
  Chain c = Build();
  c.checkpoints.pop_back();
  const AuditVerifyResult r = Verify(c);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.last_signed_seq, 5);
  EXPECT_EQ(r.head_seq, 10);
}

AuditVerifyResult VerifyWithWitness(const Chain& c, const std::vector<AuditCheckpoint>& witnessed) {
  AuditVerifier v(c.keys, c.checkpoints);
  for (const auto& cp : witnessed) {
    if (!v.AddWitnessed(cp, "w.jsonl")) return v.Finish();
  }
  for (const auto& e : c.events) {
    if (!v.Add(e.seq, e.hash, e.body)) break;
  }
  return v.Finish();
}

TEST(AuditVerifyTest, TheHeadCarriesTheMerkleRootTheCheckpointSigns) {
  const Chain c = Build();
  const AuditVerifyResult r = Verify(c);
  ASSERT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.head_root, c.checkpoints[1].root);
}

// Checkpoints chain: one deleted between two others (say, the one signing a
// rewritten stretch) leaves the next naming a checkpoint that is gone.
TEST(AuditVerifyTest, ACheckpointDeletedFromTheMiddleBreaksTheCheckpointChain) {
  Chain c = Build();
  c.checkpoints.insert(c.checkpoints.begin(), Sign(c, 3, c.kp));
  c.checkpoints[1] = Sign(c, 5, c.kp, &c.checkpoints[0]);
  c.checkpoints[2] = Sign(c, 10, c.kp, &c.checkpoints[1]);
  ASSERT_TRUE(Verify(c).ok) << Verify(c).problem;
  c.checkpoints.erase(c.checkpoints.begin() + 1);
  const AuditVerifyResult r = Verify(c);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 4) << r.problem;
  EXPECT_NE(r.problem.find("does not name the checkpoint before it"), std::string::npos) << r.problem;
}

TEST(AuditVerifyTest, AVersion1CheckpointAfterVersion2IsRefused) {
  Chain c = Build();
  AuditCheckpoint v1;
  v1.seq = 10;
  v1.hash = c.events[9].hash;
  v1.signed_at = Timestamp{5};
  Resign(v1, c.kp);
  c.checkpoints[1] = v1;
  const AuditVerifyResult r = Verify(c);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 10);
  EXPECT_NE(r.problem.find("version 1 after version 2"), std::string::npos) << r.problem;
}

TEST(AuditVerifyTest, ASignedRootThatDoesNotMatchTheEventsFails) {
  Chain c = Build();
  c.checkpoints[1].root[0] ^= 1;
  Resign(c.checkpoints[1], c.kp);
  const AuditVerifyResult r = Verify(c);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("Merkle root"), std::string::npos) << r.problem;
}

// Deleting the newest checkpoints (and cutting or rewriting the events they
// sign) leaves a log consistent in itself: only a witness shows it.
TEST(AuditVerifyTest, ACheckpointTheWitnessHoldsButTheLogLacksIsNamed) {
  Chain c = Build();
  const std::vector<AuditCheckpoint> witnessed = c.checkpoints;
  c.checkpoints.pop_back();
  c.events.resize(8);
  ASSERT_TRUE(Verify(c).ok) << "without the witness the cut is invisible";
  const AuditVerifyResult r = VerifyWithWitness(c, witnessed);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 10);
  EXPECT_NE(r.problem.find("witness w.jsonl"), std::string::npos) << r.problem;
  EXPECT_EQ(VerifyWithWitness(Build(), Build().checkpoints).ok, false) << "a different key signs each Build()";
}

// With the signing key replaced by the attacker's (and trusted because it
// sits in the database), a re-signed rewrite passes; the witness holds the
// checkpoint the honest key signed.
TEST(AuditVerifyTest, ALogSignedAgainContradictsItsWitness) {
  Chain c = Build();
  const std::vector<AuditCheckpoint> witnessed = c.checkpoints;
  ASSERT_EQ(VerifyWithWitness(c, witnessed).witnessed_checkpoints, 2);
  const auto attacker = crypto::GenerateEd25519KeyPair();
  c.keys.push_back({KeyIdFor(attacker.public_key), attacker.public_key, Timestamp{0}});
  c.events[6].body = CanonicalJson({{"seq", 7}, {"action", "test.forged"}});
  Rehash(c, 6);
  c.checkpoints[1] = Sign(c, 10, attacker, &c.checkpoints[0]);
  ASSERT_TRUE(Verify(c).ok) << "unpinned and unwitnessed, the re-signed log passes";
  const AuditVerifyResult r = VerifyWithWitness(c, witnessed);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 10);
  EXPECT_NE(r.problem.find("differs from the one witness"), std::string::npos) << r.problem;
}

TEST(AuditVerifyTest, AWitnessEntryWithABadSignatureFails) {
  Chain c = Build();
  std::vector<AuditCheckpoint> witnessed = c.checkpoints;
  witnessed[0].signature[3] ^= 1;
  const AuditVerifyResult r = VerifyWithWitness(c, witnessed);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("invalid signature"), std::string::npos) << r.problem;
}

TEST(AuditVerifyTest, AnExpectedHeadMustStillBeInTheLog) {
  const Chain c = Build();
  const auto run = [&](const Chain& chain, int64_t seq, const crypto::Sha256Digest& hash) {
    AuditVerifier v(chain.keys, chain.checkpoints);
    v.ExpectHash(seq, hash);
    for (const auto& e : chain.events) v.Add(e.seq, e.hash, e.body);
    return v.Finish();
  };
  EXPECT_TRUE(run(c, 7, c.events[6].hash).ok);
  crypto::Sha256Digest other = c.events[6].hash;
  other[0] ^= 1;
  AuditVerifyResult r = run(c, 7, other);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 7);
  Chain cut = c;
  cut.events.resize(4);
  cut.checkpoints.clear();
  r = run(cut, 7, c.events[6].hash);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("truncated"), std::string::npos) << r.problem;
}

TEST(AuditVerifyTest, CheckpointJsonRoundTripsAndRefusesBadFields) {
  const Chain c = Build();
  for (const AuditCheckpoint& cp : c.checkpoints) {
    auto back = ParseCheckpointJson(CheckpointJson(cp));
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(CheckpointMessage(*back), CheckpointMessage(cp));
    EXPECT_EQ(back->signature, cp.signature);
  }
  nlohmann::json j = CheckpointJson(c.checkpoints[0]);
  for (const char* field : {"seq", "hash", "signed_at", "key_id", "signature", "root", "prev"}) {
    nlohmann::json bad = j;
    bad[field] = 12.5;
    EXPECT_FALSE(ParseCheckpointJson(bad).ok()) << field;
  }
  nlohmann::json other_form = j;
  other_form["signed_at"] = "1970-01-01T00:00:00.001005+00:00";
  EXPECT_FALSE(ParseCheckpointJson(other_form).ok());
  nlohmann::json v3 = j;
  v3["version"] = 3;
  EXPECT_FALSE(ParseCheckpointJson(v3).ok());
}

TEST(AuditVerifyTest, CheckpointMessageIsCanonicalAndStable) {
  AuditCheckpoint cp;
  cp.seq = 3;
  cp.signed_at = Timestamp{0};
  cp.key_id = "ed25519:abc";
  EXPECT_EQ(CheckpointMessage(cp),
            "{\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\","
            "\"key_id\":\"ed25519:abc\",\"seq\":3,\"signed_at\":\"1970-01-01T00:00:00.000000Z\","
            "\"type\":\"changeledger.audit.checkpoint.v1\"}");
  cp.version = 2;
  cp.root[0] = 0xab;
  cp.prev[31] = 0x01;
  EXPECT_EQ(CheckpointMessage(cp),
            "{\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\","
            "\"key_id\":\"ed25519:abc\","
            "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000001\","
            "\"root\":\"ab00000000000000000000000000000000000000000000000000000000000000\","
            "\"seq\":3,\"signed_at\":\"1970-01-01T00:00:00.000000Z\","
            "\"type\":\"changeledger.audit.checkpoint.v2\"}");
}

TEST(AuditVerifyTest, CanonicalJsonSortsKeysWithoutWhitespace) {
  EXPECT_EQ(CanonicalJson({{"b", 1}, {"a", {{"d", "x"}, {"c", nullptr}}}}), "{\"a\":{\"c\":null,\"d\":\"x\"},\"b\":1}");
  EXPECT_EQ(CanonicalJson("é\n\"\\"), "\"é\\n\\\"\\\\\"");
}

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
