// AuditVerifier checks a stream of audit events against the hash chain and
// the signed checkpoints, and names the first bad sequence number. It works
// the same on a live database and on an offline export. Single-threaded:
// feed events in stored order, then call Finish().
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/audit_types.h"
#include "core/store.h"
#include "crypto/crypto.h"
#include "crypto/merkle.h"

namespace cl {

struct AuditVerifyResult {
  bool ok = true;
  int64_t events_checked = 0;
  int64_t checkpoints_verified = 0;
  int64_t head_seq = 0;
  crypto::Sha256Digest head_hash{};
  int64_t last_signed_seq = 0;  // events after it are covered by the chain only
  // RFC 9162 Merkle tree head over event hashes 1..head_seq (verification
  // from the first event only).
  crypto::Sha256Digest head_root{};
  int64_t witnessed_checkpoints = 0;  // matched against a witness
  std::optional<int64_t> first_bad_seq;
  std::string problem;  // one sentence when !ok
};

class AuditVerifier {
 public:
  // `keys` are the public keys trusted to sign checkpoints.
  AuditVerifier(std::vector<AuditKey> keys, const std::vector<AuditCheckpoint>& checkpoints);

  // Starts the chain after `seq` with `hash` (its stored hash, taken as
  // given) instead of at the beginning: for checking only the newest part.
  // Merkle roots and the checkpoint chain are then not checked.
  void StartAfter(int64_t seq, const crypto::Sha256Digest& hash);
  // A checkpoint held outside the database (a witness, named `source`):
  // it must verify with a trusted key, and the log must hold the same
  // checkpoint. Call before Add(); false once a problem has been found.
  bool AddWitnessed(const AuditCheckpoint& cp, std::string_view source);
  // The log must contain event `seq` with chain hash `hash` (a head an
  // auditor kept). Call before Add().
  void ExpectHash(int64_t seq, const crypto::Sha256Digest& hash);
  // Returns false once a problem has been found; further events are ignored.
  bool Add(int64_t seq, const crypto::Sha256Digest& stored_hash, std::string_view body);
  AuditVerifyResult Finish();

 private:
  bool Fail(int64_t seq, std::string problem);
  // Why `cp` cannot be trusted (key unknown or replaced, bad signature), if so.
  std::optional<std::string> SignatureProblem(const AuditCheckpoint& cp) const;
  bool CheckCheckpoint(const AuditCheckpoint& cp, const crypto::Sha256Digest& hash);

  std::vector<AuditKey> keys_;
  std::map<int64_t, AuditCheckpoint> checkpoints_;
  crypto::Sha256Hasher hasher_;
  crypto::Sha256Digest prev_{};
  int64_t prev_seq_ = 0;
  int64_t last_good_checkpoint_ = 0;
  bool from_start_ = true;  // Merkle tree and checkpoint chain are known
  crypto::MerkleFrontier tree_;
  crypto::Sha256Digest prev_checkpoint_{};  // digest of the last checkpoint checked
  bool seen_v2_ = false;
  std::optional<std::pair<int64_t, crypto::Sha256Digest>> expected_;
  AuditVerifyResult result_;
};

// The server signs the head within about a second of a write, so events
// after the newest checkpoint that span more than this were left unsigned on
// purpose: checkpoints were deleted (to hide a rewrite of those events).
inline constexpr int64_t kMaxUnsignedTailMicros = 60 * kMicrosPerSecond;

// The newest part of the log, quickly, for a process about to extend it:
// the newest checkpoint (key, signature, the event it signs), the chain from
// there to the head, every key against its id, and how long the unsigned
// tail is. The whole log is for `VerifyAuditLog` (and `audit verify`).
AuditVerifyResult VerifyAuditTail(Tx& tx);

// A checkpoint kept outside the database, and where it was kept.
struct WitnessedCheckpoint {
  AuditCheckpoint checkpoint;
  std::string source;  // a file name or URL, for the report
};

// What a verifier brings from outside the database.
struct AuditVerifyOptions {
  std::vector<AuditKey> pinned_keys;  // trusted besides (or, with only_pinned, instead of) stored keys
  bool only_pinned = false;
  std::vector<WitnessedCheckpoint> witnessed;
  std::optional<std::pair<int64_t, crypto::Sha256Digest>> expected_hash;  // a head kept earlier

  // Hands the witnesses and the expected head to `v`; false if a witness
  // already fails.
  bool ApplyTo(AuditVerifier& v) const;
};

// Verifies the whole log in `tx` against its stored keys and checkpoints and
// what `options` brings from outside.
AuditVerifyResult VerifyAuditLog(Tx& tx, const AuditVerifyOptions& options = {});

}  // namespace cl
