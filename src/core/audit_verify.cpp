#include "core/audit_verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>

#include "core/audit_log.h"

namespace cl {

AuditVerifier::AuditVerifier(std::vector<AuditKey> keys,
                             const std::vector<AuditCheckpoint>& checkpoints)
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
  return fmt::format("checkpoint at seq {} is signed by key {}, whose public key does not match its id: the "
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

bool AuditVerifier::Add(int64_t seq, const crypto::Sha256Digest& stored_hash,
                        std::string_view body) {
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
                              : fmt::format("events {} to {} are missing (deleted)", expected,
                                            seq - 1));
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
    Fail(prev_seq_ + 1,
         fmt::format("the log ends at seq {} but a signed checkpoint covers seq {}: events were "
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

AuditVerifyResult VerifyAuditLog(Tx& tx, const AuditVerifyOptions& options) {
  AuditVerifyResult failed;
  failed.ok = false;
  auto keys = tx.Audit().Keys();
  if (!keys.ok()) {
    failed.problem = "cannot read audit keys: " + keys.status().message();
    return failed;
  }
  auto checkpoints = tx.Audit().Checkpoints(0, 0);
  if (!checkpoints.ok()) {
    failed.problem = "cannot read audit checkpoints: " + checkpoints.status().message();
    return failed;
  }
  AuditVerifier verifier(std::move(*keys), *checkpoints);
  if (!options.ApplyTo(verifier)) return verifier.Finish();
  // Two threads share the work. Each event's hash is checked against the
  // stored hash of the event before it (independent checks, so in parallel:
  // together with the sequential checks this equals re-hashing the chain);
  // this thread reads a batch and checks the first part of it, a helper
  // checks the rest, then feeds the batch to the (sequential) verifier:
  // Merkle tree, checkpoints, keys. Only one batch is verified at a time.
  // Batches keep their strings between rounds, so rows are copied without allocating.
  constexpr size_t kBatch = 4096;
  // Of a batch's hashes, the share this thread checks (it also reads the rows).
  constexpr size_t kReaderShare = kBatch * 3 / 8;
  struct Batch {
    std::vector<StoredAuditEvent> events = std::vector<StoredAuditEvent>(kBatch);
    std::vector<uint8_t> matches = std::vector<uint8_t>(kBatch);
    crypto::Sha256Digest before{};  // the stored hash of the event before the first
    size_t size = 0;
  };
  const auto check_hashes = [](crypto::Sha256Hasher& hasher, Batch& b, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      const crypto::Sha256Digest& before = i == 0 ? b.before : b.events[i - 1].hash;
      b.matches[i] = hasher.Hash2(before, b.events[i].body) == b.events[i].hash;
    }
  };
  Batch filling, verifying;
  crypto::Sha256Hasher reader_hasher, helper_hasher;
  std::future<bool> pending;
  bool still_ok = true;
  const auto hand_over = [&] {
    check_hashes(reader_hasher, filling, 0, std::min(kReaderShare, filling.size));
    if (pending.valid()) still_ok = pending.get();
    std::swap(filling, verifying);
    filling.size = 0;
    filling.before = verifying.events[verifying.size - 1].hash;
    pending = std::async(std::launch::async, [&] {
      check_hashes(helper_hasher, verifying, std::min(kReaderShare, verifying.size), verifying.size);
      for (size_t i = 0; i < verifying.size; ++i) {
        const StoredAuditEvent& e = verifying.events[i];
        if (!verifier.AddChecked(e.seq, e.hash, e.body, verifying.matches[i] != 0)) return false;
      }
      return true;
    });
  };
  Status scan = tx.Audit().Scan(1, 0, [&](const StoredAuditEvent& e) {
    StoredAuditEvent& slot = filling.events[filling.size++];
    slot.seq = e.seq;
    slot.hash = e.hash;
    slot.body.assign(e.body);
    if (filling.size == kBatch) hand_over();
    return still_ok;  // stop reading once a problem was found
  });
  if (scan.ok() && still_ok && filling.size > 0) hand_over();
  if (pending.valid()) pending.get();
  if (!scan.ok()) {
    failed.problem = "cannot read audit events: " + scan.message();
    return failed;
  }
  return verifier.Finish();
}

namespace {

// Feeds the log's key registrations to `registry`; a bad one is recorded in
// `failed` (first_bad_seq set).
Status ReadRegistrations(Tx& tx, AuditKeyRegistry& registry, AuditVerifyResult* failed) {
  AuditQuery q;
  q.object_type = "audit_key";
  q.limit = 100000;
  auto registrations = tx.Audit().List(q);
  if (!registrations.ok()) {
    return Status(registrations.status().code(),
                  "cannot read the audit key registrations: " + registrations.status().message());
  }
  for (const StoredAuditEvent& e : *registrations) {
    if (!AuditKeyRegistry::IsRegistration(e.body)) continue;
    if (auto problem = registry.Register(e.seq, e.body)) {
      failed->first_bad_seq = e.seq;
      failed->problem = std::move(*problem);
      break;
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<AuditKeyStatus>> RegisteredAuditKeys(Tx& tx, const std::vector<std::string>& pinned) {
  AuditKeyRegistry registry(pinned);
  AuditVerifyResult failed;
  CL_RETURN_IF_ERROR(ReadRegistrations(tx, registry, &failed));
  if (failed.first_bad_seq) return Status(ErrorCode::kDataLoss, failed.problem);
  return registry.Keys();
}

nlohmann::json AuditVerifyResultJson(const AuditVerifyResult& r, bool pinned) {
  using nlohmann::json;
  json keys = json::array();
  for (const AuditKeyStatus& k : r.keys) {
    keys.push_back({{"key_id", k.key_id},
                    {"registered_seq", k.registered_seq},
                    {"endorsed_by", k.endorsed_by.empty() ? json(nullptr) : json(k.endorsed_by)},
                    {"retired_seq", k.retired_seq ? json(*k.retired_seq) : json(nullptr)},
                    {"pinned", k.pinned},
                    {"first", k.first},
                    {"trusted", k.trusted}});
  }
  return {{"ok", r.ok},
          {"events_checked", r.events_checked},
          {"checkpoints_verified", r.checkpoints_verified},
          {"head_seq", r.head_seq},
          {"head_hash", crypto::ToHex(r.head_hash)},
          {"head_root", crypto::ToHex(r.head_root)},
          {"last_signed_seq", r.last_signed_seq},
          {"witnessed_checkpoints", r.witnessed_checkpoints},
          {"pinned", pinned},
          {"keys", std::move(keys)},
          {"sealed", r.sealed_at ? json{{"exported_at", FormatRfc3339(*r.sealed_at)}, {"key_id", r.sealed_by}}
                                 : json(nullptr)},
          {"timestamps",
           {{"count", r.timestamps},
            {"checked", r.timestamps_checked},
            {"latest_checkpoint_seq", r.timestamped_seq},
            {"latest_time", r.timestamped_at ? json(FormatRfc3339(*r.timestamped_at)) : json(nullptr)}}},
          {"first_bad_seq", r.first_bad_seq ? json(*r.first_bad_seq) : json(nullptr)},
          {"problem", r.ok ? json(nullptr) : json(r.problem)}};
}

Result<AuditVerifyOptions> AuditTrust::Options(Timestamp now) const {
  AuditVerifyOptions o;
  o.pinned_key_ids = pinned_key_ids;
  if (tsa_anchors) {
    o.timestamps.emplace();
    o.timestamps->anchors = *tsa_anchors;
    o.timestamps->now = now;
  }
  if (read_witnesses) {
    CL_ASSIGN_OR_RETURN(o.witnessed, read_witnesses());
  }
  return o;
}

AuditVerifyResult VerifyAuditTail(Tx& tx, const std::vector<std::string>& pinned) {
  AuditVerifyResult failed;
  failed.ok = false;
  auto keys = tx.Audit().Keys();
  auto latest = tx.Audit().LatestCheckpoint();
  if (!keys.ok() || !latest.ok()) {
    failed.problem = "cannot read the audit keys and checkpoints: " +
                     (keys.ok() ? latest.status() : keys.status()).message();
    return failed;
  }
  // The newest checkpoint's key as the log registers it (the few
  // registration events, by index; their hashes are the full check's job,
  // but an endorsement cannot be forged without the endorsing key).
  // Every stored key must be registered as it is stored.
  {
    AuditKeyRegistry registry(pinned);
    if (Status s = ReadRegistrations(tx, registry, &failed); !s.ok()) {
      failed.problem = s.message();
      return failed;
    }
    if (failed.first_bad_seq) return failed;
    if (auto problem = registry.Unregistered(*keys)) {
      failed.problem = std::move(*problem);
      return failed;
    }
    if (*latest) {
      if (auto problem = registry.Problem(**latest)) {
        failed.first_bad_seq = (*latest)->seq;
        failed.problem = std::move(*problem);
        return failed;
      }
    }
  }
  std::vector<AuditCheckpoint> newest;
  if (*latest) newest.push_back(**latest);
  const int64_t signed_seq = *latest ? (*latest)->seq : 0;
  AuditVerifier verifier(std::move(*keys), newest);
  std::optional<Timestamp> first_unsigned, last_unsigned;
  bool time_ok = true;
  bool started = signed_seq <= 1;
  Status scan = tx.Audit().Scan(std::max<int64_t>(signed_seq - 1, 1), 0, [&](const StoredAuditEvent& e) {
    if (!started) {  // the event before the checkpoint's: where the chain resumes
      if (e.seq != signed_seq - 1) {
        failed.first_bad_seq = signed_seq - 1;
        failed.problem = fmt::format("event {} is missing (deleted)", signed_seq - 1);
        return false;
      }
      verifier.StartAfter(e.seq, e.hash);
      started = true;
      return true;
    }
    if (!verifier.Add(e.seq, e.hash, e.body)) return false;
    if (e.seq > signed_seq) {
      const nlohmann::json body = nlohmann::json::parse(e.body, nullptr, false);
      const auto at = body.is_object() && body.contains("time") && body["time"].is_string()
                          ? ParseRfc3339(body["time"].get<std::string>())
                          : std::nullopt;
      if (!at) {
        time_ok = false;
        return false;
      }
      if (!first_unsigned) first_unsigned = at;
      last_unsigned = at;
    }
    return true;
  });
  if (!scan.ok()) {
    failed.problem = "cannot read audit events: " + scan.message();
    return failed;
  }
  if (failed.first_bad_seq) return failed;
  if (!started) {
    failed.first_bad_seq = signed_seq - 1;
    failed.problem = fmt::format("the log ends before seq {}, which a signed checkpoint covers: events were "
                                 "truncated",
                                 signed_seq);
    return failed;
  }
  AuditVerifyResult r = verifier.Finish();
  if (!r.ok) return r;
  if (!time_ok) {
    r.ok = false;
    r.first_bad_seq = signed_seq + 1;
    r.problem = fmt::format("an event after seq {} has no valid time", signed_seq);
    return r;
  }
  if (first_unsigned && last_unsigned->micros - first_unsigned->micros > kMaxUnsignedTailMicros) {
    r.ok = false;
    r.first_bad_seq = signed_seq + 1;
    r.problem = fmt::format(
        "the {} events after the newest checkpoint (seq {}) span {} s, but the server signs within a second "
        "of a write: checkpoints after seq {} were deleted, and those events may have been rewritten",
        r.head_seq - signed_seq, signed_seq, (last_unsigned->micros - first_unsigned->micros) / kMicrosPerSecond,
        signed_seq);
  }
  return r;
}

}  // namespace cl
