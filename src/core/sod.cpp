#include "core/sod.h"

#include <fmt/format.h>

#include "core/change_rules.h"
#include "core/policy.h"

namespace cl {

bool IsInvolved(const Change& c, std::string_view username) {
  return username == c.requestor || username == c.content.implementer ||
         (!c.implementer.empty() && username == c.implementer);
}

Status MayStartGiven(const Principal& who, const Change& c, const std::vector<Approval>& approvals) {
  bool other = false, mine = false, compensating = false;
  for (const Approval& a : approvals) {
    if (!a.valid() || !a.approve) continue;
    (a.approver == who.username ? mine : other) = true;
    compensating = compensating || a.compensating;
  }
  if (mine && !other && !compensating) {
    return SodViolation(
        fmt::format("you are the only approver of {}; someone else must approve it before you "
                    "implement it (segregation of duties)",
                    c.Key()));
  }
  return Status::Ok();
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
  if (p.distinct_approvers == 0) return std::nullopt;
  if (p.distinct_approvers < p.min_distinct_approvers) {
    return fmt::format("{} has {} of the {} distinct approvers its risk needs", c.Key(), p.distinct_approvers,
                       p.min_distinct_approvers);
  }
  if (!p.independent) {
    return fmt::format("{} is approved only by people involved in it; an independent approver is needed", c.Key());
  }
  return std::nullopt;
}

}  // namespace cl
