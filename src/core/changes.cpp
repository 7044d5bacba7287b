// Change records: create, edit (new content version; material edits void
// approvals), read, list, findings and reports. Lifecycle actions, approvals,
// evidence and reviews are in change_actions.cpp.
#include "core/changes.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/audit_states.h"
#include "core/change_permits.h"
#include "core/notifications.h"
#include "core/people_notifications.h"

namespace cl {

const std::array<ChangeAction, 9> kAllChangeActions = {
    ChangeAction::kSubmit,   ChangeAction::kSchedule, ChangeAction::kStart,
    ChangeAction::kComplete, ChangeAction::kFail,     ChangeAction::kRollback,
    ChangeAction::kVerify,   ChangeAction::kClose,    ChangeAction::kCancel};

std::string_view Name(ChangeAction a) {
  static constexpr std::string_view k[] = {"submit",   "schedule", "start", "complete", "fail",
                                           "rollback", "verify",   "close", "cancel"};
  return k[static_cast<int>(a)];
}

std::optional<ChangeAction> ParseChangeAction(std::string_view s) {
  for (ChangeAction a : kAllChangeActions) {
    if (Name(a) == s) return a;
  }
  return std::nullopt;
}

std::optional<int64_t> ParseChangeKey(std::string_view key) {
  if (key.size() > 4 && (key.substr(0, 4) == "CHG-" || key.substr(0, 4) == "chg-")) key.remove_prefix(4);
  return ParsePositiveNumber(key);
}

bool MayEdit(const Principal& who, const Change& c) {
  return who.user_id == c.requestor_id || who.Can(Permission::kChangesManage);
}

Status ContentEditable(const Change& c) {
  const ChangeState s = c.state;
  const bool emergency = c.content.type == ChangeType::kEmergency;
  if (IsTerminal(s) || s == ChangeState::kImplemented || s == ChangeState::kVerified || s == ChangeState::kFailed ||
      (s == ChangeState::kInProgress && !emergency)) {
    return Conflict(
        fmt::format("{} is {}; its content is locked. Record what happened as evidence, or "
                    "raise a new change",
                    c.Key(), Name(s)));
  }
  if (c.content.type == ChangeType::kStandard && s != ChangeState::kDraft) {
    return Conflict("standard changes are fixed by their template after submission; cancel and raise a new one");
  }
  return Status::Ok();
}

Result<Change> ChangeService::Load(Tx& tx, int64_t number) {
  CL_ASSIGN_OR_RETURN(std::optional<Change> found, tx.Changes().FindByNumber(number));
  if (!found) return NotFound(fmt::format("no change CHG-{}", number));
  return std::move(*found);
}

Status ChangeService::Notify(Tx& tx, const AuditContext& ctx, ChangeState from, const Change& after,
                             const std::string& note) {
  const ActivePolicy active = policies_.Current();
  if (!active.policy) return Status::Ok();
  return QueueChangeNotifications(tx, d_.ids, after.updated_at, notify_, *active.policy, from, after, ctx.actor.name,
                                  note);
}

Status ChangeService::Record(Tx& tx, const AuditContext& ctx, const Change& before, const Change& after,
                             std::string_view action, const std::string& note) {
  if (before.state != after.state) {
    Transition t;
    t.change_id = after.id;
    t.from = before.state;
    t.to = after.state;
    t.action = std::string(action);
    t.actor_id = ctx.actor.id;
    t.actor = ctx.actor.name;
    t.at = after.updated_at;
    t.note = note;
    CL_RETURN_IF_ERROR(tx.Changes().InsertTransition(t));
    CL_RETURN_IF_ERROR(
        QueueChangeEvent(tx, d_.ids, after.updated_at, after, fmt::format("change.{}", Name(after.state))));
    CL_RETURN_IF_ERROR(Notify(tx, ctx, before.state, after, note));
  }
  AuditRecord rec{fmt::format("change.{}", action), "change", after.Key()};
  rec.before = ChangeAuditState(before);
  rec.after = ChangeAuditState(after);
  if (!note.empty()) rec.details["note"] = note;
  return d_.audit.Append(tx, ctx, rec).status();
}

Result<Change> ChangeService::Create(const Principal& who, const AuditContext& ctx, const nlohmann::json& fields) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesWrite));
  CL_ASSIGN_OR_RETURN(ChangeContent content, ContentFromJson(fields));
  if (content.title.empty()) return InvalidArgument("the change needs a title", {{"/title", "required"}});
  if (content.type == ChangeType::kStandard) {
    if (content.template_id.empty()) {
      return InvalidArgument("standard changes come from a pre-approved template",
                             {{"/template/id", "name the standard template"}});
    }
    const ActivePolicy active = policies_.Current();
    if (!active.policy) return FailedPrecondition("no change policy is loaded");
    CL_ASSIGN_OR_RETURN(content, ApplyTemplate(*active.policy, content));
  }
  Change c;
  c.id = d_.ids.NewId("chg");
  c.content = std::move(content);
  const nlohmann::json content_json = ContentToJson(c.content);
  c.material_hash = MaterialHashOf(content_json);
  c.requestor_id = who.user_id;
  c.requestor = who.username;
  c.created_at = c.updated_at = d_.clock.Now();
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(c.number, tx.Changes().NextNumber());
    CL_RETURN_IF_ERROR(tx.Changes().Insert(c));
    CL_RETURN_IF_ERROR(
        tx.Changes().InsertVersion({c.id, 1, c.material_hash, content_json, who.user_id, who.username, c.created_at}));
    AuditRecord rec{"change.create", "change", c.Key()};
    rec.after = ChangeAuditState(c, content_json);
    return d_.audit.Append(tx, ctx, rec).status();
  }));
  return c;
}

