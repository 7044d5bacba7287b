// IdGenerator makes opaque, URL-safe identifiers and secrets. IDs are
// "<prefix>_<26 Crockford base32 chars>": 48 bits of milliseconds then 80
// random bits, so they sort by creation time and never reveal a count.
// Implementations are thread-safe and injected so tests can be deterministic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cl {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // A new identifier with the given short type prefix ("usr", "tok").
  virtual std::string NewId(std::string_view prefix) = 0;
  // `n` bytes from a cryptographically secure source (production) or a
  // seeded sequence (tests).
  virtual std::vector<uint8_t> RandomBytes(size_t n) = 0;
};

// Encodes a time-ordered ID from its parts; shared by every generator.
std::string EncodeSortableId(std::string_view prefix, int64_t unix_millis, const std::vector<uint8_t>& random10);

// True for strings shaped like an ID from EncodeSortableId (any prefix).
bool LooksLikeId(std::string_view text);

// A positive decimal number written the one way we write it: digits only,
// no sign, no leading zero, no spaces, within int64 ("42"; not "+42",
// "042", "42abc" or "4 2"). For numbers in paths and keys, so one resource
// has one name.
std::optional<int64_t> ParsePositiveNumber(std::string_view text);

}  // namespace cl
