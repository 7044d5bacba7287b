#include "server/system.h"

#include <chrono>

#include "crypto/crypto.h"

namespace cl {

Timestamp SystemClock::Now() const {
  return {std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count()};
}

std::string SecureIdGenerator::NewId(std::string_view prefix) {
  return EncodeSortableId(prefix, clock_.Now().micros / 1000, crypto::RandomBytes(10));
}

std::vector<uint8_t> SecureIdGenerator::RandomBytes(size_t n) { return crypto::RandomBytes(n); }

}  // namespace cl