Result<Change> ChangeService::Edit(const Principal& who, const AuditContext& ctx, int64_t number,
                                   const nlohmann::json& patch, std::optional<int64_t> expected) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesWrite));
  Change out;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(Change before, Load(tx, number));
    if (!MayEdit(who, before)) {
      return PermissionDenied(
          fmt::format("only the requestor ({}) or a change manager may edit {}", before.requestor, before.Key()));
    }
    if (expected && *expected != before.row_version) {
      return Conflict(
          fmt::format("{} is at version {}, not {}; reload and retry", before.Key(), before.row_version, *expected));
    }
    CL_ASSIGN_OR_RETURN(out, ApplyEdit(tx, who, ctx, before, patch, "update"));
    return Status::Ok();
  }));
  return out;
}

Result<Change> ChangeService::ApplyEdit(Tx& tx, const Principal& who, const AuditContext& ctx, const Change& before,
                                        const nlohmann::json& patch, std::string_view action) {
  const ChangeState s = before.state;
  CL_RETURN_IF_ERROR(ContentEditable(before));
  CL_ASSIGN_OR_RETURN(ChangeContent content, MergeContent(before.content, patch));
  if (s != ChangeState::kDraft && content.type != before.content.type) {
    return InvalidArgument("the type cannot change after submission",
                           {{"/type", "cancel this change and raise a new one"}});
  }
  Change c = before;
  c.content = std::move(content);
  const nlohmann::json content_json = ContentToJson(c.content);
  // An edit that changes nothing (an empty PATCH, a form saved unchanged)
  // stores nothing: no new content version, no audit event, approvals kept.
  if (content_json == ContentToJson(before.content)) return before;
  c.material_hash = MaterialHashOf(content_json);
  const bool material = c.material_hash != before.material_hash;
  c.updated_at = d_.clock.Now();
  c.row_version = before.row_version + 1;
  c.content_version = before.content_version + 1;
  int voided = 0;
  if (s != ChangeState::kDraft) {
    CL_ASSIGN_OR_RETURN(ActivePolicy active, policies_.CurrentIn(tx));
    const Assessment a = Evaluate(*active.policy, c.content);
    if (!a.missing_fields.empty() || !a.problems.empty()) {
      std::vector<FieldError> errs = a.missing_fields;
      errs.insert(errs.end(), a.problems.begin(), a.problems.end());
      return InvalidArgument("the edit would leave a submitted change incomplete", std::move(errs));
    }
    c.assessment = a;
    c.risk = a.risk;
    c.policy_version = active.version;
  }
  if (material) {
    CL_ASSIGN_OR_RETURN(std::vector<Approval> approvals, tx.Changes().Approvals(c.id));
    for (const Approval& ap : approvals) {
      if (!ap.valid()) continue;
      const std::string reason = fmt::format("content changed in version {} ({})", c.content_version, c.material_hash);
      CL_RETURN_IF_ERROR(tx.Changes().VoidApproval(ap.id, c.updated_at, reason));
      Approval voided_ap = ap;
      voided_ap.voided_at = c.updated_at;
      voided_ap.voided_reason = reason;
      AuditRecord rec{"approval.void", "approval", ap.id};
      rec.before = ApprovalAuditState(ap, c.Key());
      rec.after = ApprovalAuditState(voided_ap, c.Key());
      rec.details = {{"change", c.Key()},
                     {"approver", ap.approver},
                     {"role", ap.role},
                     {"reason", reason},
                     {"approved_sha256", ap.material_hash}};
      CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, rec).status());
      ++voided;
    }
    if (voided > 0 && (s == ChangeState::kApproved || s == ChangeState::kScheduled)) {
      c.state = ChangeState::kSubmitted;
      c.approved_at.reset();
      c.scheduled_at.reset();
    }
    if (voided > 0 && before.content.type == ChangeType::kEmergency) c.approved_at.reset();
  }
  CL_RETURN_IF_ERROR(tx.Changes().Update(c));
  CL_RETURN_IF_ERROR(tx.Changes().InsertVersion(
      {c.id, c.content_version, c.material_hash, content_json, who.user_id, who.username, c.updated_at}));
  const std::string note = voided > 0 ? fmt::format("{} approval(s) voided by a material edit", voided) : "";
  CL_RETURN_IF_ERROR(Record(tx, ctx, before, c, action, note));
  // Approvals voided on a change still waiting for them: the approvers are
  // asked again (a move back to submitted asks them through Record).
  if (voided > 0 && s == ChangeState::kSubmitted) CL_RETURN_IF_ERROR(Notify(tx, ctx, s, c, note));
  return c;
}

