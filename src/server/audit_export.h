// The offline audit export: a directory a third party can verify with
// nothing but its contents (see VERIFY.md written into it, and
// docs/audit.md). Writers stream events so a large log never sits in
// memory. Single-threaded.
#pragma once

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/audit_checkpoint.h"
#include "core/audit_types.h"
#include "core/audit_verify.h"
#include "core/status.h"

namespace cl {

inline constexpr std::string_view kExportFormat = "changeledger-audit-export/v1";

class AuditExportWriter {
 public:
  // Creates `dir` (must not exist or be empty).
  static Result<std::unique_ptr<AuditExportWriter>> Create(const std::string& dir);
  Status AddEvent(const StoredAuditEvent& e);
  Status AddCheckpoint(const AuditCheckpoint& cp);
  void AddKey(const AuditKey& key);
  int64_t head_seq() const { return head_seq_; }
  const crypto::Sha256Digest& head_hash() const { return head_hash_; }
  // Writes keys, manifest (with `seal`, which must name this head; null: an
  // unsealed working copy) and VERIFY.md; returns the manifest.
  Result<nlohmann::json> Finish(const std::string& source, const AuditExportSeal* seal);

 private:
  explicit AuditExportWriter(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
  std::ofstream events_, checkpoints_;
  std::vector<AuditKey> keys_;
  int64_t event_count_ = 0, checkpoint_count_ = 0, head_seq_ = 0;
  crypto::Sha256Digest head_hash_{};
};

struct VerifyOptions {
  std::vector<std::string> trusted_key_ids;  // pin: trust only these
  std::vector<WitnessedCheckpoint> witnessed;
  std::optional<std::pair<int64_t, crypto::Sha256Digest>> expected_hash;
  bool require_seal = true;  // false only for what this process fetched itself
  // With an authority's certificate: time-stamps checked, checkpoints
  // required to be time-stamped in time (an export: up to its newest checkpoint).
  std::optional<AuditTimestampPolicy> timestamps;

  // The same for the core verifier.
  AuditVerifyOptions Core() const;
};

// Verifies an export directory: chain, checkpoints, keys and file digests.
Result<AuditVerifyResult> VerifyExport(const std::string& dir, const VerifyOptions& options);

}  // namespace cl
