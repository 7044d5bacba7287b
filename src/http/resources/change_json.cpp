#include "http/resources/change_json.h"

#include "core/change_rules.h"

#include "http/resources/pipeline_json.h"
#include "http/resources/representations.h"

namespace cl::http {
namespace {

Schema Text(int64_t max, std::string d = "") { return Schema::String(std::move(d)).Max(max).Nullable(); }

Schema ImpactSchema() {
  Schema s = Schema::Object(
      "Security impact assessment (R001-05): each question yes, no or unknown, with a note. "
      "'unknown' counts as yes for risk.");
  for (ImpactArea a : kAllImpactAreas) {
    s.Field(std::string(Name(a)), Schema::Object()
                                      .Field("answer", Schema::String().Enum({"yes", "no", "unknown"}), true)
                                      .Field("note", Schema::String().Max(20000))
                                      .Nullable());
  }
  return s.Nullable();
}

}  // namespace

Schema ChangeInputSchema(bool create) {
  Schema s = Schema::Object(create ? "A new change record. Which fields are required depends on the type and "
                                     "category and is checked on submit, under the active policy."
                                   : "Fields to change; absent fields stay, null clears. Editing a material "
                                     "field voids existing approvals.");
  s.Field("title", create ? Schema::String().Min(1).Max(200) : Text(200), create)
      .Field("type", Schema::String("standard (from a template), normal or emergency.").Enum(Names(kAllChangeTypes)))
      .Field("service", Text(200, "The system or service changed (a configuration item name)."))
      .Field("environment", Text(64, "One of the policy's environments."))
      .Field("category", Text(64, "One of the policy's categories (technical, console_admin, iac, ...)."))
      .Field("justification", Text(20000))
      .Field("description", Text(20000, "Not material: editing it does not void approvals."))
      .Field("security_impact", ImpactSchema())
      .Field("test_plan", Text(20000))
      .Field("implementation_plan", Text(20000))
      .Field("rollback_plan", Text(20000))
      .Field("failure_conditions", Text(20000, "When to roll back."))
      .Field("success_criteria", Text(20000))
      .Field("monitoring_plan", Text(20000))
      .Field("planned_window", Schema::Object("Times with an offset; stored in UTC.")
                                   .Field("start", TimeSchema().Nullable())
                                   .Field("end", TimeSchema().Nullable())
                                   .Field("timezone", Schema::String("IANA zone for display.").Max(64))
                                   .Nullable())
      .Field("responsibility", Schema::Object("Shared-responsibility owner (R001-04).")
                                   .Field("owner", Schema::String().Enum({"csp", "customer", "shared"}))
                                   .Field("contact", Schema::String("A named contact.").Max(200))
                                   .Nullable())
      .Field("stakeholders", Schema::Array(Schema::String().Max(200)).Max(100).Nullable())
      .Field("implementer", Text(64, "Username of who will implement it; empty: whoever starts it."))
      .Field("template", Schema::Object("Standard changes: the pre-approved template and its parameters.")
                             .Field("id", Schema::String().Max(64), true)
                             .Field("parameters", Schema::Object().Values(Schema::Any()))
                             .Nullable())
      .Field("plan_digest", Text(80, "sha256:<hex> of an attached IaC plan; part of the approved content."))
      .Field("emergency_reason", Text(64,
                                      "Emergency changes: which of the policy's qualifying reasons applies (outage, "
                                      "security_incident, ...; R000-09)."));
  return s;
}

nlohmann::json ChangeJson(const Change& c) {
  return {{"key", c.Key()},
          {"id", c.id},
          {"number", c.number},
          {"state", Name(c.state)},
          {"type", Name(c.content.type)},
          {"risk", c.assessment ? nlohmann::json(Name(c.risk)) : nlohmann::json(nullptr)},
          {"title", c.content.title},
          {"service", c.content.service},
          {"environment", c.content.environment},
          {"category", c.content.category},
          {"requestor", c.requestor},
          {"implementer", c.implementer.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.implementer)},
          {"policy_version", c.policy_version == 0 ? nlohmann::json(nullptr) : nlohmann::json(c.policy_version)},
          {"content_version", c.content_version},
          {"material_sha256", c.material_hash},
          {"content", ContentToJson(c.content)},
          {"assessment", c.assessment ? c.assessment->ToJson(c.content.type) : nlohmann::json(nullptr)},
          {"verification", c.verification},
          {"needs_independent_review", c.needs_independent_review},
          {"review_deadline", TimeOrNull(c.review_deadline)},
          {"created_at", FormatRfc3339(c.created_at)},
          {"updated_at", FormatRfc3339(c.updated_at)},
          {"submitted_at", TimeOrNull(c.submitted_at)},
          {"approved_at", TimeOrNull(c.approved_at)},
          {"scheduled_at", TimeOrNull(c.scheduled_at)},
          {"started_at", TimeOrNull(c.started_at)},
          {"implemented_at", TimeOrNull(c.implemented_at)},
          {"verified_at", TimeOrNull(c.verified_at)},
          {"closed_at", TimeOrNull(c.closed_at)},
          {"retrospective_at", TimeOrNull(c.retrospective_at)},
          {"row_version", c.row_version}};
}

