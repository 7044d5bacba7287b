// Production implementations of the injected interfaces: the system clock
// and a secure ID generator (libsodium randomness). Thread-safe.
#pragma once

#include "core/clock.h"
#include "core/ids.h"

namespace cl {

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
};

class SecureIdGenerator final : public IdGenerator {
 public:
  SecureIdGenerator(const Clock& clock) : clock_(clock) {}
  std::string NewId(std::string_view prefix) override;
  std::vector<uint8_t> RandomBytes(size_t n) override;

 private:
  const Clock& clock_;
};

}  // namespace cl