Result<ChangeDetail> ChangeService::Get(const Principal& who, int64_t number) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesRead));
  ChangeDetail d;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(d.change, Load(tx, number));
    ChangeRepo& r = tx.Changes();
    CL_ASSIGN_OR_RETURN(d.approvals, r.Approvals(d.change.id));
    CL_ASSIGN_OR_RETURN(d.evidence, r.EvidenceOf(d.change.id));
    CL_ASSIGN_OR_RETURN(d.reviews, r.Reviews(d.change.id));
    CL_ASSIGN_OR_RETURN(d.transitions, r.Transitions(d.change.id));
    CL_ASSIGN_OR_RETURN(d.versions, r.Versions(d.change.id));
    PipelineRepo& p = tx.Pipeline();
    CL_ASSIGN_OR_RETURN(d.iac, p.IacOf(d.change.id));
    DeploymentQuery dq;
    dq.change_id = d.change.id;
    dq.limit = 200;
    CL_ASSIGN_OR_RETURN(d.deployments, p.Deployments(dq));
    CL_ASSIGN_OR_RETURN(d.artifacts, p.ArtifactsOf(d.change.id));
    CL_ASSIGN_OR_RETURN(ActivePolicy active, policies_.CurrentIn(tx));
    d.permits = PermitsFor(who, d.change, d.approvals, *active.policy).ToJson();
    if (!IsTerminal(d.change.state)) {
      d.closure_missing = ClosureMissing(d.change, *active.policy, d.approvals, d.evidence, d.reviews);
    }
    return Status::Ok();
  }));
  const Change& c = d.change;
  d.approval = ComputeApprovalProgress(c, d.approvals);
  if (c.assessment && c.assessment->approval_sla_hours > 0 && c.submitted_at) {
    d.approval_due = *c.submitted_at + c.assessment->approval_sla_hours * 3600 * kMicrosPerSecond;
    d.approval_overdue = c.state == ChangeState::kSubmitted && d_.clock.Now() > *d.approval_due;
  }
  d.overdue = c.review_deadline && d_.clock.Now() > *c.review_deadline && (!c.approved_at || !c.retrospective_at) &&
              c.state != ChangeState::kCancelled;
  return d;
}

