// The lifecycle actions (no skipping: each action names the states it may
// start from), approvals with segregation of duties, evidence and reviews.
#include <fmt/format.h>

#include <algorithm>

#include "core/audit_states.h"
#include "core/change_lifecycle.h"
#include "core/change_permits.h"
#include "core/changes.h"
#include "crypto/crypto.h"

namespace cl {
namespace {

std::vector<FieldError> FreezeErrors(const Policy& p, const Change& c, Timestamp start, Timestamp end) {
  std::vector<FieldError> out;
  for (const FreezeWindow* f : FreezesHit(p, c.content.environment, c.content.type, start, end)) {
    out.push_back({"/planned_window", fmt::format("{} is frozen by '{}' from {} to {}{}", c.content.environment, f->id,
                                                  FormatRfc3339(f->start), FormatRfc3339(f->end),
                                                  f->description.empty() ? "" : " (" + f->description + ")")});
  }
  return out;
}

// Content types accepted for uploaded evidence, with a check of the bytes.
bool ContentMatches(const std::string& type, const std::string& data) {
  auto starts = [&](std::string_view magic) { return data.compare(0, magic.size(), magic) == 0; };
  if (type == "application/pdf") return starts("%PDF-");
  if (type == "image/png") return starts("\x89PNG\r\n\x1a\n");
  if (type == "image/jpeg") return starts("\xff\xd8\xff");
  // accept() builds no tree: an uploaded file may be large and deep.
  if (type == "application/json") return nlohmann::json::accept(data);
  const bool text = type == "text/plain" || type == "text/markdown" || type == "text/csv" || type == "text/x-diff" ||
                    type == "application/yaml";
  return text && data.find('\0') == std::string::npos;
}
constexpr std::string_view kFileTypes =
    "text/plain, text/markdown, text/csv, text/x-diff, application/yaml, application/json, "
    "application/pdf, image/png, image/jpeg";

}  // namespace

Result<Change> ChangeService::Act(const Principal& who, const AuditContext& ctx, int64_t number, ChangeAction action,
                                  const ActionInput& in) {
  CL_RETURN_IF_ERROR(Require(who, ActionPermission(action)));
  if (action == ChangeAction::kVerify) {
    std::vector<FieldError> errs = CheckVerification(in.checklist);
    if (!errs.empty()) return InvalidArgument("the verification checklist is not complete", std::move(errs));
  }
  const LifecycleStep& step = StepOf(action);
  if (step.needs_note && in.note.empty()) {
    return InvalidArgument(fmt::format("say why ({})", Name(action)), {{"/note", "required"}});
  }
  Change out;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(Change c, Load(tx, number));
    CL_RETURN_IF_ERROR(MayAct(who, c, action));
    const Change before = c;
    const Timestamp now = d_.clock.Now();
    const bool emergency = c.content.type == ChangeType::kEmergency;
    std::string note = in.note;
    ChangeState to = step.to;  // the table's, but for a pre-approved submit
    switch (action) {
      case ChangeAction::kSubmit: {
        CL_ASSIGN_OR_RETURN(ActivePolicy active, policies_.CurrentIn(tx));
        const Assessment a = Evaluate(*active.policy, c.content);
        if (!a.missing_fields.empty() || !a.problems.empty()) {
          std::vector<FieldError> errs = a.missing_fields;
          errs.insert(errs.end(), a.problems.begin(), a.problems.end());
          // The message first: argument evaluation order is unspecified.
          std::string message = fmt::format(
              "{} cannot be submitted: {} item(s) missing or invalid under policy "
              "version {}",
              c.Key(), errs.size(), active.version);
          return InvalidArgument(std::move(message), std::move(errs));
        }
        if (!a.freezes.empty() && !emergency) {
          return FailedPrecondition("the planned window falls in a change freeze",
                                    FreezeErrors(*active.policy, c, *c.content.planned_start, *c.content.planned_end));
        }
        c.assessment = a;
        c.risk = a.risk;
        c.policy_version = active.version;
        c.submitted_at = now;
        if (a.pre_approved) {
          to = ChangeState::kApproved;
          c.approved_at = now;
          if (note.empty()) note = fmt::format("pre-approved by standard template {}", c.content.template_id);
        }
        break;
      }
      case ChangeAction::kSchedule: {
        if (!c.content.planned_start || !c.content.planned_end) {
          return FailedPrecondition("set the planned window first", {{"/planned_window", "required to schedule"}});
        }
        CL_ASSIGN_OR_RETURN(ActivePolicy active, policies_.CurrentIn(tx));
        auto errs = FreezeErrors(*active.policy, c, *c.content.planned_start, *c.content.planned_end);
        if (!errs.empty()) return FailedPrecondition("the planned window falls in a change freeze", std::move(errs));
        c.scheduled_at = now;
        break;
      }
      case ChangeAction::kStart: {
        CL_ASSIGN_OR_RETURN(std::vector<Approval> approvals, tx.Changes().Approvals(c.id));
        CL_ASSIGN_OR_RETURN(ActivePolicy active, policies_.CurrentIn(tx));
        CL_RETURN_IF_ERROR(MayStartGiven(who, c, approvals, *active.policy));
        auto errs = FreezeErrors(*active.policy, c, now, now + 1);
        if (!errs.empty()) return FailedPrecondition("the environment is in a change freeze now", std::move(errs));
        CL_ASSIGN_OR_RETURN(std::vector<Evidence> ev, tx.Changes().EvidenceOf(c.id));
        if (c.assessment) {
          std::vector<FieldError> missing = EvidenceMissing(c.assessment->start_evidence, ev, "before it starts");
          if (!missing.empty()) {
            std::string message = fmt::format(
                "{} cannot start yet: {} evidence item(s) the policy requires before "
                "implementation are missing (tested before production, R000-07)",
                c.Key(), missing.size());
            return FailedPrecondition(std::move(message), std::move(missing));
          }
        }
        if (StartNeedsCompensation(who, c, approvals)) {
          c.needs_independent_review = true;
          note += (note.empty() ? "" : "; ") +
                  std::string("the implementer approved it: compensating control, independent review required");
        }
        if (c.assessment && c.assessment->snapshots_required) {
          if (!HasValidEvidence(ev, EvidenceKind::kBeforeSnapshot)) {
            return FailedPrecondition(
                fmt::format("{} is a {} change: attach a before_snapshot of the configuration before starting", c.Key(),
                            c.content.category),
                {{"/evidence/before_snapshot", "required before implementation (R001-09)"}});
          }
        }
        if (c.content.planned_start && c.content.planned_end &&
            (now < *c.content.planned_start || now > *c.content.planned_end)) {
          note += (note.empty() ? "" : "; ") + std::string("started outside the planned window");
        }
        c.started_at = now;
        c.implementer_id = who.user_id;
        c.implementer = who.username;
        if (emergency) {
          c.review_deadline = now + int64_t{active.policy->emergency.review_deadline_hours} * 3600 * kMicrosPerSecond;
        }
        break;
      }
      case ChangeAction::kComplete: {
        CL_ASSIGN_OR_RETURN(std::vector<Evidence> ev, tx.Changes().EvidenceOf(c.id));
        CL_ASSIGN_OR_RETURN(ActivePolicy active, policies_.CurrentIn(tx));
        std::vector<FieldError> failed = BlockingFailedRuns(*active.policy, ev);
        if (!failed.empty()) {
          std::string message = fmt::format(
              "{} cannot be completed: a run or test on it failed (record it as failed, or attach a "
              "successful run)",
              c.Key());
          return FailedPrecondition(std::move(message), std::move(failed));
        }
        if (c.assessment && c.assessment->snapshots_required) {
          if (!HasValidEvidence(ev, EvidenceKind::kAfterSnapshot)) {
            return FailedPrecondition(
                fmt::format("{} is a {} change: attach an after_snapshot first", c.Key(), c.content.category),
                {{"/evidence/after_snapshot", "required to complete (R001-09)"}});
          }
        }
        c.implemented_at = now;
        break;
      }
      case ChangeAction::kFail:
      case ChangeAction::kRollback:
      case ChangeAction::kCancel:
        break;
      case ChangeAction::kVerify: {
        CL_ASSIGN_OR_RETURN(ActivePolicy active, policies_.CurrentIn(tx));
        CL_RETURN_IF_ERROR(MayVerify(who, c, *active.policy));
        CL_ASSIGN_OR_RETURN(std::vector<Evidence> ev, tx.Changes().EvidenceOf(c.id));
        std::vector<FieldError> missing = ClosureEvidenceMissing(c, *active.policy, ev, "before verification");
        if (!missing.empty()) {
          std::string message = fmt::format(
              "{} cannot be verified yet: the verification attests the evidence, and {} item(s) are missing or "
              "failed",
              c.Key(), missing.size());
          return FailedPrecondition(std::move(message), std::move(missing));
        }
        c.verified_at = now;
        c.verification = {{"checklist", in.checklist}, {"by", who.username}, {"at", FormatRfc3339(now)}};
        break;
      }
      case ChangeAction::kClose: {
        ChangeRepo& r = tx.Changes();
        CL_ASSIGN_OR_RETURN(std::vector<Approval> approvals, r.Approvals(c.id));
        CL_ASSIGN_OR_RETURN(std::vector<Evidence> evidence, r.EvidenceOf(c.id));
        CL_ASSIGN_OR_RETURN(std::vector<Review> reviews, r.Reviews(c.id));
        CL_ASSIGN_OR_RETURN(ActivePolicy active, policies_.CurrentIn(tx));
        std::vector<FieldError> missing = ClosureMissing(c, *active.policy, approvals, evidence, reviews);
        if (!missing.empty()) {
          std::string message = fmt::format("{} cannot close yet: {} item(s) missing", c.Key(), missing.size());
          return FailedPrecondition(std::move(message), std::move(missing));
        }
        c.closed_at = now;
        break;
      }
    }
    c.state = to;
    c.updated_at = now;
    c.row_version = before.row_version + 1;
    CL_RETURN_IF_ERROR(tx.Changes().Update(c));
    CL_RETURN_IF_ERROR(Record(tx, ctx, before, c, Name(action), note));
    out = std::move(c);
    return Status::Ok();
  }));
  return out;
}

