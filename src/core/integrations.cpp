#include "core/integrations.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/audit_states.h"

namespace cl {
namespace {

std::string ShortSha(const std::string& sha) { return sha.substr(0, 12); }

// The changes an event is about: keys it names, then changes its commit is linked to.
Result<std::vector<Change>> ChangesOf(Tx& tx, const ScmEvent& e) {
  std::vector<Change> out;
  for (int64_t n : e.change_numbers) {
    CL_ASSIGN_OR_RETURN(std::optional<Change> c, tx.Changes().FindByNumber(n));
    if (c) out.push_back(std::move(*c));
  }
  if (out.empty() && !e.head_sha.empty()) {
    CL_ASSIGN_OR_RETURN(std::vector<int64_t> numbers, tx.Pipeline().ChangesWithArtifact("commit", e.head_sha));
    for (int64_t n : numbers) {
      CL_ASSIGN_OR_RETURN(std::optional<Change> c, tx.Changes().FindByNumber(n));
      if (c) out.push_back(std::move(*c));
    }
  }
  return out;
}

// A run's conclusion as an outcome: GitHub (success, failure, timed_out,
// action_required, startup_failure, cancelled, skipped, neutral, stale) and
// GitLab (success, failed, canceled, skipped, manual). A run that neither
// passed nor failed is unknown: it satisfies nothing, and blocks nothing.
EvidenceOutcome RunOutcome(std::string_view conclusion) {
  if (conclusion == "success") return EvidenceOutcome::kSuccess;
  if (conclusion == "failure" || conclusion == "failed" || conclusion == "timed_out" ||
      conclusion == "action_required" || conclusion == "startup_failure" || conclusion == "error") {
    return EvidenceOutcome::kFailure;
  }
  return EvidenceOutcome::kUnknown;
}

bool Finished(const Change& c) { return c.state == ChangeState::kClosed || c.state == ChangeState::kCancelled; }

}  // namespace

Principal IntegrationService::IntegrationPrincipal(std::string_view source) {
  Principal p;
  p.user_id = fmt::format("integration:{}", source);
  p.username = std::string(source);
  p.display_name = source == "github" ? "GitHub" : "GitLab";
  p.roles = {Role::kCi};
  p.permissions = PermissionsOf(Role::kCi);
  p.via = AuthVia::kSystem;
  return p;
}

Result<InboundResult> IntegrationService::Handle(const ScmEvent& e, const std::string& request_id,
                                                 const std::string& client_ip) {
  const Principal who = IntegrationPrincipal(e.source);
  const AuditContext ctx = ContextFor(who, request_id, client_ip);
  InboundResult out;
  CL_RETURN_IF_ERROR(d_.store.Write([&](Tx& tx) -> Status {
    out = InboundResult{};
    const Timestamp now = d_.clock.Now();
    CL_ASSIGN_OR_RETURN(std::optional<InboundDelivery> seen,
                        tx.Pipeline().FindDelivery(e.source, e.delivery_id, e.content_digest));
    if (seen) {
      out.replayed = true;
      out.outcome = seen->outcome;
      out.result = seen->result;
      return Status::Ok();
    }
    CL_ASSIGN_OR_RETURN(std::vector<Change> changes, ChangesOf(tx, e));
    std::vector<std::string> done;
    nlohmann::json keys = nlohmann::json::array();
    for (const Change& c : changes) keys.push_back(c.Key());
    out.result["changes"] = keys;
    nlohmann::json evidence = nlohmann::json::array();

    auto link = [&](const Change& c, const std::string& sha) -> Status {
      if (sha.empty() || Finished(c)) return Status::Ok();
      return gate_.LinkArtifact(tx, ctx, c, "commit", sha, e.source);
    };
    auto add_evidence = [&](const Change& c, EvidenceKind kind, const std::string& note,
                            std::optional<std::string> not_verifiable,
                            EvidenceOutcome outcome = EvidenceOutcome::kNone) -> Status {
      if (Finished(c)) return Status::Ok();
      Evidence ev;
      ev.id = d_.ids.NewId("evd");
      ev.change_id = c.id;
      ev.kind = kind;
      ev.url = e.url.starts_with("http://") || e.url.starts_with("https://") ? e.url : "";
      ev.note = note;
      ev.outcome = outcome;
      ev.added_by_id = who.user_id;
      ev.added_by = who.username;
      ev.created_at = now;
      if (not_verifiable) {
        ev.status = EvidenceStatus::kNotVerifiable;
        ev.status_reason = *not_verifiable;
      }
      CL_RETURN_IF_ERROR(tx.Changes().InsertEvidence(ev));
      AuditRecord rec{"evidence.add", "evidence", ev.id};
      rec.after = EvidenceAuditState(ev, c.Key());
      rec.details = {{"source", e.source}, {"delivery", e.delivery_id}};
      CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, rec).status());
      evidence.push_back({{"change", c.Key()},
                          {"id", ev.id},
                          {"kind", Name(ev.kind)},
                          {"status", Name(ev.status)},
                          {"outcome", Name(ev.outcome)}});
      return Status::Ok();
    };

    const bool pr = e.event == "pull_request" || e.event == "merge_request";
    const std::string what = e.event == "merge_request" ? "MR !" + e.number : "PR #" + e.number;
    if (pr && e.review_state.empty() && !e.merged &&
        (e.action == "opened" || e.action == "synchronize" || e.action == "reopened" || e.action == "edited" ||
         e.action == "open" || e.action == "update" || e.action == "reopen")) {
      for (const Change& c : changes) CL_RETURN_IF_ERROR(link(c, e.head_sha));
      done.push_back(fmt::format("linked {} (commit {})", what, ShortSha(e.head_sha)));
    } else if (pr && e.merged && e.review_state.empty()) {
      for (const Change& c : changes) {
        CL_RETURN_IF_ERROR(link(c, e.head_sha));
        CL_RETURN_IF_ERROR(link(c, e.merge_sha));
        CL_RETURN_IF_ERROR(add_evidence(c, EvidenceKind::kPullRequest,
                                        fmt::format("{} \"{}\" by {} merged by {} in {} (merge commit {})", what,
                                                    e.title, e.author, e.actor, e.repository, e.merge_sha),
                                        std::nullopt));
      }
      done.push_back(fmt::format("recorded the merge of {}", what));
    } else if ((e.event == "pull_request_review" || e.event == "merge_request") && e.review_state == "approved") {
      for (const Change& c : changes) {
        CL_RETURN_IF_ERROR(link(c, e.head_sha));
        std::optional<std::string> refused;
        if (e.by_author) {
          refused = fmt::format("{} was approved by its own author ({}); self-approval is not peer review (R001-08)",
                                what, e.actor);
        }
        CL_RETURN_IF_ERROR(add_evidence(c, EvidenceKind::kPullRequest,
                                        fmt::format("Peer review: {} \"{}\" in {} approved by {} (author {})", what,
                                                    e.title, e.repository, e.actor, e.author),
                                        refused));
      }
      done.push_back(e.by_author ? fmt::format("{} approved by its author: kept, not counted as review", what)
                                 : fmt::format("recorded the approval of {} by {}", what, e.actor));
    } else if (e.event == "pull_request_review" && e.review_state == "dismissed") {
      for (const Change& c : changes) {
        CL_ASSIGN_OR_RETURN(std::vector<Evidence> all, tx.Changes().EvidenceOf(c.id));
        for (Evidence& ev : all) {
          if (ev.kind != EvidenceKind::kPullRequest || ev.url != e.url || ev.status != EvidenceStatus::kValid) continue;
          CL_RETURN_IF_ERROR(tx.Changes().SetEvidenceStatus(ev.id, EvidenceStatus::kSuperseded, "review dismissed"));
          AuditRecord rec{"evidence.status", "evidence", ev.id};
          rec.before = EvidenceAuditState(ev, c.Key());
          ev.status = EvidenceStatus::kSuperseded;
          ev.status_reason = "review dismissed";
          rec.after = EvidenceAuditState(ev, c.Key());
          rec.details = {{"delivery", e.delivery_id}};
          CL_RETURN_IF_ERROR(d_.audit.Append(tx, ctx, rec).status());
        }
      }
      done.push_back(fmt::format("a review of {} was dismissed", what));
    } else if (e.event == "push" && !e.head_sha.empty()) {
      for (const Change& c : changes) CL_RETURN_IF_ERROR(link(c, e.head_sha));
      done.push_back(fmt::format("linked push of {} ({})", ShortSha(e.head_sha), e.title));
    } else if ((e.event == "workflow_run" || e.event == "check_suite" || e.event == "pipeline") &&
               !e.conclusion.empty() && e.conclusion != "running" && e.conclusion != "pending" &&
               e.conclusion != "created") {
      for (const Change& c : changes) {
        CL_RETURN_IF_ERROR(link(c, e.head_sha));
        CL_RETURN_IF_ERROR(add_evidence(c, EvidenceKind::kPipelineRun,
                                        fmt::format("{} {} {}: {} (commit {}) in {}", e.event, e.title, e.number,
                                                    e.conclusion, e.head_sha, e.repository),
                                        std::nullopt, RunOutcome(e.conclusion)));
      }
      done.push_back(fmt::format("recorded {} {}: {}", e.event, e.number, e.conclusion));
    } else if (e.event == "deployment") {
      for (const Change& c : changes) CL_RETURN_IF_ERROR(link(c, e.head_sha));
      done.push_back(fmt::format("deployment {} to {} created", e.number, e.environment));
    } else if (e.event == "deployment_status" && (e.conclusion == "success" || e.conclusion == "failure" ||
                                                  e.conclusion == "error" || e.conclusion == "failed")) {
      ReportedDeployment rep;
      rep.service = e.service;
      rep.environment = e.environment;
      rep.artifact.commit_sha = e.head_sha;
      if (e.change_numbers.size() == 1) rep.change_number = e.change_numbers[0];
      rep.status = e.conclusion == "failed" ? "failure" : e.conclusion;
      rep.url = e.url.starts_with("http") ? e.url : "";
      rep.source = e.source;
      std::vector<FieldError> errors = CheckReport(rep);
      if (!errors.empty()) {
        done.push_back(fmt::format("deployment not recorded: {} {}", errors[0].field, errors[0].message));
      } else {
        CL_ASSIGN_OR_RETURN(ReportResult r, gate_.ReportIn(tx, who, ctx, rep));
        out.result["deployment"] = r.deployment.id;
        out.result["decision"] = r.deployment.decision;
        if (r.change) out.result["changes"] = nlohmann::json::array({r.change->Key()});
        if (r.finding) out.result["finding"] = r.finding->id;
        if (r.evidence) {
          evidence.push_back({{"change", r.change->Key()},
                              {"id", r.evidence->id},
                              {"kind", "pipeline_run"},
                              {"status", Name(r.evidence->status)},
                              {"outcome", Name(r.evidence->outcome)}});
        }
        done.push_back(fmt::format("deployment of {} to {} ({}): {}", e.service, e.environment, rep.status,
                                   r.deployment.decision));
      }
    } else if (e.event == "ping") {
      done.push_back("pong");
    } else {
      done.push_back(fmt::format("ignored: {}{} is not used", e.event, e.action.empty() ? "" : "." + e.action));
    }
    if (changes.empty() && e.event != "deployment_status" && e.event != "ping" && done.size() == 1 &&
        !done[0].starts_with("ignored")) {
      done[0] += "; no change is named (put CHG-<n> in the branch, title or body)";
    }
    out.result["evidence"] = evidence;
    out.outcome = fmt::format("{}", fmt::join(done, "; "));
    InboundDelivery d{e.source, e.delivery_id, e.event, e.action, out.outcome, out.result, now, e.content_digest};
    CL_ASSIGN_OR_RETURN(bool inserted, tx.Pipeline().InsertDeliveryIfNew(d));
    if (!inserted) return Conflict("the delivery was recorded concurrently; retry");
    AuditRecord rec{fmt::format("webhook.{}", e.source), "delivery", e.delivery_id};
    rec.details = {{"event", e.event},
                   {"action", e.action},
                   {"repository", e.repository},
                   {"outcome", out.outcome},
                   {"changes", out.result["changes"]}};
    return d_.audit.Append(tx, ctx, rec).status();
  }));
  return out;
}

}  // namespace cl
