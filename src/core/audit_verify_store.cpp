// Verifying the log a Store holds: the whole log (hashes checked on two
// threads), the newest part a writer checks at start-up, the registered keys,
// and the result as JSON. The checks themselves are AuditVerifier's
// (audit_verify.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <future>

#include "core/audit_log.h"
#include "core/audit_verify.h"

namespace cl {

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
          {"sealed",
           r.sealed_at ? json{{"exported_at", FormatRfc3339(*r.sealed_at)}, {"key_id", r.sealed_by}} : json(nullptr)},
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
    failed.problem =
        "cannot read the audit keys and checkpoints: " + (keys.ok() ? latest.status() : keys.status()).message();
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
    failed.problem = fmt::format(
        "the log ends before seq {}, which a signed checkpoint covers: events were "
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
