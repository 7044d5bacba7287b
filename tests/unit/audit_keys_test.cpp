// The key registry on hand-built registration events: which keys may sign
// checkpoints is decided by the log, and pins narrow it.
#include <gtest/gtest.h>

#include "core/audit_keys.h"
#include "core/audit_log.h"
#include "crypto/crypto.h"

namespace cl {
namespace {

using nlohmann::json;

struct Key {
  crypto::Ed25519KeyPair kp = crypto::GenerateEd25519KeyPair();
  std::string id() const { return KeyIdFor(kp.public_key); }
};

// The body AuditLog::RegisterSigningKey writes, endorsed by `by` when given.
std::string Registration(const Key& k, const Key* by = nullptr, bool replaces = true) {
  json body = {{"action", "audit.key.register"},
               {"actor", "system"},
               {"object", {{"type", "audit_key"}, {"id", k.id()}}},
               {"changes",
                {{"algorithm", {{"from", nullptr}, {"to", "ed25519"}}},
                 {"key_id", {{"from", nullptr}, {"to", k.id()}}},
                 {"public_key", {{"from", nullptr}, {"to", crypto::ToBase64(k.kp.public_key)}}}}},
               {"details", json::object()}};
  if (by != nullptr) {
    const auto sig = crypto::Ed25519Sign(by->kp.secret_key, KeyEndorsementMessage(k.id(), k.kp.public_key));
    body["details"]["endorsement"] = {{"key_id", by->id()}, {"signature", crypto::ToBase64(sig)}};
    if (replaces) body["details"]["replaces"] = by->id();
  }
  return CanonicalJson(body);
}

AuditCheckpoint SignedAt(int64_t seq, const Key& k) {
  AuditCheckpoint cp;
  cp.version = 2;
  cp.seq = seq;
  cp.signed_at = Timestamp{seq};
  cp.key_id = k.id();
  cp.signature = crypto::Ed25519Sign(k.kp.secret_key, CheckpointMessage(cp));
  return cp;
}

TEST(AuditKeysTest, TheRegistrationBodyIsRecognisedByItsPrefix) {
  const Key a;
  EXPECT_TRUE(AuditKeyRegistry::IsRegistration(Registration(a)));
  EXPECT_FALSE(AuditKeyRegistry::IsRegistration(R"({"action":"change.create","actor":"x"})"));
  EXPECT_FALSE(AuditKeyRegistry::IsRegistration(R"({"action":"audit.key.registered",)"));
}

TEST(AuditKeysTest, TheFirstKeyIsTrustedOnFirstUseAndSignsAfterItsRegistration) {
  const Key a;
  AuditKeyRegistry reg;
  ASSERT_FALSE(reg.Register(1, Registration(a)));
  EXPECT_FALSE(reg.Problem(SignedAt(5, a))) << *reg.Problem(SignedAt(5, a));
  ASSERT_EQ(reg.Keys().size(), 1u);
  EXPECT_TRUE(reg.Keys()[0].first);
  EXPECT_TRUE(reg.Keys()[0].trusted);
  EXPECT_EQ(reg.Keys()[0].registered_seq, 1);
}

TEST(AuditKeysTest, AnUnregisteredKeyOrOneUsedBeforeItsRegistrationIsNamed) {
  const Key a, mallory;
  AuditKeyRegistry reg;
  ASSERT_FALSE(reg.Register(3, Registration(a)));
  auto p = reg.Problem(SignedAt(5, mallory));
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("added outside the log"), std::string::npos) << *p;
  p = reg.Problem(SignedAt(2, a));
  ASSERT_TRUE(p) << "a key cannot sign events from before its registration";
  EXPECT_NE(p->find("no audit.key.register event before it"), std::string::npos) << *p;
}

TEST(AuditKeysTest, ARotationRetiresThePredecessor) {
  const Key a, b;
  AuditKeyRegistry reg;
  ASSERT_FALSE(reg.Register(1, Registration(a)));
  ASSERT_FALSE(reg.Register(40, Registration(b, &a)));
  EXPECT_FALSE(reg.Problem(SignedAt(30, a)));
  EXPECT_FALSE(reg.Problem(SignedAt(40, a))) << "the old key may sign the rotation event itself";
  EXPECT_FALSE(reg.Problem(SignedAt(40, b)));
  auto p = reg.Problem(SignedAt(50, a));
  ASSERT_TRUE(p) << "a retired key signing later means its secret is in somebody's hands";
  EXPECT_NE(p->find("replaced at seq 40"), std::string::npos) << *p;
  const auto keys = reg.Keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].retired_seq, 40);
  EXPECT_EQ(keys[1].endorsed_by, a.id());
}

