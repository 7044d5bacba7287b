#include "core/user.h"

#include <algorithm>

namespace cl {

std::string_view UserKindName(UserKind kind) { return kind == UserKind::kService ? "service" : "human"; }

std::optional<UserKind> ParseUserKind(std::string_view name) {
  if (name == "human") return UserKind::kHuman;
  if (name == "service") return UserKind::kService;
  return std::nullopt;
}

bool User::HasRole(Role r) const { return std::find(roles.begin(), roles.end(), r) != roles.end(); }

namespace {
std::vector<FieldError> One(std::string_view field, std::string message) {
  return {FieldError{std::string(field), std::move(message)}};
}

bool HasControlChars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}
}  // namespace

std::vector<FieldError> ValidateUsername(std::string_view u, std::string_view field) {
  if (u.size() < 2 || u.size() > 64) return One(field, "must be 2 to 64 characters");
  const auto ok_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  };
  if (!std::all_of(u.begin(), u.end(), ok_char) || !((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= '0' && u[0] <= '9'))) {
    return One(field,
               "must be lower-case letters, digits, '.', '_' or '-', starting with a letter or "
               "digit");
  }
  return {};
}

std::vector<FieldError> ValidateDisplayName(std::string_view n, std::string_view field) {
  if (n.empty() || n.size() > 200) return One(field, "must be 1 to 200 characters");
  if (HasControlChars(n)) return One(field, "must not contain control characters");
  return {};
}

std::vector<FieldError> ValidateEmail(std::string_view e, std::string_view field) {
  if (e.empty()) return {};
  const size_t at = e.find('@');
  if (e.size() > 254 || at == std::string_view::npos || at == 0 || at + 1 >= e.size() ||
      e.find('@', at + 1) != std::string_view::npos || HasControlChars(e) || e.find(' ') != std::string_view::npos) {
    return One(field, "must be an e-mail address like name@example.com");
  }
  return {};
}

// NIST SP 800-63B: length over composition rules; reject the user name.
std::vector<FieldError> ValidateNewPassword(std::string_view p, std::string_view username, std::string_view field) {
  if (p.size() < 12) return One(field, "must be at least 12 characters");
  if (p.size() > 1024) return One(field, "must be at most 1024 characters");
  if (!username.empty() && p.find(username) != std::string_view::npos) {
    return One(field, "must not contain the user name");
  }
  return {};
}

}  // namespace cl
