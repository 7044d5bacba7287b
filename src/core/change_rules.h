// Pure rules over a change and what hangs off it: how far its approvals
// are (required roles, distinct and independent approvers, R001-06/07) and
// what closing it still needs (R001-09/11). Used by ChangeService to decide
// and by the API to explain. Stateless functions; thread-safe.
#pragma once

#include <string>
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
  std::vector<std::string> outstanding;  // what is still missing, in words

  nlohmann::json ToJson() const;
};

// Uses the assessment recorded on the change (at submission or last edit).
ApprovalProgress ComputeApprovalProgress(const Change& c, const std::vector<Approval>& approvals);

// The evidence kinds with at least one valid item.
std::vector<EvidenceKind> ValidEvidenceKinds(const std::vector<Evidence>& evidence);
bool HasValidEvidence(const std::vector<Evidence>& evidence, EvidenceKind kind);
bool HasReview(const std::vector<Review>& reviews, ReviewKind kind);

// Everything closing would refuse for now; empty when it may close.
std::vector<FieldError> ClosureMissing(const Change& c, const std::vector<Approval>& approvals,
                                       const std::vector<Evidence>& evidence, const std::vector<Review>& reviews);

// Checks the post-change verification checklist (R001-11); field errors per item.
std::vector<FieldError> CheckVerification(const nlohmann::json& checklist);

}  // namespace cl
