#include "core/change_permits.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/change_lifecycle.h"

namespace cl {
namespace {

using S = ChangeState;

bool In(ChangeState s, std::initializer_list<ChangeState> states) {
  return std::find(states.begin(), states.end(), s) != states.end();
}

Status WrongState(const Change& c, ChangeAction a, std::string_view allowed) {
  return Conflict(fmt::format("{} is {}; {} is possible only from {}", c.Key(), Name(c.state), Name(a), allowed));
}

}  // namespace

Permission ActionPermission(ChangeAction action) { return StepOf(action).permission; }

Status MayAct(const Principal& who, const Change& c, ChangeAction action) {
  const LifecycleStep& step = StepOf(action);
  CL_RETURN_IF_ERROR(Require(who, step.permission));
  const std::span<const ChangeState> from = SourcesFor(step, c);
  if (std::find(from.begin(), from.end(), c.state) == from.end()) {
    return WrongState(c, action, StateList(from));
  }
  switch (step.actor) {
    case LifecycleActor::kEditor:
      if (!MayEdit(who, c)) return PermissionDenied(std::string(step.denied));
      break;
    case LifecycleActor::kEditorOrNamedImplementer:
      if (!MayEdit(who, c) && who.username != c.content.implementer) return PermissionDenied(std::string(step.denied));
      break;
    case LifecycleActor::kNamedImplementer:
      if (!c.content.implementer.empty() && c.content.implementer != who.username) {
        return PermissionDenied(fmt::format("{} is assigned to {}", c.Key(), c.content.implementer));
      }
      break;
    case LifecycleActor::kAnyImplementer:
      break;
    case LifecycleActor::kEditorOrWhoImplemented:
      if (!MayEdit(who, c) && who.user_id != c.implementer_id) return PermissionDenied(std::string(step.denied));
      break;
  }
  return Status::Ok();
}

Status MayDecide(const Principal& who, const Change& c, const std::vector<Approval>& approvals, const Policy& policy,
                 bool approve, bool compensating) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesApprove));
  const bool emergency = c.content.type == ChangeType::kEmergency;
  if (c.state == S::kDraft) return FailedPrecondition(fmt::format("{} is a draft; submit it first", c.Key()));
  if (IsTerminal(c.state) || c.state == S::kFailed) {
    return Conflict(fmt::format("{} is {}; it takes no more decisions", c.Key(), Name(c.state)));
  }
  if (!emergency && c.state != S::kSubmitted) {
    if (ImplementationStarted(c.state)) {
      return Conflict(
          fmt::format("{} is {}: approvals after implementation started are not possible for {} "
                      "changes",
                      c.Key(), Name(c.state), Name(c.content.type)));
    }
    return Conflict(fmt::format("{} is {}; approvals are given while it is submitted", c.Key(), Name(c.state)));
  }
  if (c.assessment && c.assessment->pre_approved) {
    return Conflict(fmt::format("{} is pre-approved by standard template {}", c.Key(), c.content.template_id));
  }
  for (const Approval& a : approvals) {
    if (a.valid() && a.approver == who.username) {
      return Conflict(fmt::format("you already {} {} (content version {})", a.approve ? "approved" : "rejected",
                                  c.Key(), a.content_version));
    }
  }
  if (approve) return CheckIndependentApprover(who, c, approvals, policy, compensating);
  return Status::Ok();
}

Status MayReview(const Principal& who, const Change& c, ReviewKind kind, const std::vector<Approval>& approvals,
                 const Policy& policy) {
  CL_RETURN_IF_ERROR(Require(who, Permission::kChangesApprove));
  CL_RETURN_IF_ERROR(CheckIndependentReviewer(who, c, kind, approvals));
  const bool after_impl = In(c.state, {S::kImplemented, S::kVerified});
  switch (kind) {
    case ReviewKind::kRetrospective: {
      if (c.content.type != ChangeType::kEmergency) {
        return InvalidArgument("retrospective reviews are for emergency changes", {{"/kind", "emergency only"}});
      }
      if (!ImplementationStarted(c.state) || c.state == S::kClosed) {
        return Conflict(fmt::format("{} is {}; the retrospective follows implementation", c.Key(), Name(c.state)));
      }
      const auto& roles = policy.emergency.retrospective_roles;
      bool ok = roles.empty();
      for (const std::string& r : roles) {
        const ApproverRole* role = policy.FindRole(r);
        ok = ok || (role && QualifiesAs(policy, *role, who.username, who.roles, c.content.service));
      }
      if (!ok) return PermissionDenied(fmt::format("retrospectives are held by {}", fmt::join(roles, ", ")));
      return Status::Ok();
    }
    case ReviewKind::kPostImplementation:
      if (!after_impl) return Conflict(fmt::format("{} is {}; review it once implemented", c.Key(), Name(c.state)));
      return Status::Ok();
    case ReviewKind::kConsoleSignoff:
      if (!c.assessment || !c.assessment->snapshots_required) {
        return InvalidArgument(fmt::format("{} changes do not take a console sign-off", c.content.category),
                               {{"/kind", "console/admin categories only"}});
      }
      if (!after_impl) return Conflict(fmt::format("{} is {}; sign off once implemented", c.Key(), Name(c.state)));
      return Status::Ok();
  }
  return Internal("unknown review kind");
}

