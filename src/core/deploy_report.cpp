// Deployments reported after the fact, and the ad-hoc freeze calendar.
#include <fmt/format.h>

#include <algorithm>

#include "core/audit_states.h"
#include "core/deploy_gate.h"
#include "core/deploy_match.h"

namespace cl {
namespace {

// Whether a matched change authorizes a deployment now.
bool Authorizes(const Change& c, std::vector<std::string>& flags) {
  const bool emergency = c.content.type == ChangeType::kEmergency;
  switch (c.state) {
    case ChangeState::kApproved:
    case ChangeState::kScheduled:
    case ChangeState::kInProgress:
    case ChangeState::kImplemented:
      if (emergency && !c.approved_at) flags.push_back("emergency_before_approval");
      return c.approved_at.has_value() || emergency;
    case ChangeState::kSubmitted:
      if (emergency) flags.push_back("emergency_before_approval");
      return emergency;
    default:
      return false;
  }
}

}  // namespace

nlohmann::json FreezeJson(const Freeze& f) {
  std::vector<std::string> types;
  for (ChangeType t : f.allow_types) types.emplace_back(Name(t));
  return {{"id", f.id},
          {"description", f.description},
          {"environments", f.environments},
          {"start", FormatRfc3339(f.start)},
          {"end", FormatRfc3339(f.end)},
          {"allow_types", types},
          {"created_by", f.created_by},
          {"created_at", FormatRfc3339(f.created_at)},
          {"lifted_at", TimeOrNull(f.lifted_at)},
          {"lifted_by", f.lifted_by}};
}

std::vector<FieldError> CheckReport(const ReportedDeployment& in) {
  std::vector<FieldError> errors = CheckArtifact(in.artifact, /*required=*/true);
  if (in.service.empty() || in.service.size() > 200) errors.push_back({"/service", "required, at most 200 characters"});
  if (in.environment.empty() || in.environment.size() > 100) {
    errors.push_back({"/environment", "required, at most 100 characters"});
  }
  if (in.status.empty() || in.status.size() > 40) errors.push_back({"/status", "required: success, failure, ..."});
  if (!in.url.empty() && !in.url.starts_with("https://") && !in.url.starts_with("http://")) {
    errors.push_back({"/url", "must be an http(s) URL"});
  }
  return errors;
}

Result<ReportResult> DeployGate::Report(const Principal& who, const AuditContext& ctx, const ReportedDeployment& in) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kEvidenceWrite));
  std::vector<FieldError> errors = CheckReport(in);
  if (!errors.empty()) return InvalidArgument("the deployment report is not valid", std::move(errors));
  ReportResult out;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out, ReportIn(tx, who, ctx, in));
    return Status::Ok();
  }));
  return out;
}

Result<ReportResult> DeployGate::ReportIn(Tx& tx, const Principal& who, const AuditContext& ctx,
                                          const ReportedDeployment& in) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kEvidenceWrite));
  ReportResult out;
  const Timestamp now = d_.clock.Now();
  CL_ASSIGN_OR_RETURN(ChangeMatch m, MatchChange(tx, in.service, in.environment, in.artifact, in.change_number));
  std::vector<std::string> flags = std::move(m.flags);
  const bool authorized = m.change && m.reasons.empty() && Authorizes(*m.change, flags);
  if (m.change && !authorized && m.reasons.empty()) {
    m.reasons.push_back(
        {"not_approved", fmt::format("{} was {} when this was deployed", m.change->Key(), Name(m.change->state))});
  }
  out.deployment =
      NewDeployment(d_.ids, "reported", in.service, in.environment, in.artifact, m.change, m.reasons, who, now);
  Deployment& d = out.deployment;
  d.flags = std::move(flags);
  d.decision = authorized ? "authorized" : "unauthorized";
  d.source = in.source;
  d.status = in.status;
  d.url = in.url;
  CL_RETURN_IF_ERROR(tx.Pipeline().InsertDeployment(d));
  if (authorized) {
    out.change = m.change;
    if (in.status == "success" || in.status == "failure" || in.status == "error") {
      Evidence e;
      e.id = d_.ids.NewId("evd");
      e.change_id = m.change->id;
      e.kind = EvidenceKind::kPipelineRun;
      e.url = in.url;
      // A failed or errored deployment is kept as what it is: it satisfies nothing.
      e.outcome = in.status == "success" ? EvidenceOutcome::kSuccess : EvidenceOutcome::kFailure;
      e.note = fmt::format("Deployment {} of {} to {}: {} (commit {}{}) reported by {} via {}", d.id, in.service,
                           in.environment, in.status, in.artifact.commit_sha.empty() ? "-" : in.artifact.commit_sha,
                           in.artifact.image_digest.empty() ? "" : ", image " + in.artifact.image_digest, who.username,
                           in.source);
      e.added_by_id = who.user_id;
      e.added_by = who.username;
      e.created_at = now;
      CL_RETURN_IF_ERROR(tx.Changes().InsertEvidence(e));
      AuditRecord ev{"evidence.add", "evidence", e.id};
      ev.after = EvidenceAuditState(e, m.change->Key());
      CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, ev).status());
      out.evidence = std::move(e);
    }
  } else {
    Finding f;
    f.id = d_.ids.NewId("fnd");
    f.kind = "unauthorized_change";
    f.severity = SeverityForEnvironment(in.environment);
    f.object_type = "deployment";
    f.object_id = d.id;
    f.controls = {"CM-3", "CM-5"};
    f.summary = fmt::format("{} was deployed to {} ({}) without an approved change", in.service, in.environment,
                            in.artifact.commit_sha.empty() ? in.artifact.image_digest : in.artifact.commit_sha);
    f.details = {{"deployment", d.id},
                 {"service", in.service},
                 {"environment", in.environment},
                 {"commit_sha", in.artifact.commit_sha},
                 {"image_digest", in.artifact.image_digest},
                 {"plan_digest", in.artifact.plan_digest},
                 {"status", in.status},
                 {"url", in.url},
                 {"source", in.source},
                 {"reasons", d.reasons},
                 {"change", m.change ? m.change->Key() : ""}};
    f.created_at = now;
    CL_ASSIGN_OR_RETURN(bool inserted, tx.Findings().InsertIfNew(f));
    if (inserted) {
      AuditRecord fr{"finding.raise", "finding", f.id};
      fr.after = {{"kind", f.kind}, {"severity", f.severity}, {"object", d.id}, {"summary", f.summary}};
      CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, fr).status());
      out.finding = std::move(f);
    }
  }
  AuditRecord rec{"deployment.report", "deployment", d.id};
  rec.details = {{"service", d.service},
                 {"environment", d.environment},
                 {"status", d.status},
                 {"decision", d.decision},
                 {"commit_sha", d.artifact.commit_sha},
                 {"change", m.change ? m.change->Key() : ""},
                 {"source", d.source},
                 {"url", d.url}};
  CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, rec).status());
  return out;
}

