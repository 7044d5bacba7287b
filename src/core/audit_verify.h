// AuditVerifier checks a stream of audit events against the hash chain and
// the signed checkpoints, and names the first bad sequence number. It works
// the same on a live database and on an offline export. Single-threaded:
// feed events in stored order, then call Finish().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/audit_keys.h"
#include "core/audit_timestamps.h"
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
  // The signing keys the log registers, with their trust (when keys were
  // checked against their registrations: RequireRegisteredKeys).
  std::vector<AuditKeyStatus> keys;
  // An export's seal, when it verified: when and by which key the head was vouched for.
  std::optional<Timestamp> sealed_at;
  std::string sealed_by;
  // RFC 3161 time-stamps in the log (audit.timestamp events); checked
  // against an authority's certificate when the verifier brought one.
  int64_t timestamps = 0;
  bool timestamps_checked = false;
  int64_t timestamped_seq = 0;  // the newest time-stamped checkpoint
  std::optional<Timestamp> timestamped_at;
  std::optional<int64_t> first_bad_seq;
  std::string problem;  // one sentence when !ok
};

class AuditVerifier {
 public:
  // `keys` are the public keys trusted to sign checkpoints.
  AuditVerifier(std::vector<AuditKey> keys, const std::vector<AuditCheckpoint>& checkpoints);

  // Trusts a checkpoint only if an audit.key.register event before it
  // registers its key (a rotated key endorsed by the one it replaces), the
  // key is not retired, and, with `pinned` ids, the key is pinned or endorsed
  // from a pinned key. Stored keys the log never registered fail. Call
  // before Add(); from the first event only.
  void RequireRegisteredKeys(std::vector<std::string> pinned);
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
  // Checks every time-stamp token under `policy` and requires the
  // checkpoints to be time-stamped in time. Call before Add(); from the
  // first event only.
  void CheckTimestamps(AuditTimestampPolicy policy) { stamps_ = AuditTimestampChecker(std::move(policy)); }
  // Returns false once a problem has been found; further events are ignored.
  bool Add(int64_t seq, const crypto::Sha256Digest& stored_hash, std::string_view body);
  // The same, with the hash already checked elsewhere: `hash_matches` is
  // whether SHA-256(the stored hash of event seq-1, or the start || body)
  // equals `stored_hash`. For checking hashes in parallel.
  bool AddChecked(int64_t seq, const crypto::Sha256Digest& stored_hash, std::string_view body, bool hash_matches);
  AuditVerifyResult Finish();

 private:
  bool Fail(int64_t seq, std::string problem);
  // Why `cp` cannot be trusted (key unknown or replaced, bad signature), if so.
  const AuditKey* StoredKey(std::string_view key_id) const;
  std::optional<std::string> ReplacedKeyProblem(const AuditCheckpoint& cp) const;
  std::optional<std::string> SignatureProblem(const AuditCheckpoint& cp) const;
  bool CheckCheckpoint(const AuditCheckpoint& cp, const crypto::Sha256Digest& hash);

  std::vector<AuditKey> keys_;
  std::optional<AuditKeyRegistry> registry_;
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
  AuditTimestampChecker stamps_{std::nullopt};
  AuditVerifyResult result_;
};

// The server signs the head within about a second of a write, so events
// after the newest checkpoint that span more than this were left unsigned on
// purpose: checkpoints were deleted (to hide a rewrite of those events).
inline constexpr int64_t kMaxUnsignedTailMicros = 60 * kMicrosPerSecond;

// The newest part of the log, quickly, for a process about to extend it:
// the newest checkpoint (key, signature, the event it signs), the chain from
// there to the head, every key against its id, and how long the unsigned
// tail is; the newest checkpoint's key must be registered in the log (and,
// with `pinned` ids, trusted under them). The whole log is for
// `VerifyAuditLog` (and `audit verify`).
AuditVerifyResult VerifyAuditTail(Tx& tx, const std::vector<std::string>& pinned = {});

// A checkpoint kept outside the database, and where it was kept.
struct WitnessedCheckpoint {
  AuditCheckpoint checkpoint;
  std::string source;  // a file name or URL, for the report
};

// What a verifier brings from outside the database.
struct AuditVerifyOptions {
  // Key ids trusted from outside the database; empty: the log's first key
  // (trust on first use) and the keys registered after it.
  std::vector<std::string> pinned_key_ids;
  std::vector<WitnessedCheckpoint> witnessed;
  std::optional<std::pair<int64_t, crypto::Sha256Digest>> expected_hash;  // a head kept earlier
  std::optional<AuditTimestampPolicy> timestamps;                         // a time-stamp authority's certificate

  // Hands the pins, the witnesses, the expected head and the time-stamp
  // policy to `v` (and makes it
  // check keys against their registrations); false if a witness already fails.
  bool ApplyTo(AuditVerifier& v) const;
};

// What a server knows about its log from outside the database: the key ids
// its configuration pins and the witnesses it publishes to (read back for
// each verification). The API's verification uses both, as the CLI does.
struct AuditTrust {
  std::vector<std::string> pinned_key_ids;
  std::function<Result<std::vector<WitnessedCheckpoint>>()> read_witnesses;  // may be empty
  // The certificate of the time-stamp authority it asks (--audit-tsa-ca).
  std::optional<crypto::TimestampAnchors> tsa_anchors;
  // The options for verifying the whole log at `now` (reads the witnesses).
  Result<AuditVerifyOptions> Options(Timestamp now) const;
};

// The keys the log registers (audit.key.register events, found by index),
// with their trust under `pinned`; an error if a registration is bad.
Result<std::vector<AuditKeyStatus>> RegisteredAuditKeys(Tx& tx, const std::vector<std::string>& pinned);

// The result as the API and `audit verify -o json` report it (one shape,
// so the two agree); `pinned`: keys were pinned from outside.
nlohmann::json AuditVerifyResultJson(const AuditVerifyResult& r, bool pinned);

// Verifies the whole log in `tx` against its stored keys and checkpoints and
// what `options` brings from outside.
AuditVerifyResult VerifyAuditLog(Tx& tx, const AuditVerifyOptions& options = {});

}  // namespace cl
