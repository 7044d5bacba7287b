// The stored shape of the tamper-evident audit log: events chained by
// SHA-256 and signed checkpoints over the chain head. See docs/audit.md for
// the exact bytes hashed and signed. Plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "crypto/crypto.h"

namespace cl {

// One event as stored: its position, chain hash and the canonical JSON body
// (hash_n = SHA-256(hash_{n-1} || body_n), hash_0 = 32 zero bytes).
struct StoredAuditEvent {
  int64_t seq = 0;
  crypto::Sha256Digest hash{};
  std::string body;
};

// Every event whose seq is a multiple of this is signed in the transaction
// that writes it (a writer's own interval must divide it), so verification
// requires a checkpoint at each multiple: deleting the checkpoints after a
// rewrite leaves a gap that is named. The server also signs the head within
// about a second of the last write.
inline constexpr int64_t kAuditCheckpointEvery = 1000;

struct AuditHead {
  int64_t seq = 0;  // 0 for an empty log
  crypto::Sha256Digest hash{};
};

// A signed statement about the log at `seq`. Version 2 (written since
// migration 0008) also signs the RFC 9162 Merkle root over the event hashes
// 1..seq and `prev`, the SHA-256 of the previous checkpoint's message (32
// zero bytes for the first), so checkpoints chain; version 1 signs only the
// chain head and is accepted only before the first version 2.
struct AuditCheckpoint {
  int64_t seq = 0;  // the event whose hash is signed
  crypto::Sha256Digest hash{};
  Timestamp signed_at;
  std::string key_id;
  std::vector<uint8_t> signature;  // Ed25519 over CheckpointMessage()
  int version = 1;
  crypto::Sha256Digest root{};    // v2: Merkle tree head at tree size `seq`
  crypto::Sha256Digest prev{};    // v2: digest of the previous checkpoint
  std::vector<uint8_t> frontier;  // stored only, never signed (MerkleFrontier)
};

struct AuditKey {
  std::string key_id;
  std::vector<uint8_t> public_key;  // Ed25519, 32 bytes
  Timestamp created_at;
};

// Filter for listing events; all fields optional.
struct AuditQuery {
  int64_t after_seq = 0;
  int64_t limit = 100;
  std::string object_type;
  std::string object_id;
  std::string actor_id;
  std::string action;
};

}  // namespace cl
