#include "core/ids.h"

#include <charconv>

namespace cl {
namespace {
__extension__ using U128 = unsigned __int128;
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

bool IsCrockford(char c) {
  for (const char* p = kCrockford; *p; ++p) {
    if (*p == c) return true;
  }
  return false;
}
}  // namespace

std::string EncodeSortableId(std::string_view prefix, int64_t unix_millis, const std::vector<uint8_t>& random10) {
  // 128 bits: 48-bit time then 80 random bits, written as 26 base32 digits
  // (the top two bits of the first digit are always zero).
  U128 v = static_cast<U128>(static_cast<uint64_t>(unix_millis) & 0xFFFFFFFFFFFFull) << 80;
  for (size_t i = 0; i < 10 && i < random10.size(); ++i) {
    v |= static_cast<U128>(random10[i]) << (8 * (9 - i));
  }
  std::string out(prefix);
  out += '_';
  char digits[26];
  for (int i = 25; i >= 0; --i) {
    digits[i] = kCrockford[static_cast<unsigned>(v & 31)];
    v >>= 5;
  }
  out.append(digits, 26);
  return out;
}

bool LooksLikeId(std::string_view text) {
  const size_t us = text.find('_');
  if (us == std::string_view::npos || us == 0 || us > 8 || text.size() != us + 27) return false;
  for (size_t i = 0; i < us; ++i) {
    if (text[i] < 'a' || text[i] > 'z') return false;
  }
  for (size_t i = us + 1; i < text.size(); ++i) {
    if (!IsCrockford(text[i])) return false;
  }
  return true;
}

std::optional<int64_t> ParsePositiveNumber(std::string_view text) {
  if (text.empty() || text.size() > 19 || text[0] == '0') return std::nullopt;
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n <= 0) return std::nullopt;
  return n;
}

}  // namespace cl
