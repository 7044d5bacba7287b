// Hand-built audit chains for the verifier's tests: events linked by
// SHA-256, signed checkpoints, and helpers to rewrite a chain as an attacker
// with database access would.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "core/audit_log.h"
#include "core/audit_verify.h"
#include "crypto/crypto.h"
#include "crypto/merkle.h"

namespace cl {

struct Chain {
  std::vector<StoredAuditEvent> events;
  std::vector<AuditCheckpoint> checkpoints;
  std::vector<AuditKey> keys;
  crypto::Ed25519KeyPair kp = crypto::GenerateEd25519KeyPair();
};

inline crypto::Sha256Digest Link(const crypto::Sha256Digest& prev, const std::string& body) {
  crypto::Sha256Hasher h;
  return h.Hash2(prev, body);
}

inline void Rehash(Chain& c, size_t from) {
  crypto::Sha256Digest prev{};
  if (from > 0) prev = c.events[from - 1].hash;
  for (size_t i = from; i < c.events.size(); ++i) {
    c.events[i].hash = Link(prev, c.events[i].body);
    prev = c.events[i].hash;
  }
}

// A checkpoint as the writer signs it (version 2): the chain head, the
// Merkle root over event hashes 1..seq, and the previous checkpoint's digest.
inline AuditCheckpoint Sign(const Chain& c, int64_t seq, const crypto::Ed25519KeyPair& kp,
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

inline void Resign(AuditCheckpoint& cp, const crypto::Ed25519KeyPair& kp) {
  cp.key_id = KeyIdFor(kp.public_key);
  cp.signature = crypto::Ed25519Sign(kp.secret_key, CheckpointMessage(cp));
}

// 10 events, checkpoints at 5 and 10.
inline Chain Build() {
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

inline AuditVerifyResult Verify(const Chain& c) {
  AuditVerifier v(c.keys, c.checkpoints);
  for (const auto& e : c.events) {
    if (!v.Add(e.seq, e.hash, e.body)) break;
  }
  return v.Finish();
}

}  // namespace cl
