#include "core/audit_checkpoint.h"

#include "core/audit_log.h"
#include "crypto/merkle.h"

namespace cl {
namespace {

using nlohmann::json;

bool ParseDigestField(const json& j, const char* name, crypto::Sha256Digest& out) {
  auto d = HexDigestField(j, name);
  if (d) out = *d;
  return d.has_value();
}

std::string TextField(const json& j, const char* name) {
  return j.contains(name) && j[name].is_string() ? j[name].get<std::string>() : "";
}

// A time in outside JSON, taken only in the one form the product writes and
// signs, so this parser and a literal verifier cannot disagree.
std::optional<Timestamp> ExactTimeField(const json& j, const char* name) {
  const std::string text = TextField(j, name);
  auto at = ParseRfc3339(text);
  if (!at || FormatRfc3339(*at) != text) return std::nullopt;
  return at;
}

// "key_id" and "signature" (base64 Ed25519, 64 bytes) of a signed statement.
bool ParseKeyAndSignature(const json& j, std::string& key_id, std::vector<uint8_t>& signature) {
  key_id = TextField(j, "key_id");
  auto sig = crypto::FromBase64(TextField(j, "signature"));
  if (key_id.empty() || !sig || sig->size() != 64) return false;
  signature = std::move(*sig);
  return true;
}

}  // namespace

std::optional<crypto::Sha256Digest> HexDigest(const json& value) {
  if (!value.is_string()) return std::nullopt;
  auto bytes = crypto::FromHex(value.get_ref<const std::string&>());
  crypto::Sha256Digest d{};
  if (!bytes || bytes->size() != d.size()) return std::nullopt;
  std::copy(bytes->begin(), bytes->end(), d.begin());
  return d;
}

std::optional<crypto::Sha256Digest> HexDigestField(const json& object, const char* name) {
  if (!object.is_object() || !object.contains(name)) return std::nullopt;
  return HexDigest(object[name]);
}

std::string CheckpointMessage(const AuditCheckpoint& cp) {
  if (cp.version >= 2) {
    return CanonicalJson({{"type", kCheckpointTypeV2},
                          {"seq", cp.seq},
                          {"hash", crypto::ToHex(cp.hash)},
                          {"root", crypto::ToHex(cp.root)},
                          {"prev", crypto::ToHex(cp.prev)},
                          {"signed_at", FormatRfc3339(cp.signed_at)},
                          {"key_id", cp.key_id}});
  }
  return CanonicalJson({{"type", kCheckpointTypeV1},
                        {"seq", cp.seq},
                        {"hash", crypto::ToHex(cp.hash)},
                        {"signed_at", FormatRfc3339(cp.signed_at)},
                        {"key_id", cp.key_id}});
}

crypto::Sha256Digest CheckpointDigest(const AuditCheckpoint& cp) { return crypto::Sha256(CheckpointMessage(cp)); }

crypto::Sha256Digest EventLeafHash(const crypto::Sha256Digest& event_hash) {
  return crypto::MerkleLeafHash(event_hash);
}

json CheckpointJson(const AuditCheckpoint& cp) {
  json j = {{"seq", cp.seq},
            {"hash", crypto::ToHex(cp.hash)},
            {"signed_at", FormatRfc3339(cp.signed_at)},
            {"key_id", cp.key_id},
            {"signature", crypto::ToBase64(cp.signature)}};
  if (cp.version >= 2) {
    j["version"] = cp.version;
    j["root"] = crypto::ToHex(cp.root);
    j["prev"] = crypto::ToHex(cp.prev);
  }
  return j;
}

Result<AuditCheckpoint> ParseCheckpointJson(const json& j) {
  if (!j.is_object()) return Malformed("a checkpoint is not a JSON object");
  AuditCheckpoint cp;
  if (!j.contains("seq") || !j["seq"].is_number_integer() || j["seq"].get<int64_t>() < 1) {
    return Malformed("a checkpoint has no valid seq");
  }
  cp.seq = j["seq"].get<int64_t>();
  if (!ParseDigestField(j, "hash", cp.hash)) return Malformed("a checkpoint has no valid hash");
  auto at = ExactTimeField(j, "signed_at");  // signed as written
  if (!at) return Malformed("a checkpoint has no valid signed_at");
  cp.signed_at = *at;
  if (!ParseKeyAndSignature(j, cp.key_id, cp.signature)) {
    return Malformed("a checkpoint has no valid key_id or Ed25519 signature");
  }
  if (j.contains("version")) {
    if (!j["version"].is_number_integer() || j["version"].get<int64_t>() != 2) {
      return Malformed("a checkpoint has an unknown version");
    }
    cp.version = 2;
    if (!ParseDigestField(j, "root", cp.root) || !ParseDigestField(j, "prev", cp.prev)) {
      return Malformed("a version 2 checkpoint has no valid root or prev");
    }
  }
  return cp;
}

std::string ExportSealMessage(const AuditExportSeal& seal) {
  return CanonicalJson({{"type", kExportSealType},
                        {"head_seq", seal.head_seq},
                        {"head_hash", crypto::ToHex(seal.head_hash)},
                        {"exported_at", FormatRfc3339(seal.exported_at)},
                        {"key_id", seal.key_id}});
}

json ExportSealJson(const AuditExportSeal& seal) {
  return {{"type", kExportSealType},
          {"head_seq", seal.head_seq},
          {"head_hash", crypto::ToHex(seal.head_hash)},
          {"exported_at", FormatRfc3339(seal.exported_at)},
          {"key_id", seal.key_id},
          {"signature", crypto::ToBase64(seal.signature)}};
}

Result<AuditExportSeal> ParseExportSealJson(const json& j) {
  if (!j.is_object() || TextField(j, "type") != kExportSealType)
    return Malformed("the seal is not a JSON object of its type");
  AuditExportSeal seal;
  if (!j.contains("head_seq") || !j["head_seq"].is_number_integer() || j["head_seq"].get<int64_t>() < 0) {
    return Malformed("the seal has no valid head_seq");
  }
  seal.head_seq = j["head_seq"].get<int64_t>();
  if (!ParseDigestField(j, "head_hash", seal.head_hash)) return Malformed("the seal has no valid head_hash");
  auto at = ExactTimeField(j, "exported_at");
  if (!at) return Malformed("the seal has no valid exported_at");
  seal.exported_at = *at;
  if (!ParseKeyAndSignature(j, seal.key_id, seal.signature)) {
    return Malformed("the seal has no valid key_id or Ed25519 signature");
  }
  return seal;
}

}  // namespace cl
