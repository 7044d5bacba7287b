#include "core/audit_verify.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/audit_log.h"

namespace cl {

AuditVerifier::AuditVerifier(std::vector<AuditKey> keys, const std::vector<AuditCheckpoint>& checkpoints)
    : keys_(std::move(keys)) {
  for (const AuditCheckpoint& cp : checkpoints) checkpoints_[cp.seq] = cp;
}

bool AuditVerifier::Fail(int64_t seq, std::string problem) {
  result_.ok = false;
  result_.first_bad_seq = seq;
  result_.problem = std::move(problem);
  return false;
}

const AuditKey* AuditVerifier::StoredKey(std::string_view key_id) const {
  for (const AuditKey& k : keys_) {
    if (k.key_id == key_id) return &k;
  }
  return nullptr;
}

std::optional<std::string> AuditVerifier::ReplacedKeyProblem(const AuditCheckpoint& cp) const {
  const AuditKey* key = StoredKey(cp.key_id);
  if (key == nullptr || KeyIdFor(key->public_key) == key->key_id) return std::nullopt;
  return fmt::format(
      "checkpoint at seq {} is signed by key {}, whose public key does not match its id: the "
      "key was replaced",
      cp.seq, cp.key_id);
}

std::optional<std::string> AuditVerifier::SignatureProblem(const AuditCheckpoint& cp) const {
  const AuditKey* key = StoredKey(cp.key_id);
  if (key == nullptr) {
    return fmt::format("checkpoint at seq {} is signed by key {}, which is not trusted", cp.seq, cp.key_id);
  }
  if (auto replaced = ReplacedKeyProblem(cp)) return replaced;
  if (!crypto::Ed25519Verify(key->public_key, CheckpointMessage(cp), cp.signature)) {
    return fmt::format("checkpoint at seq {} has an invalid signature", cp.seq);
  }
  return std::nullopt;
}

void AuditVerifier::RequireRegisteredKeys(std::vector<std::string> pinned) { registry_.emplace(std::move(pinned)); }

bool AuditVerifier::CheckCheckpoint(const AuditCheckpoint& cp, const crypto::Sha256Digest& hash) {
  // A stored key that no longer matches its id is named as replaced first,
  // whichever way the signature is then checked.
  auto problem = ReplacedKeyProblem(cp);
  if (!problem) problem = registry_ && from_start_ ? registry_->Problem(cp) : SignatureProblem(cp);
  if (problem) return Fail(cp.seq, std::move(*problem));
  if (cp.hash != hash) {
    // The chain is internally consistent but differs from what was signed:
    // somebody rewrote events and recomputed the hashes after them.
    return Fail(last_good_checkpoint_ + 1,
                fmt::format("events between seq {} and {} were rewritten: the chain no longer "
                            "matches the signed checkpoint at seq {}",
                            last_good_checkpoint_ + 1, cp.seq, cp.seq));
  }
  if (cp.version < 2 && seen_v2_) {
    return Fail(cp.seq, fmt::format("checkpoint at seq {} is version 1 after version 2 checkpoints", cp.seq));
  }
  if (cp.version >= 2 && from_start_) {
    if (cp.prev != prev_checkpoint_) {
      return Fail(last_good_checkpoint_ + 1,
                  fmt::format("checkpoint at seq {} does not name the checkpoint before it (seq {}): checkpoints "
                              "between them were deleted or replaced",
                              cp.seq, last_good_checkpoint_));
    }
    if (cp.root != tree_.Root()) {
      return Fail(1, fmt::format("the Merkle root signed at seq {} does not match the events up to it", cp.seq));
    }
  }
  seen_v2_ = seen_v2_ || cp.version >= 2;
  prev_checkpoint_ = CheckpointDigest(cp);
  last_good_checkpoint_ = cp.seq;
  ++result_.checkpoints_verified;
  return true;
}

bool AuditVerifier::AddWitnessed(const AuditCheckpoint& cp, std::string_view source) {
  if (!result_.ok) return false;
  if (auto problem = SignatureProblem(cp)) {
    return Fail(cp.seq, fmt::format("witness {}: {}", source, *problem));
  }
  auto it = checkpoints_.find(cp.seq);
  if (it == checkpoints_.end()) {
    return Fail(cp.seq, fmt::format("the log has no checkpoint at seq {}, but witness {} holds one signed at {}: "
                                    "checkpoints were deleted, and events up to seq {} may have been rewritten "
                                    "or cut",
                                    cp.seq, source, FormatRfc3339(cp.signed_at), cp.seq));
  }
  if (CheckpointMessage(it->second) != CheckpointMessage(cp)) {
    return Fail(cp.seq, fmt::format("the checkpoint at seq {} differs from the one witness {} holds: the log was "
                                    "rewritten and signed again",
                                    cp.seq, source));
  }
  ++result_.witnessed_checkpoints;
  return true;
}

void AuditVerifier::ExpectHash(int64_t seq, const crypto::Sha256Digest& hash) { expected_.emplace(seq, hash); }

void AuditVerifier::StartAfter(int64_t seq, const crypto::Sha256Digest& hash) {
  prev_seq_ = seq;
  prev_ = hash;
  last_good_checkpoint_ = seq;
  from_start_ = false;
}

bool AuditVerifier::Add(int64_t seq, const crypto::Sha256Digest& stored_hash, std::string_view body) {
  if (!result_.ok) return false;
  return AddChecked(seq, stored_hash, body, hasher_.Hash2(prev_, body) == stored_hash);
}

bool AuditVerifier::AddChecked(int64_t seq, const crypto::Sha256Digest& stored_hash, std::string_view body,
                               bool hash_matches) {
  if (!result_.ok) return false;
  const int64_t expected = prev_seq_ + 1;
  if (seq > expected) {
    return Fail(expected, seq == expected + 1
                              ? fmt::format("event {} is missing (deleted)", expected)
                              : fmt::format("events {} to {} are missing (deleted)", expected, seq - 1));
  }
  if (seq < expected) {
    return Fail(seq, fmt::format("event {} appears out of order after event {}", seq, prev_seq_));
  }
  if (!hash_matches) {
    return Fail(seq, fmt::format("event {} does not match its hash (altered, or moved from "
                                 "another position)",
                                 seq));
  }
  const crypto::Sha256Digest& computed = stored_hash;  // equal: it matched
  if (expected_ && expected_->first == seq && expected_->second != computed) {
    return Fail(seq, fmt::format("event {} has hash {}, not the expected {}: the log was rewritten since that "
                                 "head was recorded",
                                 seq, crypto::ToHex(computed), crypto::ToHex(expected_->second)));
  }
  if (from_start_) tree_.Append(EventLeafHash(computed));
  if (registry_ && from_start_ && AuditKeyRegistry::IsRegistration(body)) {
    if (auto problem = registry_->Register(seq, body)) return Fail(seq, std::move(*problem));
  }
  const bool is_stamp = AuditTimestampChecker::IsTimestamp(body);
  if (is_stamp && from_start_) {
    if (auto problem = stamps_.Add(seq, body, checkpoints_)) return Fail(seq, std::move(*problem));
  }
  auto it = checkpoints_.find(seq);
  stamps_.NoteEvent(seq, is_stamp, it != checkpoints_.end());
  if (it != checkpoints_.end()) {
    if (!CheckCheckpoint(it->second, computed)) return false;
  } else if (seq % kAuditCheckpointEvery == 0) {
    // Written in the same transaction as this event, so never legitimately
    // absent: the checkpoints from here on were deleted, which is how a
    // rewrite of the events before would be hidden.
    return Fail(seq, fmt::format("the checkpoint signing seq {} is missing (deleted): every {}th event is "
                                 "signed as it is written, so events since seq {} may have been rewritten",
                                 seq, kAuditCheckpointEvery, last_good_checkpoint_ + 1));
  }
  prev_ = computed;
  prev_seq_ = seq;
  ++result_.events_checked;
  return true;
}

AuditVerifyResult AuditVerifier::Finish() {
  if (result_.ok && !checkpoints_.empty() && checkpoints_.rbegin()->first > prev_seq_) {
    Fail(prev_seq_ + 1, fmt::format("the log ends at seq {} but a signed checkpoint covers seq {}: events were "
                                    "truncated",
                                    prev_seq_, checkpoints_.rbegin()->first));
  }
  if (result_.ok && expected_ && expected_->first > prev_seq_) {
    Fail(prev_seq_ + 1, fmt::format("the log ends at seq {}, before the expected head at seq {}: events were "
                                    "truncated",
                                    prev_seq_, expected_->first));
  }
  // A key that no longer matches its id was replaced in place, whether or
  // not a checkpoint the verifier saw uses it.
  for (const AuditKey& k : keys_) {
    if (result_.ok && KeyIdFor(k.public_key) != k.key_id) {
      result_.ok = false;
      result_.problem = fmt::format("audit key {} does not match its public key: the key was replaced", k.key_id);
    }
  }
  if (registry_ && from_start_) {
    if (result_.ok) {
      if (auto problem = registry_->Unregistered(keys_)) {
        result_.ok = false;
        result_.problem = std::move(*problem);
      }
    }
    result_.keys = registry_->Keys();
  }
  if (from_start_) {
    if (result_.ok) {
      if (auto uncovered = stamps_.Uncovered(checkpoints_)) Fail(uncovered->first, std::move(uncovered->second));
    }
    result_.timestamps = stamps_.count();
    result_.timestamps_checked = stamps_.checking();
    result_.timestamped_seq = stamps_.latest_seq();
    result_.timestamped_at = stamps_.latest_time();
  }
  result_.head_seq = prev_seq_;
  result_.head_hash = prev_;
  result_.last_signed_seq = last_good_checkpoint_;
  if (from_start_) result_.head_root = tree_.Root();
  return result_;
}

bool AuditVerifyOptions::ApplyTo(AuditVerifier& v) const {
  v.RequireRegisteredKeys(pinned_key_ids);
  if (expected_hash) v.ExpectHash(expected_hash->first, expected_hash->second);
  if (timestamps) v.CheckTimestamps(*timestamps);
  for (const WitnessedCheckpoint& w : witnessed) {
    if (!v.AddWitnessed(w.checkpoint, w.source)) return false;
  }
  return true;
}

}  // namespace cl
