#include "core/audit_log.h"

#include <fmt/format.h>

#include "core/audit_keys.h"
#include "crypto/crypto.h"
#include "crypto/merkle.h"

namespace cl {
namespace {

using nlohmann::json;

json Digest(const json& state) {
  if (state.is_null()) return nullptr;
  return AuditStateDigest(state);
}

// Field-by-field difference of two object states (shallow).
json Diff(const json& before, const json& after) {
  json changes = json::object();
  const json empty = json::object();
  const json& b = before.is_object() ? before : empty;
  const json& a = after.is_object() ? after : empty;
  for (const auto& [key, value] : b.items()) {
    auto it = a.find(key);
    if (it == a.end()) {
      changes[key] = {{"from", value}, {"to", nullptr}};
    } else if (*it != value) {
      changes[key] = {{"from", value}, {"to", *it}};
    }
  }
  for (const auto& [key, value] : a.items()) {
    if (!b.contains(key)) changes[key] = {{"from", nullptr}, {"to", value}};
  }
  return changes;
}

}  // namespace

std::string CanonicalJson(const json& value) {
  // nlohmann's object type is a std::map, so keys come out sorted; dump()
  // without indent has no whitespace; strings are UTF-8 with minimal escapes.
  return value.dump(-1, ' ', false, json::error_handler_t::strict);
}

std::string AuditStateDigest(const json& state) {
  return "sha256:" + crypto::ToHex(crypto::Sha256(CanonicalJson(state)));
}

std::string KeyIdFor(const std::vector<uint8_t>& public_key) {
  const auto digest = crypto::Sha256(std::span<const uint8_t>(public_key));
  return "ed25519:" + crypto::ToBase64Url(std::span(digest.data(), 16));
}

AuditLog::AuditLog(const Clock& clock, const Signer* signer, int64_t checkpoint_interval)
    : clock_(clock),
      signer_(signer),
      checkpoint_interval_(checkpoint_interval > 0 && kAuditCheckpointEvery % checkpoint_interval == 0
                               ? checkpoint_interval
                               : kAuditCheckpointEvery) {}

Result<int64_t> AuditLog::Append(Tx& tx, const AuditContext& ctx, const AuditRecord& r) const {
  CL_ASSIGN_OR_RETURN(PreparedAuditEvent event, Prepare(ctx, r));
  return Append(tx, event);
}

Result<PreparedAuditEvent> AuditLog::Prepare(const AuditContext& ctx, const AuditRecord& r) const {
  // The body's keys in canonical (sorted) order end with request_id, seq,
  // time and v; everything before seq is known now.
  const json body = {
      {"actor",
       {{"id", ctx.actor.id},
        {"name", ctx.actor.name},
        {"via", ctx.actor.via},
        {"credential_id", ctx.actor.credential_id}}},
      {"request_id", ctx.request_id},
      {"client_ip", ctx.client_ip},
      {"action", r.action},
      {"object", {{"type", r.object_type}, {"id", r.object_id}}},
      {"before_digest", Digest(r.before)},
      {"after_digest", Digest(r.after)},
      {"changes", Diff(r.before, r.after)},
      {"details", r.details},
  };
  PreparedAuditEvent out;
  try {
    out.prefix_ = CanonicalJson(body);
  } catch (const json::exception& ex) {
    return Internal(std::string("audit event is not valid UTF-8 JSON: ") + ex.what());
  }
  out.prefix_.pop_back();  // the closing brace
  return out;
}

Result<int64_t> AuditLog::Append(Tx& tx, const PreparedAuditEvent& event) const {
  CL_ASSIGN_OR_RETURN(AuditHead head, tx.Audit().Head());
  StoredAuditEvent e;
  e.seq = head.seq + 1;
  // The same bytes CanonicalJson gives for the whole body (v1).
  e.body = event.prefix_;
  e.body += ",\"seq\":";
  e.body += std::to_string(e.seq);
  e.body += ",\"time\":";
  e.body += CanonicalJson(FormatRfc3339(clock_.Now()));
  e.body += ",\"v\":1}";
  crypto::Sha256Hasher hasher;
  e.hash = hasher.Hash2(head.hash, e.body);
  CL_RETURN_IF_ERROR(tx.Audit().Append(e));
  if (signer_ != nullptr && e.seq % checkpoint_interval_ == 0) {
    CL_ASSIGN_OR_RETURN(std::optional<AuditCheckpoint> latest, tx.Audit().LatestCheckpoint());
    CL_RETURN_IF_ERROR(WriteCheckpoint(tx, AuditHead{e.seq, e.hash}, latest));
  }
  return e.seq;
}

Result<bool> AuditLog::Checkpoint(Tx& tx) const {
  if (signer_ == nullptr) return false;
  CL_ASSIGN_OR_RETURN(AuditHead head, tx.Audit().Head());
  if (head.seq == 0) return false;
  CL_ASSIGN_OR_RETURN(std::optional<AuditCheckpoint> latest, tx.Audit().LatestCheckpoint());
  if (latest && latest->seq >= head.seq) return false;
  CL_RETURN_IF_ERROR(WriteCheckpoint(tx, head, latest));
  return true;
}

Status AuditLog::WriteCheckpoint(Tx& tx, const AuditHead& head, const std::optional<AuditCheckpoint>& latest) const {
  // Extend the Merkle tree from the previous checkpoint's frontier when it
  // is the genuine one (it folds to the root that checkpoint signs);
  // otherwise (version 1, or a damaged row) rebuild it from the first event.
  crypto::MerkleFrontier tree;
  if (latest && latest->version >= 2) {
    auto stored = crypto::MerkleFrontier::Parse(latest->frontier);
    if (stored && stored->size() == latest->seq && stored->Root() == latest->root) tree = std::move(*stored);
  }
  CL_RETURN_IF_ERROR(tx.Audit().Scan(tree.size() + 1, head.seq, [&](const StoredAuditEvent& e) {
    if (e.seq != tree.size() + 1) return false;
    tree.Append(EventLeafHash(e.hash));
    return true;
  }));
  if (tree.size() != head.seq) {
    return Internal(fmt::format("cannot sign the audit log at seq {}: event {} is missing", head.seq, tree.size() + 1));
  }
  AuditCheckpoint cp;
  cp.version = 2;
  cp.seq = head.seq;
  cp.hash = head.hash;
  cp.root = tree.Root();
  if (latest) cp.prev = CheckpointDigest(*latest);
  cp.signed_at = clock_.Now();
  cp.key_id = signer_->KeyId();
  cp.signature = signer_->Sign(CheckpointMessage(cp));
  cp.frontier = tree.Serialize();
  return tx.Audit().InsertCheckpoint(cp);
}

Status AuditLog::RegisterSigningKey(Tx& tx, const AuditContext& ctx, const Signer* predecessor) const {
  if (signer_ == nullptr) return Status::Ok();
  CL_ASSIGN_OR_RETURN(std::vector<AuditKey> keys, tx.Audit().Keys());
  for (const AuditKey& k : keys) {
    if (k.key_id == signer_->KeyId()) return Status::Ok();
  }
  AuditKey key{signer_->KeyId(), signer_->PublicKey(), clock_.Now()};
  CL_RETURN_IF_ERROR(tx.Audit().InsertKey(key));
  AuditRecord rec{"audit.key.register", "audit_key", key.key_id};
  rec.after = {{"key_id", key.key_id}, {"algorithm", "ed25519"}, {"public_key", crypto::ToBase64(key.public_key)}};
  if (predecessor != nullptr) {
    const std::vector<uint8_t> sig = predecessor->Sign(KeyEndorsementMessage(key.key_id, key.public_key));
    rec.details["endorsement"] = {{"key_id", predecessor->KeyId()}, {"signature", crypto::ToBase64(sig)}};
    rec.details["replaces"] = predecessor->KeyId();
  }
  return Append(tx, ctx, rec).status();
}

AuditExportSeal SignExportSeal(const Signer& signer, Timestamp now, int64_t head_seq,
                               const crypto::Sha256Digest& head_hash) {
  AuditExportSeal seal;
  seal.head_seq = head_seq;
  seal.head_hash = head_hash;
  seal.exported_at = now;
  seal.key_id = signer.KeyId();
  seal.signature = signer.Sign(ExportSealMessage(seal));
  return seal;
}

Result<AuditExportSeal> AuditLog::SealExport(Tx& tx, const AuditContext& ctx, int64_t head_seq,
                                             const crypto::Sha256Digest& head_hash) const {
  if (signer_ == nullptr) return Unavailable("this process has no audit signing key");
  if (head_seq < 0) return InvalidArgument("head_seq must not be negative");
  std::optional<crypto::Sha256Digest> held;
  if (head_seq == 0) {
    held = crypto::Sha256Digest{};  // an empty log
  } else {
    CL_RETURN_IF_ERROR(tx.Audit().Scan(head_seq, head_seq, [&](const StoredAuditEvent& e) {
      held = e.hash;
      return false;
    }));
  }
  if (!held) return Conflict(fmt::format("the log holds no event {}", head_seq));
  if (*held != head_hash) {
    return Conflict(fmt::format("event {} of the log has another chain hash: the export is not of this log", head_seq));
  }
  AuditRecord rec{"audit.export.seal", "audit_log", "export"};
  rec.details = {{"head_seq", head_seq}, {"head_hash", crypto::ToHex(head_hash)}};
  CL_RETURN_IF_ERROR(Append(tx, ctx, rec).status());
  return SignExportSeal(*signer_, clock_.Now(), head_seq, head_hash);
}

}  // namespace cl