TEST(AuditKeysTest, AnEndorsementThatDoesNotVerifyIsNamed) {
  const Key a, b, mallory;
  AuditKeyRegistry reg;
  ASSERT_FALSE(reg.Register(1, Registration(a)));
  // Mallory signs, but the event names `a` as endorser.
  std::string body = Registration(b, &mallory);
  json j = json::parse(body);
  j["details"]["endorsement"]["key_id"] = a.id();
  j["details"]["replaces"] = a.id();
  auto p = reg.Register(9, CanonicalJson(j));
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("does not verify"), std::string::npos) << *p;
}

TEST(AuditKeysTest, OnlyTheReplacedKeyMayHandOver) {
  const Key a, b, c;
  AuditKeyRegistry reg;
  ASSERT_FALSE(reg.Register(1, Registration(a)));
  ASSERT_FALSE(reg.Register(2, Registration(b, &a, /*replaces=*/false)));
  std::string body = Registration(c, &b);
  json j = json::parse(body);
  j["details"]["replaces"] = a.id();  // b endorses c, claiming to retire a
  auto p = reg.Register(3, CanonicalJson(j));
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("did not endorse it"), std::string::npos) << *p;
}

TEST(AuditKeysTest, ARetiredKeyCannotEndorse) {
  const Key a, b, c;
  AuditKeyRegistry reg;
  ASSERT_FALSE(reg.Register(1, Registration(a)));
  ASSERT_FALSE(reg.Register(2, Registration(b, &a)));
  auto p = reg.Register(3, Registration(c, &a));
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("not a current registered key"), std::string::npos) << *p;
}

TEST(AuditKeysTest, ARegistrationWhoseIdDoesNotMatchItsKeyIsNamed) {
  const Key a, b;
  json j = json::parse(Registration(a));
  j["object"]["id"] = b.id();
  AuditKeyRegistry reg;
  auto p = reg.Register(1, CanonicalJson(j));
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("does not match the id"), std::string::npos) << *p;
  p = reg.Register(1, R"({"action":"audit.key.register","object":{"id":"x"}})");
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("32-byte public key"), std::string::npos) << *p;
  p = reg.Register(1, R"({"action":"audit.key.register",)");
  EXPECT_TRUE(p) << "malformed JSON is a problem, not a crash";
}

TEST(AuditKeysTest, PinsNarrowTrustToThePinnedKeyAndWhatItEndorses) {
  const Key a, b, other;
  AuditKeyRegistry reg({a.id()});
  ASSERT_FALSE(reg.Register(1, Registration(a)));
  ASSERT_FALSE(reg.Register(2, Registration(other)));  // another server's, unendorsed
  ASSERT_FALSE(reg.Register(3, Registration(b, &a)));
  EXPECT_TRUE(reg.pinning());
  EXPECT_FALSE(reg.Problem(SignedAt(3, b)));
  auto p = reg.Problem(SignedAt(4, other));
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("neither pinned nor endorsed"), std::string::npos) << *p;
  const auto keys = reg.Keys();
  EXPECT_TRUE(keys[0].pinned);
  EXPECT_FALSE(keys[1].trusted);
  EXPECT_TRUE(keys[2].trusted);

  // Unpinned, the same log trusts the unendorsed key as the log says.
  AuditKeyRegistry open;
  ASSERT_FALSE(open.Register(1, Registration(a)));
  ASSERT_FALSE(open.Register(2, Registration(other)));
  EXPECT_FALSE(open.Problem(SignedAt(4, other)));
  EXPECT_FALSE(open.Keys()[1].first);
}

TEST(AuditKeysTest, AStoredKeyTheLogNeverRegisteredOrRegisteredDifferentlyIsNamed) {
  const Key a, mallory;
  AuditKeyRegistry reg;
  ASSERT_FALSE(reg.Register(1, Registration(a)));
  EXPECT_FALSE(reg.Unregistered({{a.id(), a.kp.public_key, Timestamp{0}}}));
  auto p = reg.Unregistered({{a.id(), a.kp.public_key, Timestamp{0}}, {mallory.id(), mallory.kp.public_key, {}}});
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("added outside the log"), std::string::npos) << *p;
  p = reg.Unregistered({{a.id(), mallory.kp.public_key, Timestamp{0}}});
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("replaced"), std::string::npos) << *p;
}

TEST(AuditKeysTest, AForgedCheckpointSignatureWithARegisteredKeyIsNamed) {
  const Key a, mallory;
  AuditKeyRegistry reg;
  ASSERT_FALSE(reg.Register(1, Registration(a)));
  AuditCheckpoint cp = SignedAt(5, mallory);
  cp.key_id = a.id();
  auto p = reg.Problem(cp);
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("invalid signature"), std::string::npos) << *p;
}

TEST(AuditKeysTest, TheEndorsementMessageIsCanonicalAndStable) {
  const std::vector<uint8_t> pk(32, 7);
  EXPECT_EQ(KeyEndorsementMessage("k1", pk),
            R"({"key_id":"k1","public_key":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",)"
            R"("type":"changeledger.audit.key.endorsement.v1"})");
}

}  // namespace
}  // namespace cl