Result<Approval> ChangeService::Decide(const Principal& who, const AuditContext& ctx, int64_t number,
                                       const DecisionInput& in, Change* after) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesApprove));
  if (!in.approve && in.comment.empty()) {
    return InvalidArgument("say why you reject it: the requestor needs the reason to revise the change",
                           {{"/comment", "required to reject"}});
  }
  Approval out;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(Change c, Load(tx, number));
    const Change before = c;
    if ((in.content_version && *in.content_version != c.content_version) ||
        (!in.material_sha256.empty() && in.material_sha256 != c.material_hash)) {
      return Conflict(
          fmt::format("{} changed since you reviewed it: it is now at content version {} (material "
                      "SHA-256 {}); nothing was recorded, review it again",
                      c.Key(), c.content_version, c.material_hash));
    }
    CL_ASSIGN_OR_RETURN(ActivePolicy active, policies_.CurrentIn(tx));
    const Policy& policy = *active.policy;
    CL_ASSIGN_OR_RETURN(std::vector<Approval> approvals, tx.Changes().Approvals(c.id));
    CL_RETURN_IF_ERROR(MayDecide(who, c, approvals, policy, in.approve, in.compensating));
    if (in.approve && c.assessment) {
      CL_ASSIGN_OR_RETURN(std::vector<Evidence> ev, tx.Changes().EvidenceOf(c.id));
      std::vector<FieldError> missing = EvidenceMissing(c.assessment->approval_evidence, ev, "before approval");
      if (!missing.empty()) {
        std::string message =
            fmt::format("{} is not ready for approval: attach the evidence the policy requires first", c.Key());
        return FailedPrecondition(std::move(message), std::move(missing));
      }
    }
    // Which approver role this decision is given under.
    const std::vector<std::string> required = c.assessment ? c.assessment->required_roles : std::vector<std::string>{};
    const std::vector<std::string> mine = QualifyingRoles(who, c, policy);
    auto qualifies = [&](const std::string& role) { return std::find(mine.begin(), mine.end(), role) != mine.end(); };
    std::string role = in.role;
    if (!role.empty()) {
      if (std::find(required.begin(), required.end(), role) == required.end()) {
        return InvalidArgument(fmt::format("{} does not need a {} approval", c.Key(), role),
                               {{"/role", fmt::format("one of {}", fmt::join(required, ", "))}});
      }
      if (!qualifies(role)) {
        return PermissionDenied(
            fmt::format("you are not a {} for {} under policy version {}", role, c.content.service, active.version));
      }
    } else {
      // The first outstanding role `who` qualifies for, else the first they qualify for at all.
      for (const RoleProgress& rp : ComputeApprovalProgress(c, approvals).roles) {
        if (rp.approved_by.empty() && qualifies(rp.role)) {
          role = rp.role;
          break;
        }
      }
      if (role.empty() && !mine.empty()) role = mine.front();
      if (role.empty()) {
        return PermissionDenied(
            fmt::format("you do not qualify for any approver role {} needs ({}) under policy "
                        "version {}",
                        c.Key(), fmt::join(required, ", "), active.version));
      }
    }
    // MayDecide let an involved approver through only with the compensating control.
    const bool compensating = in.approve && ApprovalNeedsCompensation(who, c, approvals, policy);
    if (compensating) c.needs_independent_review = true;
    const Timestamp now = d_.clock.Now();
    Approval a;
    a.id = d_.ids.NewId("apr");
    a.change_id = c.id;
    a.approver_id = who.user_id;
    a.approver = who.username;
    a.role = role;
    a.approve = in.approve;
    a.comment = in.comment;
    a.content_version = c.content_version;
    a.material_hash = c.material_hash;
    a.retrospective = ImplementationStarted(c.state);
    a.compensating = compensating;
    a.created_at = now;
    CL_RETURN_IF_ERROR(tx.Changes().InsertApproval(a));
    AuditRecord rec{in.approve ? "approval.approve" : "approval.reject", "approval", a.id};
    rec.after = ApprovalAuditState(a, c.Key());
    CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, rec).status());
    approvals.push_back(a);
    std::string action = "approve";
    if (!in.approve && !ImplementationStarted(c.state)) {
      c.state = ChangeState::kRejected;
      action = "reject";
    } else if (in.approve && ComputeApprovalProgress(c, approvals).complete && !c.approved_at) {
      c.approved_at = now;
      if (c.state == ChangeState::kSubmitted) c.state = ChangeState::kApproved;
    }
    if (c.state != before.state || c.approved_at != before.approved_at ||
        c.needs_independent_review != before.needs_independent_review) {
      c.updated_at = now;
      c.row_version = before.row_version + 1;
      CL_RETURN_IF_ERROR(tx.Changes().Update(c));
      CL_RETURN_IF_ERROR(Record(tx, ctx, before, c, action, in.comment));
    }
    if (after != nullptr) *after = std::move(c);
    out = std::move(a);
    return Status::Ok();
  }));
  return out;
}

