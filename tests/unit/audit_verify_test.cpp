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
#include "tests/unit/audit_chain_fixture.h"

namespace cl {
namespace {

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

}  // namespace
}  // namespace cl
