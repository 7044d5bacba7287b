// Password hashing with argon2id (libargon2), OWASP parameters by default:
// 19 MiB memory, 2 iterations, 1 lane. Hashes are PHC strings
// ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash") so parameters can be raised
// later and old hashes still verify. ~30 ms per call: keep it off I/O threads.
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cl::crypto {

struct Argon2Params {
  uint32_t memory_kib = 19 * 1024;
  uint32_t iterations = 2;
  uint32_t parallelism = 1;
};

// Returns nullopt only if the library fails (out of memory).
std::optional<std::string> HashPassword(std::string_view password, const Argon2Params& params);

// Constant-time verification against a PHC string from HashPassword.
bool VerifyPassword(std::string_view password, const std::string& encoded);

// True if `encoded` was made with weaker parameters than `params`.
bool NeedsRehash(const std::string& encoded, const Argon2Params& params);

}  // namespace cl::crypto
