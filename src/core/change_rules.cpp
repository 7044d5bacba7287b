#include "core/change_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace cl {

nlohmann::json ApprovalProgress::ToJson() const {
  nlohmann::json r = nlohmann::json::array();
  for (const RoleProgress& p : roles) {
    r.push_back({{"role", p.role},
                 {"approved_by", p.approved_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.approved_by)}});
  }
  return {{"required", required},
          {"roles", r},
          {"distinct_approvers", distinct_approvers},
          {"min_distinct_approvers", min_distinct_approvers},
          {"independent_approver", independent},
          {"compensating_control", compensating},
          {"rejected", rejected},
          {"complete", complete},
          {"outstanding", outstanding},
          {"not_counted", not_counted}};
}

std::optional<std::string> NotCountedBecause(const Change& c, const Approval& a) {
  if (!a.valid()) return fmt::format("void: {}", a.voided_reason.empty() ? "voided" : a.voided_reason);
  if (!a.approve) return "a rejection";
  if (a.compensating || c.needs_independent_review) return std::nullopt;  // the compensating control covers it
  if (a.approver == c.requestor) return "given by the requestor; a requestor's own approval never counts";
  if (IsInvolved(c, a.approver)) return "given by the implementer; an implementer's own approval never counts";
  return std::nullopt;
}

ApprovalProgress ComputeApprovalProgress(const Change& c, const std::vector<Approval>& approvals) {
  ApprovalProgress p;
  if (!c.assessment) {
    p.outstanding.push_back("the change has not been submitted");
    return p;
  }
  const Assessment& a = *c.assessment;
  if (a.pre_approved) {
    p.required = false;
    p.complete = true;
    return p;
  }
  p.min_distinct_approvers = a.min_distinct_approvers;
  std::set<std::string> approvers;
  std::vector<const Approval*> counted;
  for (const Approval& ap : approvals) {
    if (ap.valid() && !ap.approve) p.rejected = true;
    if (auto why = NotCountedBecause(c, ap)) {
      if (ap.valid() && ap.approve) p.not_counted.push_back(fmt::format("{}: {}", ap.approver, *why));
      continue;
    }
    counted.push_back(&ap);
    approvers.insert(ap.approver);
    if (!IsInvolved(c, ap.approver)) p.independent = true;
    if (ap.compensating) p.compensating = true;
  }
  p.distinct_approvers = static_cast<int>(approvers.size());
  for (const std::string& role : a.required_roles) {
    RoleProgress rp{role, ""};
    for (const Approval* ap : counted) {
      if (ap->role == rp.role) {
        rp.approved_by = ap->approver;
        break;
      }
    }
    if (rp.approved_by.empty()) p.outstanding.push_back(fmt::format("an approval as {}", rp.role));
    p.roles.push_back(std::move(rp));
  }
  if (p.distinct_approvers < p.min_distinct_approvers) {
    p.outstanding.push_back(
        fmt::format("{} distinct approvers ({} so far)", p.min_distinct_approvers, p.distinct_approvers));
  }
  if (p.distinct_approvers > 0 && !p.independent && !p.compensating) {
    p.outstanding.push_back("an approver who is neither the requestor nor the implementer");
  }
  if (p.rejected) p.outstanding.push_back("the change was rejected");
  p.complete = p.outstanding.empty();
  return p;
}

bool HasValidEvidence(const std::vector<Evidence>& evidence, EvidenceKind kind) {
  return std::any_of(evidence.begin(), evidence.end(),
                     [&](const Evidence& e) { return e.kind == kind && e.Satisfies(); });
}

bool HasReview(const std::vector<Review>& reviews, ReviewKind kind) {
  return std::any_of(reviews.begin(), reviews.end(), [&](const Review& r) { return r.kind == kind; });
}

std::vector<FieldError> EvidenceMissing(const std::vector<EvidenceKind>& kinds, const std::vector<Evidence>& evidence,
                                        std::string_view when) {
  std::vector<FieldError> out;
  for (EvidenceKind k : kinds) {
    if (HasValidEvidence(evidence, k)) continue;
    const std::string_view kind = Name(k);
    out.push_back({fmt::format("/evidence/{}", kind), fmt::format("no {} {} evidence; the policy requires it {}",
                                                                  HasOutcome(k) ? "successful" : "valid", kind, when)});
  }
  return out;
}

