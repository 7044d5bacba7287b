// Segregation of duties (R001-07, NIST CM-5/AC-5): every rule about who may
// not do what on a change because of their part in it, in one place. Approval
// decisions, starting, reviews and the deploy gate call these functions.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/change.h"
#include "core/principal.h"

namespace cl {

struct ApprovalProgress;
struct Policy;

// Whether `username` is the requestor or the (assigned or actual) implementer.
bool IsInvolved(const Change& c, std::string_view username);

// An approver does not implement the change they approved: starting is
// refused to someone whose approval counts, unless the policy allows the
// compensating control (then StartNeedsCompensation says so, and the change
// needs an independent post-implementation review).
Status MayStartGiven(const Principal& who, const Change& c, const std::vector<Approval>& approvals,
                     const Policy& policy);
bool StartNeedsCompensation(const Principal& who, const Change& c, const std::vector<Approval>& approvals);

// The post-change verification is by someone other than the implementer
// (policy closure.independent_verification).
Status MayVerify(const Principal& who, const Change& c, const Policy& policy);

// Whether approving needs the compensating control: `who` is involved and the
// policy refuses self-approval or wants an independent approver first.
bool ApprovalNeedsCompensation(const Principal& who, const Change& c, const std::vector<Approval>& approvals,
                               const Policy& policy);

// The independence check of an approval by `who`; `compensating`: the
// approver asks for the compensating control.
Status CheckIndependentApprover(const Principal& who, const Change& c, const std::vector<Approval>& approvals,
                                const Policy& policy, bool compensating);

// Reviews come from someone not involved; a post-implementation review from
// someone who did not approve either.
Status CheckIndependentReviewer(const Principal& who, const Change& c, ReviewKind kind,
                                const std::vector<Approval>& approvals);

// Why approvals so far do not meet segregation of duties (too few distinct
// approvers, or only involved ones); nullopt when they do or none were given.
std::optional<std::string> SodShortfall(const Change& c, const ApprovalProgress& progress);

}  // namespace cl
