// The verifier on hand-built chains: every kind of tampering is named with
// the first bad sequence number.
#include <gtest/gtest.h>

#include "core/audit_log.h"
#include "core/audit_verify.h"
#include "crypto/crypto.h"

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

AuditCheckpoint Sign(const Chain& c, int64_t seq, const crypto::Ed25519KeyPair& kp) {
  AuditCheckpoint cp;
  cp.seq = seq;
  cp.hash = c.events[static_cast<size_t>(seq - 1)].hash;
  cp.signed_at = Timestamp{1000};
  cp.key_id = KeyIdFor(kp.public_key);
  cp.signature = crypto::Ed25519Sign(kp.secret_key, CheckpointMessage(cp));
  return cp;
}

// 10 events, checkpoints at 5 and 10.
Chain Build() {
  Chain c;
  for (int i = 1; i <= 10; ++i) {
    c.events.push_back({i, {}, CanonicalJson({{"seq", i}, {"action", "test.event"}})});
  }
  Rehash(c, 0);
  c.keys.push_back({KeyIdFor(c.kp.public_key), c.kp.public_key, Timestamp{0}});
  c.checkpoints = {Sign(c, 5, c.kp), Sign(c, 10, c.kp)};
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
  c.checkpoints = {Sign(c, 10, c.kp), Sign(c, kAuditCheckpointEvery, c.kp)};
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
  c.checkpoints[1] = Sign(c, 10, attacker);
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

TEST(AuditVerifyTest, CheckpointMessageIsCanonicalAndStable) {
  AuditCheckpoint cp;
  cp.seq = 3;
  cp.signed_at = Timestamp{0};
  cp.key_id = "ed25519:abc";
  EXPECT_EQ(CheckpointMessage(cp),
            "{\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\","
            "\"key_id\":\"ed25519:abc\",\"seq\":3,\"signed_at\":\"1970-01-01T00:00:00.000000Z\","
            "\"type\":\"changeledger.audit.checkpoint.v1\"}");
}

TEST(AuditVerifyTest, CanonicalJsonSortsKeysWithoutWhitespace) {
  EXPECT_EQ(CanonicalJson({{"b", 1}, {"a", {{"d", "x"}, {"c", nullptr}}}}),
            "{\"a\":{\"c\":null,\"d\":\"x\"},\"b\":1}");
  EXPECT_EQ(CanonicalJson("é\n\"\\"), "\"é\\n\\\"\\\\\"");
}

}  // namespace
}  // namespace cl