std::vector<std::string> QualifyingRoles(const Principal& who, const Change& c, const Policy& policy) {
  std::vector<std::string> out;
  if (!c.assessment) return out;  // not assessed (a draft)
  for (const std::string& r : c.assessment->required_roles) {
    const ApproverRole* role = policy.FindRole(r);
    if (role != nullptr && QualifiesAs(policy, *role, who.username, who.roles, c.content.service)) {
      out.push_back(r);
    }
  }
  return out;
}

Status MayAttachIac(const Principal& who, const Change& c) {
  if (who.Can(Permission::kEvidenceWrite)) return Status::Ok();
  if (!who.Can(Permission::kChangesWrite)) {
    return PermissionDenied("attaching a plan needs changes:write or evidence:write");
  }
  if (!MayEdit(who, c)) {
    return PermissionDenied(
        fmt::format("only the requestor ({}), a change manager or a pipeline may attach a "
                    "plan to {}",
                    c.requestor, c.Key()));
  }
  return Status::Ok();
}

ChangePermits PermitsFor(const Principal& who, const Change& c, const std::vector<Approval>& approvals,
                         const Policy& policy) {
  ChangePermits p;
  const bool finished = In(c.state, {S::kClosed, S::kCancelled});
  const bool editable = ContentEditable(c).ok();
  p.edit = MayEdit(who, c) && who.Can(Permission::kChangesWrite) && editable;
  p.attach_plan = MayAttachIac(who, c).ok() && editable;
  // A refusal worth explaining: the person holds the permission and the
  // state allows the step, but who they are in this change does not.
  auto withhold = [&](std::string_view action, const Status& s) {
    if (s.code() == ErrorCode::kPermissionDenied || s.code() == ErrorCode::kSodViolation) {
      p.withheld.push_back({std::string(action), s.message()});
    }
  };
  for (ChangeAction a : kAllChangeActions) {
    Status may = MayAct(who, c, a);
    if (may.ok() && a == ChangeAction::kStart) may = MayStartGiven(who, c, approvals, policy);
    if (may.ok() && a == ChangeAction::kVerify) may = MayVerify(who, c, policy);
    if (may.ok()) {
      p.actions.push_back(a);
    } else if (who.Can(ActionPermission(a))) {
      withhold(Name(a), may);
    }
  }
  p.approver_roles = QualifyingRoles(who, c, policy);
  if (!p.approver_roles.empty()) {
    const Status reject = MayDecide(who, c, approvals, policy, false, false);
    const Status approve = MayDecide(who, c, approvals, policy, true, false);
    p.reject = reject.ok();
    p.approve = approve.ok();
    p.approve_compensating = !p.approve && MayDecide(who, c, approvals, policy, true, true).ok();
    if (!p.approve && !p.approve_compensating) withhold("approve", approve);
  } else if (who.Can(Permission::kChangesApprove) && c.state == S::kSubmitted && c.assessment &&
             !c.assessment->required_roles.empty()) {
    p.withheld.push_back({"approve", fmt::format("you hold none of the approver roles {} needs ({})", c.Key(),
                                                 fmt::join(c.assessment->required_roles, ", "))});
  }
  p.add_evidence = who.Can(Permission::kEvidenceWrite) && !finished;
  p.judge_evidence = who.Can(Permission::kChangesApprove) && c.state != S::kClosed;
  for (ReviewKind k : {ReviewKind::kRetrospective, ReviewKind::kPostImplementation, ReviewKind::kConsoleSignoff}) {
    if (MayReview(who, c, k, approvals, policy).ok()) p.reviews.push_back(k);
  }
  return p;
}

nlohmann::json ChangePermits::ToJson() const {
  nlohmann::json acts = nlohmann::json::array();
  for (ChangeAction a : actions) acts.push_back(Name(a));
  nlohmann::json kinds = nlohmann::json::array();
  for (ReviewKind k : reviews) kinds.push_back(Name(k));
  return {{"edit", edit},
          {"attach_plan", attach_plan},
          {"actions", std::move(acts)},
          {"approve", approve},
          {"approve_with_compensating_control", approve_compensating},
          {"reject", reject},
          {"approver_roles", approver_roles},
          {"add_evidence", add_evidence},
          {"judge_evidence", judge_evidence},
          {"reviews", std::move(kinds)},
          {"withheld", [&] {
             nlohmann::json w = nlohmann::json::array();
             for (const Withheld& x : withheld) w.push_back({{"action", x.action}, {"reason", x.reason}});
             return w;
           }()}};
}

}  // namespace cl