Result<Evidence> ChangeService::AddEvidence(const Principal& who, const AuditContext& ctx, int64_t number,
                                            const NewEvidence& in) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kEvidenceWrite));
  std::vector<FieldError> errors;
  if (in.url.empty() && !in.content) errors.push_back({"/url", "give a URL, a file, or both"});
  if (!in.url.empty() && in.url.rfind("https://", 0) != 0 && in.url.rfind("http://", 0) != 0) {
    errors.push_back({"/url", "must be an http(s) URL"});
  }
  if (in.content) {
    if (in.content->empty()) errors.push_back({"/content_base64", "the file is empty"});
    if (in.content->size() > kMaxFileBytes) {
      errors.push_back({"/content_base64", fmt::format("files are limited to {} bytes", kMaxFileBytes)});
    }
    if (!ContentMatches(in.content_type, *in.content)) {
      errors.push_back({"/content_type", fmt::format("'{}' is not accepted or does not match the file's bytes; "
                                                     "accepted: {}",
                                                     in.content_type, kFileTypes)});
    }
    if (in.filename.find_first_of("/\\") != std::string::npos) {
      errors.push_back({"/filename", "a file name, not a path"});
    }
  }
  const EvidenceOutcome outcome = in.outcome.value_or(EvidenceOutcome::kNone);
  if (HasOutcome(in.kind) && outcome != EvidenceOutcome::kSuccess && outcome != EvidenceOutcome::kFailure) {
    errors.push_back({"/outcome", fmt::format("say whether the {} succeeded: success or failure", Name(in.kind))});
  } else if (!HasOutcome(in.kind) && outcome != EvidenceOutcome::kNone) {
    errors.push_back({"/outcome", fmt::format("{} evidence has no outcome; leave it out", Name(in.kind))});
  }
  if (!errors.empty()) return InvalidArgument("the evidence is not valid", std::move(errors));
  Evidence e;
  e.id = d_.ids.NewId("evd");
  e.kind = in.kind;
  e.outcome = outcome;
  e.url = in.url;
  e.note = in.note;
  e.added_by_id = who.user_id;
  e.added_by = who.username;
  e.created_at = d_.clock.Now();
  // A link alone: keep what it shows when the server can read it (outside
  // the transaction: a fetch takes up to its timeout).
  std::optional<std::string> content = in.content;
  if (!content && snapshots_ != nullptr) {
    if (std::optional<UrlSnapshot> snap = snapshots_->Fetch(in.url)) {
      content = std::move(snap->content);
      e.filename = "snapshot.json";
      e.content_type = "application/json";
      e.snapshot_at = d_.clock.Now();
    }
  }
  if (content) {
    e.sha256 = crypto::ToHex(crypto::Sha256(*content));
    if (!e.snapshot_at) {
      e.filename = in.filename;
      e.content_type = in.content_type;
    }
    e.size = static_cast<int64_t>(content->size());
  }
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(Change c, Load(tx, number));
    if (c.state == ChangeState::kClosed || c.state == ChangeState::kCancelled) {
      return Conflict(fmt::format("{} is {}; its evidence is final", c.Key(), Name(c.state)));
    }
    e.change_id = c.id;
    if (content) CL_RETURN_IF_ERROR(tx.Changes().PutBlob({e.sha256, e.content_type, *content, e.created_at}));
    CL_RETURN_IF_ERROR(tx.Changes().InsertEvidence(e));
    AuditRecord rec{"evidence.add", "evidence", e.id};
    rec.after = EvidenceAuditState(e, c.Key());
    return d_.audit.Append(tx, ctx, rec).status();
  }));
  return e;
}