nlohmann::json ApprovalJson(const Approval& a, const Change& c) {
  const std::optional<std::string> not_counted = a.approve ? NotCountedBecause(c, a) : std::nullopt;
  return {{"id", a.id},
          {"approver", a.approver},
          {"role", a.role},
          {"decision", a.approve ? "approve" : "reject"},
          {"comment", a.comment},
          {"content_version", a.content_version},
          {"material_sha256", a.material_hash},
          {"retrospective", a.retrospective},
          {"compensating_control", a.compensating},
          {"created_at", FormatRfc3339(a.created_at)},
          {"status", a.valid() ? "valid" : "void"},
          {"voided_at", TimeOrNull(a.voided_at)},
          {"voided_reason", a.voided_reason},
          {"counted", a.approve && !not_counted},
          {"not_counted_reason", not_counted ? nlohmann::json(*not_counted) : nlohmann::json(nullptr)}};
}

nlohmann::json EvidenceJson(const Evidence& e) {
  return {{"id", e.id},
          {"kind", Name(e.kind)},
          {"url", e.url.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.url)},
          {"sha256", e.sha256.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.sha256)},
          {"file_url", e.sha256.empty() ? nlohmann::json(nullptr) : nlohmann::json("/api/v1/files/" + e.sha256)},
          {"filename", e.filename},
          {"content_type", e.content_type},
          {"size", e.size},
          {"note", e.note},
          {"added_by", e.added_by},
          {"created_at", FormatRfc3339(e.created_at)},
          {"status", Name(e.status)},
          {"status_reason", e.status_reason},
          {"outcome", Name(e.outcome)},
          {"retained", e.Retained()},
          {"snapshot_at", TimeOrNull(e.snapshot_at)},
          {"satisfies", e.Satisfies()}};
}

nlohmann::json ReviewJson(const Review& r) {
  return {{"id", r.id},           {"kind", Name(r.kind)}, {"reviewer", r.reviewer},
          {"outcome", r.outcome}, {"notes", r.notes},     {"created_at", FormatRfc3339(r.created_at)}};
}

nlohmann::json FindingJson(const Finding& f) {
  return {{"id", f.id},
          {"kind", f.kind},
          {"severity", f.severity},
          {"object_type", f.object_type},
          {"object_id", f.object_id},
          {"controls", f.controls},
          {"summary", f.summary},
          {"details", f.details},
          {"status", f.status},
          {"created_at", FormatRfc3339(f.created_at)}};
}

nlohmann::json ChangeDetailJson(const ChangeDetail& d) {
  nlohmann::json j = ChangeJson(d.change);
  auto list = [](const auto& items, auto fn) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& x : items) out.push_back(fn(x));
    return out;
  };
  j["approval"] = d.approval.ToJson();
  j["approvals"] = list(d.approvals, [&](const Approval& a) { return ApprovalJson(a, d.change); });
  j["evidence"] = list(d.evidence, EvidenceJson);
  j["reviews"] = list(d.reviews, ReviewJson);
  j["transitions"] = list(d.transitions, [](const Transition& t) {
    return nlohmann::json{{"from", Name(t.from)}, {"to", Name(t.to)},          {"action", t.action},
                          {"actor", t.actor},     {"at", FormatRfc3339(t.at)}, {"note", t.note}};
  });
  j["versions"] = list(d.versions, [](const ChangeVersion& v) {
    return nlohmann::json{{"version", v.version},
                          {"material_sha256", v.material_hash},
                          {"author", v.author},
                          {"created_at", FormatRfc3339(v.created_at)}};
  });
  j["iac"] = list(d.iac, [](const IacAttachment& a) { return IacJson(a, /*with_report=*/true); });
  j["deployments"] = list(d.deployments, DeploymentJson);
  j["artifacts"] = list(d.artifacts, ArtifactLinkJson);
  j["overdue"] = d.overdue;
  j["approval_due"] = TimeOrNull(d.approval_due);
  j["approval_overdue"] = d.approval_overdue;
  j["permits"] = d.permits;
  j["closure_missing"] = list(d.closure_missing, [](const FieldError& e) {
    return nlohmann::json{{"pointer", e.field}, {"detail", e.message}};
  });
  return j;
}

