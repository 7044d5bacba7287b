// User accounts and their credentials (API tokens, browser sessions) as the
// domain sees them. Plain values owned by whoever holds them; no behaviour
// beyond validation helpers. Secrets never live here: only their hashes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/authz.h"
#include "core/clock.h"
#include "core/status.h"

namespace cl {

enum class UserKind { kHuman, kService };
std::string_view UserKindName(UserKind kind);
std::optional<UserKind> ParseUserKind(std::string_view name);

struct User {
  std::string id;
  std::string username;  // lower-case, unique
  std::string display_name;
  std::string email;
  UserKind kind = UserKind::kHuman;
  std::vector<Role> roles;
  std::string password_hash;  // argon2id PHC string; empty for service accounts
  bool must_change_password = false;
  std::optional<Timestamp> disabled_at;
  Timestamp created_at;
  Timestamp updated_at;
  int64_t version = 1;  // optimistic concurrency: bumped on every update

  bool disabled() const { return disabled_at.has_value(); }
  bool HasRole(Role r) const;
};

using SecretHash = std::array<uint8_t, 32>;  // SHA-256 of a high-entropy secret

struct ApiToken {
  std::string id;
  std::string user_id;
  std::string name;
  SecretHash secret_hash{};
  std::vector<Permission> scopes;
  Timestamp created_at;
  std::string created_by;  // user id of whoever issued it
  Timestamp expires_at;
  std::optional<Timestamp> revoked_at;
  std::optional<Timestamp> last_used_at;

  bool ActiveAt(Timestamp now) const { return !revoked_at && now < expires_at; }
};

struct Session {
  std::string id;  // public handle ("ses_..."), safe to show and log
  SecretHash secret_hash{};
  std::string user_id;
  std::string csrf_token;
  Timestamp created_at;
  Timestamp expires_at;  // absolute lifetime
  Timestamp last_seen_at;
  std::optional<Timestamp> revoked_at;
  std::string client_ip;
  std::string user_agent;
};

// Field rules shared by the API and the CLI. Each returns the field errors
// for one value, empty when valid; `field` is the JSON pointer to report.
std::vector<FieldError> ValidateUsername(std::string_view username, std::string_view field);
std::vector<FieldError> ValidateDisplayName(std::string_view name, std::string_view field);
std::vector<FieldError> ValidateEmail(std::string_view email, std::string_view field);
std::vector<FieldError> ValidateNewPassword(std::string_view password, std::string_view username,
                                            std::string_view field);

}  // namespace cl
