#include "core/sessions.h"

#include <fmt/format.h>

#include "core/tokens.h"
#include "crypto/crypto.h"

namespace cl {

SessionService::SessionService(const Deps& deps, LoginThrottle& throttle, SessionLimits limits)
    : d_(deps), throttle_(throttle), limits_(limits) {
  dummy_hash_ = d_.passwords.Hash("changeledger-timing-equalizer").value_or("");
}

Status SessionService::RecordFailure(const AuditContext& ctx, const LoginRequest& req, const std::optional<User>& user,
                                     std::string_view reason) {
  throttle_.RecordFailure(req.username, req.client_ip);
  // Failed logins are security events: keep them in the audit log.
  Status logged = d_.store.Write([&](Tx& tx) {
    AuditRecord rec{"session.login_failed", "user", user ? user->id : ""};
    rec.details = {
        {"username", req.username.substr(0, 64)}, {"reason", reason}, {"user_agent", req.user_agent.substr(0, 200)}};
    return d_.audit.Append(tx, ctx, rec).status();
  });
  logged.IgnoreError();  // the login fails either way
  return Unauthenticated("invalid username or password");
}

Result<LoginResult> SessionService::Login(const AuditContext& ctx, const LoginRequest& req) {
  if (auto wait = throttle_.RetryAfter(req.username, req.client_ip)) {
    return Status(ErrorCode::kRateLimited, fmt::format("too many failed logins; try again in {} seconds", *wait))
        .WithRetryAfter(*wait);
  }
  std::optional<User> user;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(user, tx.Users().FindByUsername(req.username));
    return Status::Ok();
  }));
  if (!user || user->kind != UserKind::kHuman || user->password_hash.empty()) {
    (void)d_.passwords.Verify(req.password, dummy_hash_);  // same cost as a real check
    return RecordFailure(ctx, req, user, user ? "service_account" : "unknown_user");
  }
  if (!d_.passwords.Verify(req.password, user->password_hash)) {
    return RecordFailure(ctx, req, user, "wrong_password");
  }
  if (user->disabled()) return RecordFailure(ctx, req, user, "disabled");
  throttle_.RecordSuccess(req.username, req.client_ip);

  LoginResult out;
  out.user = *user;
  out.secret = NewSecret(d_.ids, "cls");
  Session& s = out.session;
  s.id = d_.ids.NewId("ses");
  s.secret_hash = HashSecret(out.secret);
  s.user_id = user->id;
  s.csrf_token = crypto::ToBase64Url(d_.ids.RandomBytes(32));
  s.created_at = s.last_seen_at = d_.clock.Now();
  s.expires_at = s.created_at + limits_.absolute_micros;
  s.client_ip = req.client_ip.substr(0, 64);
  s.user_agent = req.user_agent.substr(0, 300);
  AuditContext with_actor = ctx;
  with_actor.actor = AuditActor{user->id, user->username, "session", s.id};
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_RETURN_IF_ERROR(tx.Sessions().Insert(s));
    AuditRecord rec{"session.create", "session", s.id};
    rec.after = {
        {"id", s.id}, {"user_id", s.user_id}, {"expires_at", FormatRfc3339(s.expires_at)}, {"client_ip", s.client_ip}};
    return d_.audit.Append(tx, with_actor, rec).status();
  }));
  return out;
}

Result<SessionAuth> SessionService::Authenticate(std::string_view secret) {
  const Status denied = Unauthenticated("the session has ended; log in again");
  if (secret.rfind("cls_", 0) != 0 || secret.size() > 100) return denied;
  const SecretHash hash = HashSecret(secret);
  std::optional<Session> session;
  std::optional<User> user;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(session, tx.Sessions().FindBySecretHash(hash));
    if (session) {
      CL_ASSIGN_OR_RETURN(user, tx.Users().FindById(session->user_id));
    }
    return Status::Ok();
  }));
  const Timestamp now = d_.clock.Now();
  if (!session || !crypto::ConstantTimeEquals(session->secret_hash, hash) || session->revoked_at ||
      now >= session->expires_at || now - session->last_seen_at >= limits_.idle_micros || !user || user->disabled()) {
    return denied;
  }
  if (now - session->last_seen_at >= limits_.touch_resolution_micros) {
    d_.store.WriteAsync([id = session->id, now](Tx& tx) { return tx.Sessions().Touch(id, now); });
  }
  SessionAuth out;
  out.session = *session;
  Principal& p = out.principal;
  p.user_id = user->id;
  p.username = user->username;
  p.display_name = user->display_name;
  p.roles = user->roles;
  p.permissions = PermissionsOf(user->roles);
  p.via = AuthVia::kSession;
  p.credential_id = session->id;
  p.must_change_password = user->must_change_password;
  return out;
}

Status SessionService::Logout(const Principal& who, const AuditContext& ctx, const Session& session) {
  if (session.user_id != who.user_id) return PermissionDenied("not your session");
  return d_.store.Write([&](Tx& tx) -> Status {
    CL_RETURN_IF_ERROR(tx.Sessions().Revoke(session.id, d_.clock.Now()));
    AuditRecord rec{"session.end", "session", session.id};
    rec.details = {{"reason", "logout"}};
    return d_.audit.Append(tx, ctx, rec).status();
  });
}

}  // namespace cl