std::vector<FieldError> FailedRuns(const std::vector<Evidence>& evidence) {
  std::vector<FieldError> out;
  for (EvidenceKind k : {EvidenceKind::kPipelineRun, EvidenceKind::kTestResult}) {
    // The latest valid items that passed or failed (a cancelled run says
    // neither); several when recorded in the same microsecond, and then any
    // failure among them counts, failing closed.
    auto decisive = [&](const Evidence& e) {
      return e.kind == k && e.status == EvidenceStatus::kValid &&
             (e.outcome == EvidenceOutcome::kSuccess || e.outcome == EvidenceOutcome::kFailure);
    };
    std::optional<Timestamp> latest;
    for (const Evidence& e : evidence) {
      if (decisive(e) && (!latest || *latest < e.created_at)) latest = e.created_at;
    }
    for (const Evidence& e : evidence) {
      if (!decisive(e) || e.created_at != *latest || e.outcome != EvidenceOutcome::kFailure) continue;
      out.push_back({fmt::format("/evidence/{}", e.id),
                     fmt::format("the latest {} ({}) failed; attach a successful one, or mark the failed one "
                                 "superseded with the reason",
                                 Name(k), e.id)});
      break;
    }
  }
  return out;
}

std::vector<FieldError> BlockingFailedRuns(const Policy& policy, const std::vector<Evidence>& evidence) {
  return policy.failed_runs_block ? FailedRuns(evidence) : std::vector<FieldError>{};
}

std::vector<FieldError> ClosureEvidenceMissing(const Change& c, const Policy& policy,
                                               const std::vector<Evidence>& evidence, std::string_view when) {
  std::vector<FieldError> out =
      c.assessment ? EvidenceMissing(c.assessment->closure_evidence, evidence, when) : std::vector<FieldError>{};
  std::vector<FieldError> failed = BlockingFailedRuns(policy, evidence);
  out.insert(out.end(), failed.begin(), failed.end());
  return out;
}

std::vector<FieldError> ClosureMissing(const Change& c, const Policy& policy, const std::vector<Approval>& approvals,
                                       const std::vector<Evidence>& evidence, const std::vector<Review>& reviews) {
  std::vector<FieldError> out;
  if (!c.assessment) {
    out.push_back({"/state", "the change has not been submitted"});
    return out;
  }
  out = ClosureEvidenceMissing(c, policy, evidence, "to close");
  const ApprovalProgress progress = ComputeApprovalProgress(c, approvals);
  if (!progress.complete) {
    for (const std::string& o : progress.outstanding) out.push_back({"/approvals", "missing " + o});
  }
  if (c.content.type == ChangeType::kEmergency && !HasReview(reviews, ReviewKind::kRetrospective)) {
    out.push_back({"/reviews/retrospective", "emergency changes need a retrospective (CAB) review"});
  }
  if (c.needs_independent_review && !HasReview(reviews, ReviewKind::kPostImplementation)) {
    out.push_back({"/reviews/post_implementation",
                   "the compensating control is in use; an independent post-implementation review is required"});
  }
  if (c.assessment->snapshots_required && !HasReview(reviews, ReviewKind::kConsoleSignoff)) {
    out.push_back({"/reviews/console_signoff", "console changes need a reviewer's sign-off of the snapshots"});
  }
  if (c.verification.is_null()) {
    out.push_back({"/verification", "record the post-change verification first"});
  }
  return out;
}

std::vector<FieldError> CheckVerification(const nlohmann::json& v) {
  std::vector<FieldError> e;
  if (!v.is_object()) {
    e.push_back({"/checklist", "give the post-change verification checklist"});
    return e;
  }
  if (v.value("implemented_as_approved", false) != true) {
    e.push_back({"/checklist/implemented_as_approved",
                 "must be true; if the change went beyond what was approved, record it as failed or "
                 "raise a new change for the extra scope"});
  }
  if (v.value("security_controls_verified", false) != true) {
    e.push_back({"/checklist/security_controls_verified", "must be true: confirm the security controls still work"});
  }
  for (const char* k : {"incidents", "lessons_learned"}) {
    if (!v.contains(k) || !v[k].is_string() || v[k].get<std::string>().empty()) {
      e.push_back({fmt::format("/checklist/{}", k), "required (write \"none\" if there were none)"});
    }
  }
  return e;
}

}  // namespace cl
