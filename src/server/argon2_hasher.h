// The production PasswordHasher: argon2id with OWASP parameters.
// Thread-safe; each call allocates its own 19 MiB work area.
#pragma once

#include "core/deps.h"
#include "crypto/password_hash.h"

namespace cl {

class Argon2PasswordHasher final : public PasswordHasher {
 public:
  explicit Argon2PasswordHasher(crypto::Argon2Params params = {}) : params_(params) {}
  std::optional<std::string> Hash(std::string_view password) const override {
    return crypto::HashPassword(password, params_);
  }
  bool Verify(std::string_view password, const std::string& encoded) const override {
    return crypto::VerifyPassword(password, encoded);
  }

 private:
  crypto::Argon2Params params_;
};

}  // namespace cl
