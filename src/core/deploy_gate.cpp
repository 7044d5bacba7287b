#include "core/deploy_gate.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/deploy_match.h"
#include "core/sod.h"
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

std::vector<ActiveFreeze> FreezesNow(const Policy& policy, const std::vector<Freeze>& adhoc, std::string_view env,
                                     Timestamp now) {
  std::vector<ActiveFreeze> out;
  auto in_env = [&](const std::vector<std::string>& envs) {
    return envs.empty() || std::find(envs.begin(), envs.end(), env) != envs.end();
  };
  for (const FreezeWindow& f : policy.freezes) {
    if (in_env(f.environments) && f.start <= now && now < f.end) {
      out.push_back({f.id, f.description, f.end, f.allow_types});
    }
  }
  for (const Freeze& f : adhoc) {
    if (in_env(f.environments) && f.start <= now && now < f.end) {
      out.push_back({f.id, f.description, f.end, f.allow_types});
    }
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
    reasons.push_back(
        {"freeze", fmt::format("{} is frozen until {} ({}: {})", env, FormatRfc3339(f.end), f.id, f.description)});
  }
}

// The change's own state: approved, in its window, with the evidence the
// policy wants before implementation.
void CheckChange(const Change& c, const Assessment& a, const std::vector<Approval>& approvals,
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
      const bool any_valid =
          std::any_of(approvals.begin(), approvals.end(), [](const Approval& a) { return a.valid() && a.approve; });
      const auto voided =
          std::find_if(approvals.begin(), approvals.end(), [](const Approval& a) { return !a.valid(); });
      if (voided != approvals.end() && !any_valid) {
        reasons.push_back({"approvals_voided", fmt::format("the approvals of {} were voided ({}); it needs approving "
                                                           "again",
                                                           c.Key(), voided->voided_reason)});
        break;
      }
      const ApprovalProgress p = ComputeApprovalProgress(c, approvals);
      if (auto shortfall = SodShortfall(c, p)) reasons.push_back({"sod_not_met", std::move(*shortfall)});
      reasons.push_back(
          {"not_approved", fmt::format("{} is waiting for approval: {}", c.Key(),
                                       p.outstanding.empty() ? std::string("outstanding")
                                                             : fmt::format("{}", fmt::join(p.outstanding, "; ")))});
      break;
    }
    case ChangeState::kDraft:
      reasons.push_back({"not_approved", fmt::format("{} is a draft; submit it for approval", c.Key())});
      break;
    default:
      reasons.push_back({"change_finished",
                         fmt::format("{} is {}; raise a new change for another deployment", c.Key(), Name(c.state))});
      return;
  }
  if (c.content.planned_start && now < *c.content.planned_start) {
    reasons.push_back({"outside_window",
                       fmt::format("the window of {} opens at {}", c.Key(), FormatRfc3339(*c.content.planned_start))});
  }
  if (c.content.planned_end && *c.content.planned_end < now) {
    reasons.push_back({"outside_window",
                       fmt::format("the window of {} closed at {}", c.Key(), FormatRfc3339(*c.content.planned_end))});
  }
  for (const FieldError& e : EvidenceMissing(a.start_evidence, evidence, "before it is deployed")) {
    reasons.push_back({"evidence_missing", fmt::format("{}: {}", c.Key(), e.message)});
  }
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

// Everything a decision rests on apart from the clock, read in one snapshot
// at control epoch `epoch`. Shared by the cache and the decisions that use it.
struct GateInputs {
  int64_t epoch = -1;
  ActivePolicy policy;
  ChangeMatch match;                     // its change moved to `change`
  std::shared_ptr<const Change> change;  // the matched change, if any
  std::vector<Approval> approvals;       // of change
  std::vector<Evidence> evidence;        // of change
  Assessment assessment;                 // of change under the policy
  std::vector<Freeze> adhoc;             // not lifted and not over when read
};

Result<std::shared_ptr<const GateInputs>> LoadInputs(Tx& tx, PolicyService& policies, const GateRequest& req,
                                                     Timestamp now) {
  auto in = std::make_shared<GateInputs>();
  CL_ASSIGN_OR_RETURN(in->epoch, tx.Pipeline().ControlEpoch());
  CL_ASSIGN_OR_RETURN(in->policy, policies.CurrentIn(tx));
  CL_ASSIGN_OR_RETURN(in->match, MatchChange(tx, req.service, req.environment, req.artifact, req.change_number));
  if (in->match.change) {
    in->change = std::make_shared<const Change>(std::move(*in->match.change));
    in->match.change.reset();
  }
  if (in->change && in->match.reasons.empty()) {
    CL_ASSIGN_OR_RETURN(in->approvals, tx.Changes().Approvals(in->change->id));
    CL_ASSIGN_OR_RETURN(in->evidence, tx.Changes().EvidenceOf(in->change->id));
    in->assessment = Evaluate(*in->policy.policy, in->change->content);
  }
  CL_ASSIGN_OR_RETURN(in->adhoc, tx.Pipeline().Freezes(now));
  return std::shared_ptr<const GateInputs>(std::move(in));
}

// The decision at `now` on those inputs: reasons, flags and the change.
void Judge(const GateInputs& in, const GateRequest& req, Timestamp now, GateResult& out) {
  out.reasons = in.match.reasons;
  out.flags = in.match.flags;
  out.change = in.change;
  if (out.change && out.reasons.empty()) {
    CheckChange(*out.change, in.assessment, in.approvals, in.evidence, now, out.reasons, out.flags);
  }
  CheckFreezes(FreezesNow(*in.policy.policy, in.adhoc, req.environment, now), req.environment, out.change.get(),
               out.reasons, out.flags);
  out.allow = out.reasons.empty();
  out.epoch = in.epoch;
  SetMatch(out.deployment, out.change.get(), out.reasons);
  out.deployment.decision = out.allow ? "allow" : "deny";
  out.deployment.flags = out.flags;
}

