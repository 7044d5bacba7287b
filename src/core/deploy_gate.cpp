#include "core/deploy_gate.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/deploy_match.h"
#include "crypto/crypto.h"

namespace cl {
namespace {

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsDigest(std::string_view s) { return s.size() == 71 && s.starts_with("sha256:") && IsHex(s.substr(7)); }

bool HasType(const std::vector<ChangeType>& types, ChangeType t) {
  return std::find(types.begin(), types.end(), t) != types.end();
}

// A freeze in force now, from the policy calendar or added through the API.
struct ActiveFreeze {
  std::string id;
  std::string description;
  Timestamp end;
  std::vector<ChangeType> allow_types;
};

Result<std::vector<ActiveFreeze>> FreezesNow(Tx& tx, const Policy& policy, std::string_view env, Timestamp now) {
  std::vector<ActiveFreeze> out;
  auto in_env = [&](const std::vector<std::string>& envs) {
    return envs.empty() || std::find(envs.begin(), envs.end(), env) != envs.end();
  };
  for (const FreezeWindow& f : policy.freezes) {
    if (in_env(f.environments) && f.start <= now && now < f.end) {
      out.push_back({f.id, f.description, f.end, f.allow_types});
    }
  }
  CL_ASSIGN_OR_RETURN(std::vector<Freeze> adhoc, tx.Pipeline().Freezes(now));
  for (const Freeze& f : adhoc) {
    if (in_env(f.environments) && f.start <= now) out.push_back({f.id, f.description, f.end, f.allow_types});
  }
  return out;
}

void CheckFreezes(const std::vector<ActiveFreeze>& freezes, std::string_view env, const Change* c,
                  std::vector<GateReason>& reasons, std::vector<std::string>& flags) {
  for (const ActiveFreeze& f : freezes) {
    if (c && HasType(f.allow_types, c->content.type)) {
      flags.push_back(fmt::format("{}_in_freeze", Name(c->content.type)));
      continue;
    }
    reasons.push_back({"freeze", fmt::format("{} is frozen until {} ({}: {})", env, FormatRfc3339(f.end), f.id,
                                             f.description)});
  }
}

// The change's own state: approved, in its window, with the evidence the
// policy wants before implementation.
void CheckChange(const Change& c, const Policy& policy, const std::vector<Approval>& approvals,
                 const std::vector<Evidence>& evidence, Timestamp now, std::vector<GateReason>& reasons,
                 std::vector<std::string>& flags) {
  const bool emergency = c.content.type == ChangeType::kEmergency;
  switch (c.state) {
    case ChangeState::kApproved:
    case ChangeState::kScheduled:
      break;
    case ChangeState::kInProgress:
      if (emergency && !c.approved_at) flags.push_back("emergency_before_approval");
      break;
    case ChangeState::kSubmitted: {
      if (emergency) {
        flags.push_back("emergency_before_approval");
        break;
      }
      const bool any_valid = std::any_of(approvals.begin(), approvals.end(), [](const Approval& a) {
        return a.valid() && a.approve;
      });
      const auto voided = std::find_if(approvals.begin(), approvals.end(), [](const Approval& a) { return !a.valid(); });
      if (voided != approvals.end() && !any_valid) {
        reasons.push_back({"approvals_voided", fmt::format("the approvals of {} were voided ({}); it needs approving "
                                                           "again",
                                                           c.Key(), voided->voided_reason)});
        break;
      }
      const ApprovalProgress p = ComputeApprovalProgress(c, approvals);
      if (p.distinct_approvers > 0 && p.distinct_approvers < p.min_distinct_approvers) {
        reasons.push_back({"sod_not_met", fmt::format("{} has {} of the {} distinct approvers its risk needs", c.Key(),
                                                      p.distinct_approvers, p.min_distinct_approvers)});
      } else if (p.distinct_approvers > 0 && !p.independent) {
        reasons.push_back({"sod_not_met", fmt::format("{} is approved only by people involved in it; an independent "
                                                      "approver is needed",
                                                      c.Key())});
      }
      reasons.push_back({"not_approved", fmt::format("{} is waiting for approval: {}", c.Key(),
                                                     p.outstanding.empty() ? std::string("outstanding")
                                                                           : fmt::format("{}", fmt::join(p.outstanding, "; ")))});
      break;
    }
    case ChangeState::kDraft:
      reasons.push_back({"not_approved", fmt::format("{} is a draft; submit it for approval", c.Key())});
      break;
    default:
      reasons.push_back({"change_finished", fmt::format("{} is {}; raise a new change for another deployment", c.Key(),
                                                        Name(c.state))});
      return;
  }
  if (c.content.planned_start && now < *c.content.planned_start) {
    reasons.push_back({"outside_window", fmt::format("the window of {} opens at {}", c.Key(),
                                                     FormatRfc3339(*c.content.planned_start))});
  }
  if (c.content.planned_end && *c.content.planned_end < now) {
    reasons.push_back({"outside_window", fmt::format("the window of {} closed at {}", c.Key(),
                                                     FormatRfc3339(*c.content.planned_end))});
  }
  const Assessment a = Evaluate(policy, c.content);
  if (a.snapshots_required && !HasValidEvidence(evidence, EvidenceKind::kBeforeSnapshot)) {
    reasons.push_back({"evidence_missing", fmt::format("{} needs a before snapshot before implementation", c.Key())});
  }
  if (std::find(a.closure_evidence.begin(), a.closure_evidence.end(), EvidenceKind::kConfigDiff) !=
          a.closure_evidence.end() &&
      !HasValidEvidence(evidence, EvidenceKind::kConfigDiff)) {
    reasons.push_back({"evidence_missing", fmt::format("{} needs its plan or diff (config_diff) attached before it "
                                                       "is deployed",
                                                       c.Key())});
  }
}


}  // namespace

std::vector<FieldError> CheckArtifact(const Artifact& a, bool required) {
  std::vector<FieldError> errors;
  if (required && a.empty()) {
    errors.push_back({"/artifact", "name what is deployed: commit_sha, image_digest and/or plan_digest"});
  }
  if (!a.commit_sha.empty() && (a.commit_sha.size() < 7 || a.commit_sha.size() > 64 || !IsHex(a.commit_sha))) {
    errors.push_back({"/artifact/commit_sha", "7 to 64 lower-case hex digits"});
  }
  if (!a.image_digest.empty() && !IsDigest(a.image_digest)) {
    errors.push_back({"/artifact/image_digest", "sha256:<64 hex digits>, as a registry reports it"});
  }
  if (!a.plan_digest.empty() && !IsDigest(a.plan_digest)) {
    errors.push_back({"/artifact/plan_digest", "sha256:<64 hex digits> of the plan file (sha256sum)"});
  }
  return errors;
}

std::string SeverityForEnvironment(std::string_view env) {
  static constexpr std::string_view kHigh[] = {"production", "prod", "prd", "live"};
  static constexpr std::string_view kMedium[] = {"staging", "stage", "stg", "preprod", "pre-production", "uat"};
  if (std::find(std::begin(kHigh), std::end(kHigh), env) != std::end(kHigh)) return "high";
  if (std::find(std::begin(kMedium), std::end(kMedium), env) != std::end(kMedium)) return "medium";
  return "low";
}

Result<GateResult> DeployGate::Check(const Principal& who, const AuditContext& ctx, const GateRequest& req) {
  CL_ASSIGN_OR_RETURN(GateResult out, Decide(who, req));
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) { return Record(tx, ctx, out); }));
  return out;
}

