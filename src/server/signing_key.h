// The audit signing key: an Ed25519 key pair kept in a file next to the
// database (mode 0600, never in the database, so a database-only attacker
// cannot forge checkpoints). Created on first use. Thread-safe once loaded.
#pragma once

#include <string>

#include "core/audit_log.h"
#include "core/status.h"

namespace cl {

class FileSigner final : public Signer {
 public:
  // Loads the key at `path`, creating it (and reporting so) if missing.
  static Result<std::unique_ptr<FileSigner>> LoadOrCreate(const std::string& path, bool* created = nullptr);
  const std::string& KeyId() const override { return key_id_; }
  const std::vector<uint8_t>& PublicKey() const override { return public_key_; }
  std::vector<uint8_t> Sign(std::string_view message) const override;
  ~FileSigner() override;

 private:
  FileSigner() = default;
  std::string key_id_;
  std::vector<uint8_t> public_key_;
  std::vector<uint8_t> secret_key_;
};

// Default key path for a database path: "<db>.signing-key".
std::string DefaultSigningKeyPath(const std::string& db_path);

}  // namespace cl