AuditRecord AuditRecordOf(const GateResult& decided) {
  const Deployment& d = decided.deployment;
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
  return rec;
}

std::string CacheKey(const GateRequest& req) {
  return fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", req.service, req.environment,
                     req.change_number ? *req.change_number : 0, req.artifact.commit_sha, req.artifact.image_digest,
                     req.artifact.plan_digest);
}

}  // namespace

// Inputs by request, valid while the control epoch they were read at is the
// newest. Bounded: the keys come from callers.
class DeployGate::InputCache {
 public:
  std::shared_ptr<const GateInputs> Find(const std::string& key, int64_t epoch) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    return it != entries_.end() && it->second->epoch == epoch ? it->second : nullptr;
  }
  void Put(std::string key, std::shared_ptr<const GateInputs> in) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= kMaxEntries && !entries_.contains(key)) entries_.clear();
    entries_[std::move(key)] = std::move(in);
  }

 private:
  static constexpr size_t kMaxEntries = 1024;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const GateInputs>> entries_;
};

DeployGate::DeployGate(const Deps& deps, PolicyService& policies)
    : d_(deps), policies_(policies), cache_(std::make_unique<InputCache>()) {}

DeployGate::~DeployGate() = default;

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

Status DeployGate::Check(const Principal& who, const AuditContext& ctx, const GateRequest& req,
                         const GateAnswer& answer, GateRecorded recorded) {
  CL_ASSIGN_OR_RETURN(GateResult r, Decide(who, ctx, req));
  auto decided = std::make_shared<GateResult>(std::move(r));
  // Rendered before the write is queued: from then on only the writer
  // thread touches `decided`.
  answer(*decided);
  d_.store.WriteAsync([this, ctx, decided](Tx& tx) { return Record(tx, ctx, *decided); },
                      [decided, recorded = std::move(recorded)](Status committed) {
                        recorded(committed, committed.ok() && decided->revised ? decided.get() : nullptr);
                      });
  return Status::Ok();
}

Result<GateResult> DeployGate::Decide(const Principal& who, const AuditContext& ctx, const GateRequest& req) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kGateCheck));
  std::vector<FieldError> errors = CheckArtifact(req.artifact, /*required=*/true);
  if (req.service.empty() || req.service.size() > 200)
    errors.push_back({"/service", "required, at most 200 characters"});
  if (req.environment.empty() || req.environment.size() > 100) {
    errors.push_back({"/environment", "required, at most 100 characters"});
  }
  if (!errors.empty()) return InvalidArgument("the gate request is not valid", std::move(errors));
  const Timestamp now = d_.clock.Now();
  // Pipelines ask the same question many times (retries, --wait, parallel
  // jobs): while nothing the answer rests on has changed, the inputs come
  // from memory; otherwise from one read snapshot.
  std::string key = CacheKey(req);
  std::shared_ptr<const GateInputs> in;
  if (const std::optional<int64_t> epoch = d_.store.KnownControlEpoch()) in = cache_->Find(key, *epoch);
  if (!in) {
    CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
      CL_ASSIGN_OR_RETURN(in, LoadInputs(tx, policies_, req, now));
      return Status::Ok();
    }));
    cache_->Put(std::move(key), in);
  }
  GateResult out;
  out.request = req;
  out.deployment =
      NewDeployment(d_.ids, "gate", req.service, req.environment, req.artifact, std::nullopt, {}, who, now);
  out.deployment.source = req.source;
  out.deployment.url = req.url;
  Judge(*in, req, now, out);
  // The audit event's JSON is built here, off the single writer.
  CL_ASSIGN_OR_RETURN(out.audit_event, d_.audit.Prepare(ctx, AuditRecordOf(out)));
  return out;
}

Status DeployGate::Record(Tx& tx, const AuditContext& ctx, GateResult& decided) const {
  // The decision stands only if what it rests on is unchanged in the
  // transaction that records it; otherwise decide again on what this
  // transaction sees (same time, same event id), so no decision is ever
  // recorded on stale data.
  CL_ASSIGN_OR_RETURN(int64_t epoch, tx.Pipeline().ControlEpoch());
  if (epoch != decided.epoch) {
    const Timestamp at = decided.deployment.created_at;
    CL_ASSIGN_OR_RETURN(std::shared_ptr<const GateInputs> in, LoadInputs(tx, policies_, decided.request, at));
    Judge(*in, decided.request, at, decided);
    decided.revised = true;
    CL_ASSIGN_OR_RETURN(decided.audit_event, d_.audit.Prepare(ctx, AuditRecordOf(decided)));
  }
  CL_RETURN_IF_ERROR(tx.Pipeline().InsertDeployment(decided.deployment));
  return d_.audit.Append(tx, decided.audit_event).status();
}

Status DeployGate::LinkArtifact(Tx& tx, const AuditContext& ctx, const Change& c, std::string_view kind,
                                std::string_view value, std::string_view source) {
  CL_ASSIGN_OR_RETURN(std::vector<ArtifactLink> links, tx.Pipeline().ArtifactsOf(c.id));
  for (const ArtifactLink& l : links) {
    if (l.kind == kind && l.value == value) return Status::Ok();
  }
  CL_RETURN_IF_ERROR(
      tx.Pipeline().LinkArtifact({c.id, std::string(kind), std::string(value), std::string(source), d_.clock.Now()}));
  AuditRecord rec{"change.artifact_link", "change", c.Key()};
  rec.details = {{"kind", kind}, {"value", value}, {"source", source}};
  return d_.audit.Append(tx, ctx, rec).status();
}

}  // namespace cl
