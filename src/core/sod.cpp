#include "core/sod.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/change_rules.h"
#include "core/policy.h"

namespace cl {

bool IsInvolved(const Change& c, std::string_view username) {
  return username == c.requestor || username == c.content.implementer ||
         (!c.implementer.empty() && username == c.implementer);
}

bool StartNeedsCompensation(const Principal& who, const Change& c, const std::vector<Approval>& approvals) {
  if (IsInvolved(c, who.username)) return false;  // their approval never counted
  // Someone not involved: any valid approval of theirs counts.
  return std::ranges::any_of(approvals,
                             [&](const Approval& a) { return a.approver == who.username && a.valid() && a.approve; });
}

Status MayStartGiven(const Principal& who, const Change& c, const std::vector<Approval>& approvals,
                     const Policy& policy) {
  if (!StartNeedsCompensation(who, c, approvals) || policy.sod.compensating_control) return Status::Ok();
  return SodViolation(
      fmt::format("you approved {}; an approver may not implement the change they approved (segregation of "
                  "duties). Someone else starts it.",
                  c.Key()));
}

Status MayVerify(const Principal& who, const Change& c, const Policy& policy) {
  if (!policy.independent_verification || who.user_id != c.implementer_id) return Status::Ok();
  return SodViolation(
      fmt::format("you implemented {}; the post-change verification is by someone else (the requestor or a "
                  "change manager)",
                  c.Key()));
}

bool ApprovalNeedsCompensation(const Principal& who, const Change& c, const std::vector<Approval>& approvals,
                               const Policy& policy) {
  if (!IsInvolved(c, who.username)) return false;
  return policy.sod.self_approval == SelfApproval::kRefuse || !ComputeApprovalProgress(c, approvals).independent;
}

Status CheckIndependentApprover(const Principal& who, const Change& c, const std::vector<Approval>& approvals,
                                const Policy& policy, bool compensating) {
  if (!ApprovalNeedsCompensation(who, c, approvals, policy)) return Status::Ok();
  if (compensating && policy.sod.compensating_control) return Status::Ok();
  return SodViolation(fmt::format("you {} {}; the policy does not let you be its only approver. {}",
                                  who.username == c.requestor ? "requested" : "are the implementer of", c.Key(),
                                  policy.sod.self_approval == SelfApproval::kRefuse
                                      ? "Requestors and implementers may not approve their own changes."
                                      : "An independent approver must approve first."));
}

Status CheckIndependentReviewer(const Principal& who, const Change& c, ReviewKind kind,
                                const std::vector<Approval>& approvals) {
  if (IsInvolved(c, who.username)) {
    return SodViolation(fmt::format("you requested or implemented {}; reviews must be independent", c.Key()));
  }
  if (kind == ReviewKind::kPostImplementation) {
    for (const Approval& a : approvals) {
      if (a.valid() && a.approver == who.username) {
        return SodViolation("the post-implementation review must come from someone who did not approve");
      }
    }
  }
  return Status::Ok();
}

std::optional<std::string> SodShortfall(const Change& c, const ApprovalProgress& p) {
  if (p.distinct_approvers == 0 && p.not_counted.empty()) return std::nullopt;
  if (p.distinct_approvers == 0 || (!p.independent && !p.compensating)) {
    return fmt::format(
        "{} is approved only by people involved in it; their own approvals do not count, an "
        "independent approver is needed",
        c.Key());
  }
  if (p.distinct_approvers < p.min_distinct_approvers) {
    return fmt::format("{} has {} of the {} distinct approvers its risk needs{}", c.Key(), p.distinct_approvers,
                       p.min_distinct_approvers,
                       p.not_counted.empty() ? "" : fmt::format(" (not counted: {})", fmt::join(p.not_counted, "; ")));
  }
  return std::nullopt;
}

}  // namespace cl