Result<Evidence> ChangeService::SetEvidenceStatus(const Principal& who, const AuditContext& ctx, int64_t number,
                                                  std::string_view evidence_id, EvidenceStatus seen,
                                                  EvidenceStatus status, const std::string& reason) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesApprove));
  if (reason.empty()) return InvalidArgument("say why", {{"/reason", "required"}});
  Evidence out;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(Change c, Load(tx, number));
    CL_ASSIGN_OR_RETURN(std::vector<Evidence> all, tx.Changes().EvidenceOf(c.id));
    auto it = std::find_if(all.begin(), all.end(), [&](const Evidence& e) { return e.id == evidence_id; });
    if (it == all.end()) return NotFound(fmt::format("{} has no evidence {}", c.Key(), evidence_id));
    if (c.state == ChangeState::kClosed) return Conflict(fmt::format("{} is closed; its evidence is final", c.Key()));
    const EvidenceStatus was = it->status;
    if (was != seen) {
      return Conflict(fmt::format("evidence {} is {} now, not {}: someone judged it meanwhile; reload and retry",
                                  it->id, Name(was), Name(seen)));
    }
    CL_RETURN_IF_ERROR(tx.Changes().SetEvidenceStatus(it->id, status, reason));
    AuditRecord rec{"evidence.status", "evidence", it->id};
    rec.before = EvidenceAuditState(*it, c.Key());
    it->status = status;
    it->status_reason = reason;
    rec.after = EvidenceAuditState(*it, c.Key());
    CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, rec).status());
    out = *it;
    return Status::Ok();
  }));
  return out;
}