Result<GateResult> DeployGate::Decide(const Principal& who, const GateRequest& req) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kGateCheck));
  std::vector<FieldError> errors = CheckArtifact(req.artifact, /*required=*/true);
  if (req.service.empty() || req.service.size() > 200) errors.push_back({"/service", "required, at most 200 characters"});
  if (req.environment.empty() || req.environment.size() > 100) {
    errors.push_back({"/environment", "required, at most 100 characters"});
  }
  if (!errors.empty()) return InvalidArgument("the gate request is not valid", std::move(errors));
  GateResult out;
  const Timestamp now = d_.clock.Now();
  // Decide on a read snapshot: concurrent gate checks run in parallel.
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    out = GateResult{};
    CL_ASSIGN_OR_RETURN(ActivePolicy pol, policies_.CurrentIn(tx));
    CL_ASSIGN_OR_RETURN(ChangeMatch m, MatchChange(tx, req.service, req.environment, req.artifact, req.change_number));
    out.reasons = std::move(m.reasons);
    out.flags = std::move(m.flags);
    out.change = std::move(m.change);
    if (out.change && out.reasons.empty()) {
      CL_ASSIGN_OR_RETURN(std::vector<Approval> approvals, tx.Changes().Approvals(out.change->id));
      CL_ASSIGN_OR_RETURN(std::vector<Evidence> evidence, tx.Changes().EvidenceOf(out.change->id));
      CheckChange(*out.change, *pol.policy, approvals, evidence, now, out.reasons, out.flags);
    }
    CL_ASSIGN_OR_RETURN(std::vector<ActiveFreeze> freezes, FreezesNow(tx, *pol.policy, req.environment, now));
    CheckFreezes(freezes, req.environment, out.change ? &*out.change : nullptr, out.reasons, out.flags);
    return Status::Ok();
  }));
  out.allow = out.reasons.empty();
  out.deployment = NewDeployment(d_.ids, "gate", req.service, req.environment, req.artifact, out.change, out.reasons,
                                 who, now);
  Deployment& d = out.deployment;
  d.decision = out.allow ? "allow" : "deny";
  d.flags = out.flags;
  d.source = req.source;
  d.url = req.url;
  return out;
}

Status DeployGate::Record(Tx& tx, const AuditContext& ctx, const GateResult& decided) const {
  const Deployment& d = decided.deployment;
  CL_RETURN_IF_ERROR(tx.Pipeline().InsertDeployment(d));
  AuditRecord rec{fmt::format("gate.{}", d.decision), "deployment", d.id};
  rec.details = {{"service", d.service},
                 {"environment", d.environment},
                 {"commit_sha", d.artifact.commit_sha},
                 {"image_digest", d.artifact.image_digest},
                 {"plan_digest", d.artifact.plan_digest},
                 {"change", decided.change ? decided.change->Key() : ""},
                 {"reasons", d.reasons},
                 {"flags", d.flags},
                 {"url", d.url}};
  return d_.audit.Append(tx, ctx, rec).status();
}

Status DeployGate::LinkArtifact(Tx& tx, const AuditContext& ctx, const Change& c, std::string_view kind,
                                std::string_view value, std::string_view source) {
  CL_ASSIGN_OR_RETURN(std::vector<ArtifactLink> links, tx.Pipeline().ArtifactsOf(c.id));
  for (const ArtifactLink& l : links) {
    if (l.kind == kind && l.value == value) return Status::Ok();
  }
  CL_RETURN_IF_ERROR(tx.Pipeline().LinkArtifact(
      {c.id, std::string(kind), std::string(value), std::string(source), d_.clock.Now()}));
  AuditRecord rec{"change.artifact_link", "change", c.Key()};
  rec.details = {{"kind", kind}, {"value", value}, {"source", source}};
  return d_.audit.Append(tx, ctx, rec).status();
}

}  // namespace cl