Result<std::vector<Deployment>> DeployGate::Deployments(const Principal& who, const DeploymentQuery& q) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesRead));
  std::vector<Deployment> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out, tx.Pipeline().Deployments(q));
    return Status::Ok();
  }));
  return out;
}

Result<Freeze> DeployGate::AddFreeze(const Principal& who, const AuditContext& ctx, Freeze in) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesManage));
  std::vector<FieldError> errors;
  if (in.description.empty() || in.description.size() > 500) {
    errors.push_back({"/description", "say why (at most 500 characters)"});
  }
  if (!(in.start < in.end)) errors.push_back({"/end", "must be after start"});
  const Timestamp now = d_.clock.Now();
  if (in.end <= now) errors.push_back({"/end", "must be in the future"});
  const ActivePolicy pol = policies_.Current();
  for (size_t i = 0; i < in.environments.size(); ++i) {
    const auto& envs = pol.policy->environments;
    if (std::find(envs.begin(), envs.end(), in.environments[i]) == envs.end()) {
      errors.push_back({fmt::format("/environments/{}", i), fmt::format("'{}' is not an environment of the policy; one "
                                                                        "of {}",
                                                                        in.environments[i], fmt::join(envs, ", "))});
    }
  }
  if (!errors.empty()) return InvalidArgument("the freeze is not valid", std::move(errors));
  in.id = d_.ids.NewId("frz");
  in.created_by = who.username;
  in.created_at = now;
  in.lifted_at.reset();
  in.lifted_by.clear();
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_RETURN_IF_ERROR(tx.Pipeline().InsertFreeze(in));
    AuditRecord rec{"freeze.add", "freeze", in.id};
    rec.after = FreezeJson(in);
    return d_.audit.Append(tx, ctx, rec).status();
  }));
  return in;
}

Result<Freeze> DeployGate::LiftFreeze(const Principal& who, const AuditContext& ctx, std::string_view id) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesManage));
  Freeze out;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    const Timestamp now = d_.clock.Now();
    CL_ASSIGN_OR_RETURN(std::vector<Freeze> before, tx.Pipeline().Freezes(std::nullopt));
    CL_RETURN_IF_ERROR(tx.Pipeline().LiftFreeze(id, now, who.username));
    CL_ASSIGN_OR_RETURN(std::vector<Freeze> all, tx.Pipeline().Freezes(std::nullopt));
    auto it = std::find_if(all.begin(), all.end(), [&](const Freeze& f) { return f.id == id; });
    auto was = std::find_if(before.begin(), before.end(), [&](const Freeze& f) { return f.id == id; });
    if (it == all.end() || was == before.end()) return NotFound(fmt::format("no freeze {}", id));
    out = *it;
    // The state before and after, so reconciliation follows the row (a lift
    // does not remove it).
    AuditRecord rec{"freeze.lift", "freeze", out.id};
    rec.before = FreezeJson(*was);
    rec.after = FreezeJson(out);
    return d_.audit.Append(tx, ctx, rec).status();
  }));
  return out;
}

Result<std::vector<Freeze>> DeployGate::Freezes(const Principal& who, bool all) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesRead));
  std::vector<Freeze> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    std::optional<Timestamp> after;
    if (!all) after = d_.clock.Now();
    CL_ASSIGN_OR_RETURN(out, tx.Pipeline().Freezes(after));
    return Status::Ok();
  }));
  return out;
}

}  // namespace cl