Result<Review> ChangeService::AddReview(const Principal& who, const AuditContext& ctx, int64_t number, ReviewKind kind,
                                        const std::string& outcome, const std::string& notes) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesApprove));
  if (outcome != "accepted" && outcome != "concerns") {
    return InvalidArgument("the outcome is accepted or concerns", {{"/outcome", "accepted | concerns"}});
  }
  if (notes.empty()) return InvalidArgument("write what was reviewed", {{"/notes", "required"}});
  Review out;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(Change c, Load(tx, number));
    const Change before = c;
    const Timestamp now = d_.clock.Now();
    CL_ASSIGN_OR_RETURN(ActivePolicy active, policies_.CurrentIn(tx));
    CL_ASSIGN_OR_RETURN(std::vector<Approval> approvals, tx.Changes().Approvals(c.id));
    CL_RETURN_IF_ERROR(MayReview(who, c, kind, approvals, *active.policy));
    if (kind == ReviewKind::kRetrospective && !c.retrospective_at) c.retrospective_at = now;
    if (kind == ReviewKind::kConsoleSignoff) {
      CL_ASSIGN_OR_RETURN(std::vector<Evidence> ev, tx.Changes().EvidenceOf(c.id));
      if (!HasValidEvidence(ev, EvidenceKind::kBeforeSnapshot) || !HasValidEvidence(ev, EvidenceKind::kAfterSnapshot)) {
        return FailedPrecondition("sign-off needs both snapshots",
                                  {{"/evidence", "before_snapshot and after_snapshot"}});
      }
    }
    Review r{d_.ids.NewId("rev"), c.id, kind, who.user_id, who.username, outcome, notes, now};
    CL_RETURN_IF_ERROR(tx.Changes().InsertReview(r));
    AuditRecord rec{"review.add", "review", r.id};
    rec.after = ReviewAuditState(r, c.Key());
    CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, rec).status());
    if (c.retrospective_at != before.retrospective_at) {
      c.updated_at = now;
      c.row_version = before.row_version + 1;
      CL_RETURN_IF_ERROR(tx.Changes().Update(c));
    }
    out = std::move(r);
    return Status::Ok();
  }));
  return out;
}

}  // namespace cl