Result<std::vector<Change>> ChangeService::List(const Principal& who, const ChangeListQuery& q) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesRead));
  std::vector<Change> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out, tx.Changes().List(q));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Change>> ChangeService::AwaitingDecision(const Principal& who, int64_t limit) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesApprove));
  std::vector<Change> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    out.clear();
    CL_ASSIGN_OR_RETURN(ActivePolicy active, policies_.CurrentIn(tx));
    std::vector<Change> candidates;
    auto add = [&](ChangeState state, std::optional<ChangeType> type) -> Status {
      ChangeListQuery q;
      q.state = state;
      q.type = type;
      q.limit = 500;
      CL_ASSIGN_OR_RETURN(std::vector<Change> found, tx.Changes().List(q));
      candidates.insert(candidates.end(), found.begin(), found.end());
      return Status::Ok();
    };
    CL_RETURN_IF_ERROR(add(ChangeState::kSubmitted, std::nullopt));
    for (ChangeState s : {ChangeState::kApproved, ChangeState::kScheduled, ChangeState::kInProgress,
                          ChangeState::kImplemented, ChangeState::kVerified}) {
      CL_RETURN_IF_ERROR(add(s, ChangeType::kEmergency));
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const Change& a, const Change& b) { return a.number > b.number; });
    for (const Change& c : candidates) {
      if (static_cast<int64_t>(out.size()) >= limit) break;
      if (QualifyingRoles(who, c, *active.policy).empty()) continue;
      CL_ASSIGN_OR_RETURN(std::vector<Approval> approvals, tx.Changes().Approvals(c.id));
      const ChangePermits p = PermitsFor(who, c, approvals, *active.policy);
      if (p.approve || p.approve_compensating || p.reject) out.push_back(c);
    }
    return Status::Ok();
  }));
  return out;
}

Result<FileBlob> ChangeService::GetFile(const Principal& who, std::string_view sha256) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesRead));
  std::optional<FileBlob> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out, tx.Changes().GetBlob(sha256));
    return Status::Ok();
  }));
  if (!out) return NotFound(fmt::format("no file with SHA-256 {}", sha256));
  return std::move(*out);
}

Result<int64_t> ChangeService::RemindApprovalDeadlines() {
  const ActivePolicy active = policies_.Current();
  if (!active.policy) return int64_t{0};
  int64_t queued = 0;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(queued, QueueApprovalDeadlines(tx, d_.ids, d_.clock.Now(), notify_, *active.policy));
    return Status::Ok();
  }));
  return queued;
}

Result<int64_t> ChangeService::RaiseOverdueFindings(const AuditContext& ctx) {
  int64_t raised = 0;
  const Timestamp now = d_.clock.Now();
  std::vector<Change> overdue;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(overdue, tx.Changes().OverdueEmergencies(now));
    return Status::Ok();
  }));
  if (overdue.empty()) return raised;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    raised = 0;
    for (const Change& c : overdue) {
      std::vector<std::string> missing;
      if (!c.approved_at) missing.push_back("approvals");
      if (!c.retrospective_at) missing.push_back("retrospective review");
      Finding f;
      f.id = d_.ids.NewId("fnd");
      f.kind = "emergency_review_overdue";
      f.severity = "high";
      f.object_type = "change";
      f.object_id = c.Key();
      f.controls = {"CM-3", "CC8.1", "ISO27001:A.8.32"};
      f.summary = fmt::format("{} is an emergency change past its review deadline ({}) without {}", c.Key(),
                              FormatRfc3339(*c.review_deadline), fmt::join(missing, " and "));
      f.details = {{"deadline", FormatRfc3339(*c.review_deadline)}, {"missing", missing}, {"state", Name(c.state)}};
      f.created_at = now;
      CL_ASSIGN_OR_RETURN(bool inserted, tx.Findings().InsertIfNew(f));
      if (!inserted) continue;
      AuditRecord rec{"finding.create", "finding", f.id};
      rec.after = {{"kind", f.kind}, {"object", f.object_id}, {"summary", f.summary}};
      CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, rec).status());
      ++raised;
    }
    return Status::Ok();
  }));
  return raised;
}

Result<std::vector<Finding>> ChangeService::Findings(const Principal& who, const FindingQuery& q) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesRead));
  CL_RETURN_IF_ERROR(RaiseOverdueFindings(ContextFor(SystemPrincipal(), "", "")).status());
  std::vector<Finding> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out, tx.Findings().List(q));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<EmergencyPattern>> ChangeService::EmergencyPatterns(const Principal& who) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesRead));
  const ActivePolicy active = policies_.Current();
  const EmergencyRules rules = active.policy ? active.policy->emergency : EmergencyRules{};
  const Timestamp since = d_.clock.Now() + (-int64_t{rules.repeat_window_days} * 86400 * kMicrosPerSecond);
  std::vector<EmergencyPattern> out;
  CL_RETURN_IF_ERROR(d_.store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(out, tx.Changes().EmergencyPatterns(since, rules.repeat_threshold));
    return Status::Ok();
  }));
  return out;
}

}  // namespace cl
