// The exact forms of a checkpoint (docs/audit.md): the bytes its signature
// covers, its digest (what the next checkpoint names as `prev`), its JSON
// in the API, exports and witness files, and the Merkle leaf of an event.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/audit_types.h"
#include "core/status.h"

namespace cl {

inline constexpr std::string_view kCheckpointTypeV1 = "changeledger.audit.checkpoint.v1";
inline constexpr std::string_view kCheckpointTypeV2 = "changeledger.audit.checkpoint.v2";

// The canonical JSON a checkpoint's signature covers.
std::string CheckpointMessage(const AuditCheckpoint& cp);
// SHA-256 of CheckpointMessage(cp): the next checkpoint's `prev`.
crypto::Sha256Digest CheckpointDigest(const AuditCheckpoint& cp);

// The Merkle leaf of an event: RFC 9162 leaf hash of its 32-byte chain hash.
crypto::Sha256Digest EventLeafHash(const crypto::Sha256Digest& event_hash);

// A 32-byte digest written as hex in outside JSON: the value itself, or the
// member `name` of an object; nothing when absent, of another type or length.
std::optional<crypto::Sha256Digest> HexDigest(const nlohmann::json& value);
std::optional<crypto::Sha256Digest> HexDigestField(const nlohmann::json& object, const char* name);

// {"seq","hash","signed_at","key_id","signature"} plus, for version 2,
// {"version":2,"root","prev"}; hex digests, base64 signature.
nlohmann::json CheckpointJson(const AuditCheckpoint& cp);
// The reverse, for outside input: every field present with the right type,
// digests of 32 bytes, signed_at exactly in the form it is signed in.
Result<AuditCheckpoint> ParseCheckpointJson(const nlohmann::json& j);

// An export's seal, in its manifest: an audit key's signature that the log
// held `head_seq` events ending in `head_hash` when it was exported, so a
// tail cut from the export (and the manifest rewritten to match) fails.
inline constexpr std::string_view kExportSealType = "changeledger.audit.export.v1";
struct AuditExportSeal {
  int64_t head_seq = 0;
  crypto::Sha256Digest head_hash{};
  Timestamp exported_at;
  std::string key_id;
  std::vector<uint8_t> signature;  // Ed25519 over ExportSealMessage
};

// Canonical JSON {"exported_at","head_hash","head_seq","key_id","type"}.
std::string ExportSealMessage(const AuditExportSeal& seal);
nlohmann::json ExportSealJson(const AuditExportSeal& seal);
// For outside input, like ParseCheckpointJson.
Result<AuditExportSeal> ParseExportSealJson(const nlohmann::json& j);

}  // namespace cl
