// AuditLog appends events to the hash-chained audit log inside the caller's
// write transaction (so an event exists iff its change was committed) and
// writes Ed25519-signed checkpoints over the chain head. Stateless apart
// from its injected clock and signer; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/audit_checkpoint.h"
#include "core/audit_types.h"
#include "core/clock.h"
#include "core/status.h"
#include "core/store.h"

namespace cl {

// Who did it and through what: via is "session", "token", "local" (CLI on
// the database host) or "system" (the server itself, e.g. bootstrap).
struct AuditActor {
  std::string id;
  std::string name;
  std::string via;
  std::string credential_id;  // session or token id, never a secret
};

// The request an event belongs to.
struct AuditContext {
  AuditActor actor;
  std::string request_id;
  std::string client_ip;
};

// What happened. before/after are the object's states (secrets removed) or
// null; the event stores their digests and a field-by-field diff.
struct AuditRecord {
  std::string action;  // "user.create"
  std::string object_type;
  std::string object_id;
  nlohmann::json before = nullptr;
  nlohmann::json after = nullptr;
  nlohmann::json details = nlohmann::json::object();
};

// Signs checkpoints. Implementations hold the private key; thread-safe.
class Signer {
 public:
  virtual ~Signer() = default;
  virtual const std::string& KeyId() const = 0;
  virtual const std::vector<uint8_t>& PublicKey() const = 0;
  virtual std::vector<uint8_t> Sign(std::string_view message) const = 0;
};

// "ed25519:" + first 16 bytes of SHA-256(public key), base64url.
std::string KeyIdFor(const std::vector<uint8_t>& public_key);

// An export's seal over `head_seq` and `head_hash`, signed now by `signer`.
AuditExportSeal SignExportSeal(const Signer& signer, Timestamp now, int64_t head_seq,
                               const crypto::Sha256Digest& head_hash);

// Canonical JSON: sorted keys, no whitespace, UTF-8, integers only.
std::string CanonicalJson(const nlohmann::json& value);

// "sha256:" + hex SHA-256 of the canonical JSON: an event's before_digest
// and after_digest of an object state.
std::string AuditStateDigest(const nlohmann::json& state);

// An event made ready outside the write transaction: everything but its
// sequence number, time and chain hash, already in canonical JSON (the
// costly part), so the single writer only numbers, hashes and stores it.
class PreparedAuditEvent {
 public:
  PreparedAuditEvent() = default;

 private:
  friend class AuditLog;
  std::string prefix_;  // canonical body up to (excluding) ,"seq":
};

class AuditLog {
 public:
  // signer may be null (read-only tools); checkpoint_interval: sign every
  // that many events; it must divide kAuditCheckpointEvery (others are
  // replaced by it), since verification requires those checkpoints.
  AuditLog(const Clock& clock, const Signer* signer, int64_t checkpoint_interval = kAuditCheckpointEvery);

  // Appends one event; returns its sequence number.
  Result<int64_t> Append(Tx& tx, const AuditContext& ctx, const AuditRecord& record) const;
  // The same in two steps: Prepare anywhere (fails on text that is not
  // UTF-8), Append inside the write transaction.
  Result<PreparedAuditEvent> Prepare(const AuditContext& ctx, const AuditRecord& record) const;
  Result<int64_t> Append(Tx& tx, const PreparedAuditEvent& event) const;

  // Signs the head if no checkpoint covers it yet; returns whether it did.
  Result<bool> Checkpoint(Tx& tx) const;

  // Records the signer's public key (once) in the key table and in an
  // audit.key.register event, so verifiers can find and trust it. With
  // `predecessor` (a key rotation) the registration is endorsed by it and
  // retires it: verification refuses its checkpoints after this event.
  Status RegisterSigningKey(Tx& tx, const AuditContext& ctx, const Signer* predecessor = nullptr) const;

  // Seals an export ending at `head_seq` (audit.export.seal event, then the
  // signature): Conflict unless the log holds that event with that hash.
  Result<AuditExportSeal> SealExport(Tx& tx, const AuditContext& ctx, int64_t head_seq,
                                     const crypto::Sha256Digest& head_hash) const;

  const Clock& clock() const { return clock_; }

 private:
  // Signs `head`, chaining to `latest` (the newest checkpoint, read by the caller).
  Status WriteCheckpoint(Tx& tx, const AuditHead& head, const std::optional<AuditCheckpoint>& latest) const;

  const Clock& clock_;
  const Signer* signer_;
  int64_t checkpoint_interval_;
};

}  // namespace cl