Schema ApprovalSchema() {
  return Schema::Object("A decision bound to the SHA-256 of the content it approved.")
      .Field("id", Schema::String(), true)
      .Field("approver", Schema::String(), true)
      .Field("role", Schema::String("The policy's approver role it was given under."), true)
      .Field("decision", Schema::String().Enum({"approve", "reject"}), true)
      .Field("comment", Schema::String(), true)
      .Field("content_version", Schema::Integer(), true)
      .Field("material_sha256", Schema::String(), true)
      .Field("retrospective", Schema::Boolean("Given after implementation started (emergency)."), true)
      .Field("compensating_control", Schema::Boolean(), true)
      .Field("created_at", TimeSchema(), true)
      .Field("status", Schema::String("void once a material edit changed the content.").Enum({"valid", "void"}), true)
      .Field("voided_at", TimeSchema().Nullable(), true)
      .Field("voided_reason", Schema::String(), true)
      .Field("counted",
             Schema::Boolean("Whether it counts toward the required roles and distinct approvers: an approval by "
                             "the change's requestor or implementer never does (unless under the compensating "
                             "control)."),
             true)
      .Field("not_counted_reason", Schema::String("Why an approval does not count.").Nullable(), true);
}

Schema EvidenceSchema() {
  return Schema::Object("Evidence that a step happened; files are content-addressed by SHA-256.")
      .Field("id", Schema::String(), true)
      .Field("kind", Schema::String().Enum(Names(kAllEvidenceKinds)), true)
      .Field("url", Schema::String().Nullable(), true)
      .Field("sha256", Schema::String().Nullable(), true)
      .Field("file_url", Schema::String().Nullable(), true)
      .Field("filename", Schema::String(), true)
      .Field("content_type", Schema::String(), true)
      .Field("size", Schema::Integer(), true)
      .Field("note", Schema::String(), true)
      .Field("added_by", Schema::String(), true)
      .Field("created_at", TimeSchema(), true)
      .Field("status", Schema::String().Enum({"valid", "not_verifiable", "superseded"}), true)
      .Field("status_reason", Schema::String(), true)
      .Field("outcome",
             Schema::String("What the run or test found: pipeline runs and test results are success or failure "
                            "(unknown: recorded without one); other kinds none.")
                 .Enum(Names(kAllEvidenceOutcomes)),
             true)
      .Field("retained",
             Schema::String("What was kept: snapshot (what the link showed, fetched at snapshot_at through the "
                            "configured GitHub or GitLab token), file (uploaded), link_only (only the URL), record "
                            "(neither).")
                 .Enum({"snapshot", "file", "link_only", "record"}),
             true)
      .Field("snapshot_at", TimeSchema("When the snapshot was fetched.").Nullable(), true)
      .Field("satisfies",
             Schema::Boolean("Whether it meets a requirement for its kind: valid and, for runs and tests, "
                             "successful."),
             true);
}

Schema ReviewSchema() {
  return Schema::Object()
      .Field("id", Schema::String(), true)
      .Field("kind", Schema::String().Enum(Names(kAllReviewKinds)), true)
      .Field("reviewer", Schema::String(), true)
      .Field("outcome", Schema::String().Enum({"accepted", "concerns"}), true)
      .Field("notes", Schema::String(), true)
      .Field("created_at", TimeSchema(), true);
}

Schema FindingSchema() {
  return Schema::Object("A detected control failure.")
      .Field("id", Schema::String(), true)
      .Field("kind", Schema::String("e.g. emergency_review_overdue"), true)
      .Field("severity", Schema::String(), true)
      .Field("object_type", Schema::String(), true)
      .Field("object_id", Schema::String(), true)
      .Field("controls", Schema::Array(Schema::String()), true)
      .Field("summary", Schema::String(), true)
      .Field("details", Schema::Any(), true)
      .Field("status", Schema::String(), true)
      .Field("created_at", TimeSchema(), true);
}

