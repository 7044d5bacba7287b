#include "core/tokens.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/audit_states.h"
#include "crypto/crypto.h"

namespace cl {

SecretHash HashSecret(std::string_view secret) { return crypto::Sha256(secret); }

nlohmann::json TokenState(const ApiToken& t) {
  nlohmann::json scopes = nlohmann::json::array();
  for (Permission p : t.scopes) scopes.push_back(PermissionName(p));
  return {{"id", t.id},
          {"user_id", t.user_id},
          {"name", t.name},
          {"scopes", scopes},
          {"created_by", t.created_by},
          {"expires_at", FormatRfc3339(t.expires_at)},
          {"revoked", t.revoked_at.has_value()},
          {"secret_digest", CredentialDigest(t.secret_hash)}};
}

Result<IssuedToken> TokenService::Create(const Principal& who, const AuditContext& ctx, const NewToken& in) {
  const std::string owner_id = in.user_id.empty() ? who.user_id : in.user_id;
  const bool for_self = owner_id == who.user_id;
  CL_RETURN_IF_ERROR(Require(who, for_self ? Permission::kSelfManage : Permission::kTokensAdmin));

  std::vector<FieldError> errors;
  if (in.name.empty() || in.name.size() > 100) {
    errors.push_back({"/name", "must be 1 to 100 characters"});
  }
  std::vector<Permission> scopes;
  for (size_t i = 0; i < in.scopes.size(); ++i) {
    auto p = ParsePermission(in.scopes[i]);
    if (!p) {
      errors.push_back({fmt::format("/scopes/{}", i), fmt::format("unknown scope '{}'", in.scopes[i])});
    } else if (std::find(scopes.begin(), scopes.end(), *p) == scopes.end()) {
      scopes.push_back(*p);
    }
  }
  if (in.scopes.empty()) {
    errors.push_back({"/scopes",
                      "give at least one scope (least privilege: name what the token "
                      "is for)"});
  }
  const Timestamp now = d_.clock.Now();
  const Timestamp expires = in.expires_at.value_or(now + limits_.default_lifetime_micros);
  if (expires <= now) errors.push_back({"/expires_at", "must be in the future"});
  if (expires - now > limits_.max_lifetime_micros) {
    errors.push_back({"/expires_at",
                      fmt::format("must be within {} days", limits_.max_lifetime_micros / (86400 * kMicrosPerSecond))});
  }
  if (!errors.empty()) return InvalidArgument("the token request is not valid", std::move(errors));

  IssuedToken out;
  out.secret = NewSecret(d_.ids, "clt");
  ApiToken& t = out.token;
  t.id = d_.ids.NewId("tok");
  t.user_id = owner_id;
  t.name = in.name;
  t.secret_hash = HashSecret(out.secret);
  t.scopes = scopes;
  t.created_at = now;
  t.created_by = who.user_id;
  t.expires_at = expires;

  CL_RETURN_IF_ERROR(WriteCredentials(d_, [&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::optional<User> owner, tx.Users().FindById(owner_id));
    if (!owner) {
      return InvalidArgument("no such user", {{"/user_id", fmt::format("no user {}", owner_id)}});
    }
    if (owner->disabled()) {
      return InvalidArgument("the user is disabled", {{"/user_id", "is disabled"}});
    }
    // A token never grants more than its owner's roles, nor more than the
    // caller holds right now (a scoped token cannot mint a broader one).
    const PermissionSet allowed =
        for_self ? (PermissionsOf(owner->roles) & who.permissions) : PermissionsOf(owner->roles);
    std::vector<FieldError> scope_errors;
    for (size_t i = 0; i < in.scopes.size(); ++i) {
      auto p = ParsePermission(in.scopes[i]);
      if (p && !Has(allowed, *p)) {
        scope_errors.push_back({fmt::format("/scopes/{}", i), fmt::format("'{}' is not granted to {}", in.scopes[i],
                                                                          for_self ? "you" : owner->username)});
      }
    }
    if (!scope_errors.empty()) {
      return InvalidArgument("a token cannot have more rights than its owner", std::move(scope_errors));
    }
    CL_RETURN_IF_ERROR(tx.Tokens().Insert(t));
    AuditRecord rec{"token.create", "api_token", t.id};
    rec.after = TokenState(t);
    return d_.audit.Append(tx, ctx, rec).status();
  }));
  return out;
}

