#include "core/policy_service.h"

#include <fmt/format.h>

#include "core/audit_states.h"
#include "crypto/crypto.h"

namespace cl {

std::string Sha256Hex(std::string_view text) { return crypto::ToHex(crypto::Sha256(text)); }

Status PolicyService::Activate(const PolicyVersion& v) const {
  CL_ASSIGN_OR_RETURN(std::shared_ptr<const Policy> parsed, parse_(v.source));
  std::lock_guard lock(mu_);
  active_ = {std::move(parsed), v.version, v.sha256};
  return Status::Ok();
}

Result<PolicyVersion> PolicyService::Store(Tx& tx, const AuditContext& ctx, std::string_view yaml,
                                           std::string_view origin, const Policy& parsed) const {
  PolicyVersion v;
  v.sha256 = Sha256Hex(yaml);
  v.name = parsed.name;
  v.source = std::string(yaml);
  v.origin = std::string(origin);
  v.created_by = ctx.actor.name;
  v.created_at = d_.clock.Now();
  CL_ASSIGN_OR_RETURN(v.version, tx.Policies().Insert(v));
  AuditRecord rec{"policy.version.create", "policy", std::to_string(v.version)};
  rec.after = PolicyAuditState(v);
  CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, rec).status());
  return v;
}

Status PolicyService::Initialize(const AuditContext& ctx, std::string_view yaml, std::string_view origin, bool force) {
  CL_ASSIGN_OR_RETURN(std::shared_ptr<const Policy> parsed, parse_(yaml));
  std::optional<PolicyVersion> latest;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(latest, tx.Policies().Latest());
    if (latest && (!force || latest->sha256 == Sha256Hex(yaml))) return Status::Ok();
    CL_ASSIGN_OR_RETURN(latest, Store(tx, ctx, yaml, origin, *parsed));
    return Status::Ok();
  }));
  return Activate(*latest);
}

Result<PolicyVersion> PolicyService::Publish(const Principal& who, const AuditContext& ctx, std::string_view yaml,
                                             std::string_view origin) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kPolicyWrite));
  CL_ASSIGN_OR_RETURN(std::shared_ptr<const Policy> parsed, parse_(yaml));
  PolicyVersion stored;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::optional<PolicyVersion> latest, tx.Policies().Latest());
    if (latest && latest->sha256 == Sha256Hex(yaml)) {
      return Conflict(fmt::format("this text is already policy version {}", latest->version));
    }
    CL_ASSIGN_OR_RETURN(stored, Store(tx, ctx, yaml, origin, *parsed));
    return Status::Ok();
  }));
  std::lock_guard lock(mu_);
  active_ = {parsed, stored.version, stored.sha256};
  return stored;
}

ActivePolicy PolicyService::Current() const {
  std::lock_guard lock(mu_);
  return active_;
}

Result<ActivePolicy> PolicyService::CurrentIn(Tx& tx) const {
  CL_ASSIGN_OR_RETURN(int64_t newest, tx.Policies().LatestNumber());
  ActivePolicy a = Current();
  if (newest == a.version && a.policy) return a;
  if (newest == 0) return FailedPrecondition("no change policy is loaded; start the server with one");
  CL_ASSIGN_OR_RETURN(std::optional<PolicyVersion> v, tx.Policies().Get(newest));
  if (!v) return Internal("policy version vanished");
  CL_RETURN_IF_ERROR(Activate(*v));
  return Current();
}

Result<std::vector<PolicyVersion>> PolicyService::List(const Principal& who) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesRead));
  std::vector<PolicyVersion> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out, tx.Policies().List());
    return Status::Ok();
  }));
  return out;
}

Result<PolicyVersion> PolicyService::Get(const Principal& who, int64_t version) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesRead));
  std::optional<PolicyVersion> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out, tx.Policies().Get(version));
    return Status::Ok();
  }));
  if (!out) return NotFound(fmt::format("no policy version {}", version));
  return *out;
}

}  // namespace cl