Schema ChangeSchema(bool detail) {
  Schema s = Schema::Object(detail ? "A change record with its approvals, evidence, reviews, transitions and "
                                     "content versions, and the rules' current verdicts."
                                   : "A change record.");
  s.Field("key", Schema::String("CHG-<number>"), true)
      .Field("id", Schema::String(), true)
      .Field("number", Schema::Integer(), true)
      .Field("state", Schema::String().Enum(Names(kAllChangeStates)), true)
      .Field("type", Schema::String().Enum(Names(kAllChangeTypes)), true)
      .Field("risk", Schema::String("Computed by the policy on submit.").Enum(Names(kAllRisks)).Nullable(), true)
      .Field("title", Schema::String(), true)
      .Field("service", Schema::String(), true)
      .Field("environment", Schema::String(), true)
      .Field("category", Schema::String(), true)
      .Field("requestor", Schema::String(), true)
      .Field("implementer", Schema::String().Nullable(), true)
      .Field("policy_version", Schema::Integer("The policy version it was evaluated under.").Nullable(), true)
      .Field("content_version", Schema::Integer(), true)
      .Field("material_sha256", Schema::String("SHA-256 of the canonical material content; approvals bind to it."),
             true)
      .Field("content", Schema::Any("The change's fields (see the create request)."), true)
      .Field("assessment",
             Schema::Any("Risk with the rules that fired, required approver roles, minimum "
                         "distinct approvers, evidence required to close; null until submitted."),
             true)
      .Field("verification", Schema::Any("The post-change verification checklist, once verified."), true)
      .Field("needs_independent_review", Schema::Boolean(), true)
      .Field("review_deadline", TimeSchema("Emergency: approvals and retrospective due.").Nullable(), true)
      .Field("row_version", Schema::Integer("Send as If-Match when editing."), true);
  for (const char* t : {"created_at", "updated_at"}) s.Field(t, TimeSchema(), true);
  for (const char* t : {"submitted_at", "approved_at", "scheduled_at", "started_at", "implemented_at", "verified_at",
                        "closed_at", "retrospective_at"}) {
    s.Field(t, TimeSchema().Nullable(), true);
  }
  if (detail) {
    s.Field("approval",
            Schema::Any("Progress: roles satisfied, distinct and independent approvers, what is "
                        "outstanding."),
            true)
        .Field("approvals", Schema::Array(ApprovalSchema()), true)
        .Field("evidence", Schema::Array(EvidenceSchema()), true)
        .Field("reviews", Schema::Array(ReviewSchema()), true)
        .Field("transitions", Schema::Array(Schema::Any()), true)
        .Field("versions", Schema::Array(Schema::Any()), true)
        .Field("iac", Schema::Array(IacSchema(), "Attached plans and manifests with their classification."), true)
        .Field("deployments",
               Schema::Array(DeploymentSchema(),
                             "Gate decisions and reported deployments, newest "
                             "first."),
               true)
        .Field("artifacts", Schema::Array(ArtifactLinkSchema()), true)
        .Field("overdue", Schema::Boolean("Emergency past its review deadline."), true)
        .Field("approval_due",
               TimeSchema("When its approvals are due under the policy's approval_sla for its risk.").Nullable(), true)
        .Field("approval_overdue", Schema::Boolean("Still waiting for approval after approval_due."), true)
        .Field("closure_missing", Schema::Array(Schema::Any("{pointer, detail}")), true)
        .Field(
            "permits",
            Schema::Object("What the caller may do to this change now, by role, ownership, state and "
                           "segregation of duties (fields, evidence and freezes are checked when acting).")
                .Field("edit", Schema::Boolean(), true)
                .Field("attach_plan", Schema::Boolean("May attach a new Terraform plan or Kubernetes manifests."), true)
                .Field("actions",
                       Schema::Array(Schema::String().Enum({"submit", "schedule", "start", "complete", "fail",
                                                            "rollback", "verify", "close", "cancel"})),
                       true)
                .Field("approve", Schema::Boolean(), true)
                .Field("approve_with_compensating_control", Schema::Boolean(), true)
                .Field("reject", Schema::Boolean(), true)
                .Field("approver_roles", Schema::Array(Schema::String()), true)
                .Field("add_evidence", Schema::Boolean(), true)
                .Field("withheld",
                       Schema::Array(Schema::Object("A step the caller holds the permission for and the state "
                                                    "allows, refused to them here, with why.")
                                         .Field("action", Schema::String(), true)
                                         .Field("reason", Schema::String(), true)),
                       true)
                .Field("judge_evidence", Schema::Boolean(), true)
                .Field("reviews",
                       Schema::Array(Schema::String().Enum({"retrospective", "post_implementation", "console_signoff"}),
                                     "Review kinds the caller may record now."),
                       true),
            true);
  }
  return s;
}

}  // namespace cl::http