Status TokenService::CheckAccess(const Principal& who, const ApiToken& token) {
  if (token.user_id == who.user_id) return Require(who, Permission::kSelfManage);
  // Hide other users' tokens from callers who cannot manage them.
  if (!who.Can(Permission::kTokensAdmin)) return NotFound(fmt::format("no token {}", token.id));
  return Status::Ok();
}

Result<std::vector<ApiToken>> TokenService::List(const Principal& who, bool all, std::string_view user_id) {
  const bool others = all || (!user_id.empty() && user_id != who.user_id);
  CL_RETURN_IF_ERROR(Require(who, others ? Permission::kTokensAdmin : Permission::kSelfManage));
  std::vector<ApiToken> out;
  const std::string_view filter =
      all ? std::string_view() : (user_id.empty() ? std::string_view(who.user_id) : user_id);
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out, tx.Tokens().List(filter));
    return Status::Ok();
  }));
  return out;
}

Result<ApiToken> TokenService::Get(const Principal& who, std::string_view id) {
  std::optional<ApiToken> found;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(found, tx.Tokens().FindById(id));
    return Status::Ok();
  }));
  if (!found) return NotFound(fmt::format("no token {}", id));
  CL_RETURN_IF_ERROR(CheckAccess(who, *found));
  return *found;
}

Result<ApiToken> TokenService::Revoke(const Principal& who, const AuditContext& ctx, std::string_view id) {
  ApiToken result;
  CL_RETURN_IF_ERROR(WriteCredentials(d_, [&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::optional<ApiToken> found, tx.Tokens().FindById(id));
    if (!found) return NotFound(fmt::format("no token {}", id));
    CL_RETURN_IF_ERROR(CheckAccess(who, *found));
    result = *found;
    if (found->revoked_at) return Status::Ok();  // revoking twice is harmless
    result.revoked_at = d_.clock.Now();
    CL_RETURN_IF_ERROR(tx.Tokens().Revoke(id, *result.revoked_at));
    AuditRecord rec{"token.revoke", "api_token", result.id};
    rec.before = TokenState(*found);
    rec.after = TokenState(result);
    return d_.audit.Append(tx, ctx, rec).status();
  }));
  return result;
}

Result<Principal> TokenService::Authenticate(std::string_view secret) {
  const Status denied = Unauthenticated("the API token is not valid (unknown, expired or revoked)");
  if (secret.rfind("clt_", 0) != 0 || secret.size() > 100) return denied;
  const SecretHash hash = HashSecret(secret);
  const Timestamp now = d_.clock.Now();
  std::optional<ApiToken> token;
  std::shared_ptr<const User> owner;
  if (auto cached = d_.credentials ? d_.credentials->Find(hash, now) : std::nullopt) {
    token = std::move(cached->token);
    owner = std::move(cached->owner);
  } else {
    const uint64_t epoch = d_.credentials ? d_.credentials->Epoch() : 0;
    std::optional<User> stored_owner;
    CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
      CL_ASSIGN_OR_RETURN(token, tx.Tokens().FindBySecretHash(hash));
      if (token) {
        CL_ASSIGN_OR_RETURN(stored_owner, tx.Users().FindById(token->user_id));
      }
      return Status::Ok();
    }));
    if (stored_owner) owner = std::make_shared<const User>(std::move(*stored_owner));
    if (token && owner && d_.credentials) d_.credentials->Put(hash, {*token, owner}, now, epoch);
  }
  // The lookup is by hash; compare again in constant time all the same.
  if (!token || !crypto::ConstantTimeEquals(token->secret_hash, hash) || !token->ActiveAt(now) || !owner ||
      owner->disabled()) {
    return denied;
  }
  if (!token->last_used_at || now - *token->last_used_at >= limits_.last_used_resolution_micros) {
    d_.store.WriteAsync([id = token->id, now](Tx& tx) { return tx.Tokens().TouchLastUsed(id, now); });
    // Stamp the cached copy too, so the next minute's requests do not write again.
    if (d_.credentials) d_.credentials->NoteUse(hash, now);
  }
  Principal p;
  p.user_id = owner->id;
  p.username = owner->username;
  p.display_name = owner->display_name;
  p.roles = owner->roles;
  PermissionSet scoped;
  for (Permission s : token->scopes) scoped.set(static_cast<size_t>(s));
  p.permissions = PermissionsOf(owner->roles) & scoped;
  p.via = AuthVia::kToken;
  p.credential_id = token->id;
  p.must_change_password = false;  // tokens are issued after the password was set
  p.user = owner;
  return p;
}

}  // namespace cl
