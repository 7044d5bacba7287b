#include "crypto/password_hash.h"

#include <argon2.h>

#include <cstdio>
#include <vector>

#include "crypto/crypto.h"

namespace cl::crypto {

std::optional<std::string> HashPassword(std::string_view password, const Argon2Params& p) {
  const std::vector<uint8_t> salt = RandomBytes(16);
  constexpr size_t kHashLen = 32;
  const size_t encoded_len = argon2_encodedlen(p.iterations, p.memory_kib, p.parallelism,
                                               static_cast<uint32_t>(salt.size()), kHashLen, Argon2_id);
  std::string encoded(encoded_len, '\0');
  const int rc = argon2id_hash_encoded(p.iterations, p.memory_kib, p.parallelism, password.data(), password.size(),
                                       salt.data(), salt.size(), kHashLen, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return std::nullopt;
  encoded.resize(std::char_traits<char>::length(encoded.c_str()));
  return encoded;
}

bool VerifyPassword(std::string_view password, const std::string& encoded) {
  if (encoded.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool NeedsRehash(const std::string& encoded, const Argon2Params& p) {
  unsigned m = 0, t = 0, par = 0;
  if (std::sscanf(encoded.c_str(), "$argon2id$v=19$m=%u,t=%u,p=%u$", &m, &t, &par) != 3) {
    return true;
  }
  return m < p.memory_kib || t < p.iterations || par < p.parallelism;
}

}  // namespace cl::crypto
