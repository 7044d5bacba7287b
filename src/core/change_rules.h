// Pure rules over a change and what hangs off it: how far its approvals
// are (required roles, distinct and independent approvers, R001-06/07) and
// what closing it still needs (R001-09/11). Used by ChangeService to decide
// and by the API to explain. Stateless functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/change.h"
#include "core/policy.h"
#include "core/sod.h"

namespace cl {

struct RoleProgress {
  std::string role;
  std::string approved_by;  // empty: outstanding
};

struct ApprovalProgress {
  bool required = true;  // false for pre-approved standard changes
  std::vector<RoleProgress> roles;
  int distinct_approvers = 0;
  int min_distinct_approvers = 0;
  bool independent = false;   // someone other than requestor/implementer approved
  bool compensating = false;  // SoD met by an independent post-implementation review
  bool rejected = false;
  bool complete = false;
  // Approvals recorded but not counted, with why ("alice: given by the requestor; ...").
  std::vector<std::string> not_counted;
  std::vector<std::string> outstanding;  // what is still missing, in words

  nlohmann::json ToJson() const;
};

// Uses the assessment recorded on the change (at submission or last edit).
ApprovalProgress ComputeApprovalProgress(const Change& c, const std::vector<Approval>& approvals);

// Whether an approval counts toward the required roles and the distinct
// approvers: a valid approve by someone neither the requestor nor the
// implementer, or given under the compensating control. nullopt when it
// counts, else why not ("the requestor's own approval never counts").
std::optional<std::string> NotCountedBecause(const Change& c, const Approval& a);

// Whether some item of `kind` satisfies a requirement (Evidence::Satisfies).
bool HasValidEvidence(const std::vector<Evidence>& evidence, EvidenceKind kind);
bool HasReview(const std::vector<Review>& reviews, ReviewKind kind);
// One error per kind in `kinds` that no item satisfies, under "/evidence/<kind>";
// `when` ends the message ("before it starts").
std::vector<FieldError> EvidenceMissing(const std::vector<EvidenceKind>& kinds, const std::vector<Evidence>& evidence,
                                        std::string_view when);
// Runs and tests whose latest valid item failed, one error each (what the
// policy's failed_runs_block refuses completing and closing on).
std::vector<FieldError> FailedRuns(const std::vector<Evidence>& evidence);

// The failed runs the policy blocks on (closure.failed_runs_block), else none.
std::vector<FieldError> BlockingFailedRuns(const Policy& policy, const std::vector<Evidence>& evidence);
// The closure evidence no item satisfies and the blocking failed runs: what
// verify and close both wait for. `when` ends the messages ("to close").
std::vector<FieldError> ClosureEvidenceMissing(const Change& c, const Policy& policy,
                                               const std::vector<Evidence>& evidence, std::string_view when);

// Everything closing would refuse for now; empty when it may close.
std::vector<FieldError> ClosureMissing(const Change& c, const Policy& policy, const std::vector<Approval>& approvals,
                                       const std::vector<Evidence>& evidence, const std::vector<Review>& reviews);

// Checks the post-change verification checklist (R001-11); field errors per item.
std::vector<FieldError> CheckVerification(const nlohmann::json& checklist);

}  // namespace cl
