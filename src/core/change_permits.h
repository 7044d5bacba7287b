// Change permits: what a principal may do to a change right now, judged by
// permission, ownership, state and segregation of duties (core/sod.h) -- the checks
// ChangeService makes before it looks at fields, evidence or freezes. Act and
// Decide call these same functions, so what the web UI offers is exactly what
// the API accepts from that user. Pure functions; thread-safe.
#pragma once

#include <vector>

#include "core/changes.h"
#include "core/sod.h"

namespace cl {

// The permission a lifecycle action needs (implementation steps need
// changes:implement, the rest changes:write).
Permission ActionPermission(ChangeAction action);
// The role, ownership and state checks of a lifecycle action.
Status MayAct(const Principal& who, const Change& c, ChangeAction action);
// A decision's state and segregation-of-duties checks (not which approver role
// it counts for). `compensating`: the approver asks for the compensating control.
Status MayDecide(const Principal& who, const Change& c, const std::vector<Approval>& approvals, const Policy& policy,
                 bool approve, bool compensating);
// A review's independence, role and state checks (not the evidence a console
// sign-off needs).
Status MayReview(const Principal& who, const Change& c, ReviewKind kind, const std::vector<Approval>& approvals,
                 const Policy& policy);
// The required approver roles `who` qualifies for on this change.
std::vector<std::string> QualifyingRoles(const Principal& who, const Change& c, const Policy& policy);

// Attaching a Terraform plan or Kubernetes manifests: the requestor or a
// change manager (changes:write), or anyone with evidence:write (pipelines).
Status MayAttachIac(const Principal& who, const Change& c);

struct ChangePermits {
  bool edit = false;
  bool attach_plan = false;  // a new plan or manifest (it edits the content)
  std::vector<ChangeAction> actions;
  bool approve = false;               // approve without the compensating control
  bool approve_compensating = false;  // only with it
  bool reject = false;
  std::vector<std::string> approver_roles;
  bool add_evidence = false;
  bool judge_evidence = false;      // mark evidence valid / not verifiable / superseded
  std::vector<ReviewKind> reviews;  // the review kinds `who` may record now
  // What the state allows and `who` holds the permission for, but is refused
  // to them (ownership, segregation of duties), with why: what the UI shows
  // in place of the button.
  struct Withheld {
    std::string action;  // a lifecycle action, "approve" or "reject"
    std::string reason;
  };
  std::vector<Withheld> withheld;

  nlohmann::json ToJson() const;
};

ChangePermits PermitsFor(const Principal& who, const Change& c, const std::vector<Approval>& approvals,
                         const Policy& policy);

}  // namespace cl
