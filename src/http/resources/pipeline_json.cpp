#include "http/resources/pipeline_json.h"

#include "http/resources/representations.h"

namespace cl::http {

nlohmann::json IacJson(const IacAttachment& a, bool with_report) {
  nlohmann::json j = {{"id", a.id},
                      {"format", a.format},
                      {"digest", a.digest},
                      {"file_sha256", a.sha256},
                      {"filename", a.filename},
                      {"size", a.size},
                      {"categories", a.categories},
                      {"impact_raised", a.impact_raised},
                      {"content_version", a.content_version},
                      {"evidence_id", a.evidence_id},
                      {"added_by", a.added_by},
                      {"created_at", FormatRfc3339(a.created_at)}};
  j["report"] = with_report ? a.report : nlohmann::json(nullptr);
  return j;
}

nlohmann::json DeploymentJson(const Deployment& d) {
  return {{"id", d.id},
          {"kind", d.kind},
          {"service", d.service},
          {"environment", d.environment},
          {"artifact",
           {{"commit_sha", d.artifact.commit_sha},
            {"image_digest", d.artifact.image_digest},
            {"plan_digest", d.artifact.plan_digest}}},
          {"change", d.change_number > 0 ? nlohmann::json("CHG-" + std::to_string(d.change_number)) : nullptr},
          {"decision", d.decision},
          {"reasons", d.reasons},
          {"flags", d.flags},
          {"source", d.source},
          {"status", d.status},
          {"url", d.url},
          {"actor", d.actor},
          {"created_at", FormatRfc3339(d.created_at)}};
}

nlohmann::json ArtifactLinkJson(const ArtifactLink& l) {
  return {{"kind", l.kind}, {"value", l.value}, {"source", l.source}, {"created_at", FormatRfc3339(l.created_at)}};
}

Schema ArtifactSchema() {
  return Schema::Object("What is deployed; give at least one.")
      .Field("commit_sha", Schema::String("Git commit, 7-64 hex digits.").Max(64))
      .Field("image_digest", Schema::String("Container image digest, sha256:<hex>.").Max(71))
      .Field("plan_digest", Schema::String("SHA-256 of the Terraform plan JSON file, sha256:<hex>.").Max(71));
}

Schema IacSchema() {
  return Schema::Object("A Terraform plan or Kubernetes manifest bound to a change version.")
      .Field("id", Schema::String(), true)
      .Field("format", Schema::String().Enum({"terraform-plan", "kubernetes-manifest"}), true)
      .Field("digest", Schema::String("sha256:<hex> of the file as uploaded; the gate compares plans by it."), true)
      .Field("file_sha256", Schema::String("The stored file, at /api/v1/files/{sha256}."), true)
      .Field("filename", Schema::String(), true)
      .Field("size", Schema::Integer(), true)
      .Field("categories", Schema::Array(Schema::String()), true)
      .Field("impact_raised", Schema::Array(Schema::String("Security impact areas this upload raised to yes.")), true)
      .Field("content_version", Schema::Integer("The change version that binds this digest."), true)
      .Field("evidence_id", Schema::String("The config_diff evidence holding the file."), true)
      .Field("added_by", Schema::String(), true)
      .Field("created_at", TimeSchema(), true)
      .Field("report",
             Schema::Any("Per resource: address, type, action, categories and the rules that fired "
                         "(with reasons). Null in lists."),
             true);
}

Schema DeploymentSchema() {
  return Schema::Object("A deploy gate decision or a deployment reported after the fact.")
      .Field("id", Schema::String(), true)
      .Field("kind", Schema::String().Enum({"gate", "reported"}), true)
      .Field("service", Schema::String(), true)
      .Field("environment", Schema::String(), true)
      .Field("artifact", ArtifactSchema(), true)
      .Field("change", Schema::String("The change it was matched to.").Nullable(), true)
      .Field("decision", Schema::String().Enum({"allow", "deny", "authorized", "unauthorized"}), true)
      .Field("reasons",
             Schema::Array(Schema::Object()
                               .Field("code",
                                      Schema::String("no_change, change_not_found, change_mismatch, "
                                                     "ambiguous, not_approved, approvals_voided, "
                                                     "sod_not_met, outside_window, freeze, "
                                                     "plan_mismatch, artifact_not_linked, "
                                                     "evidence_missing, change_finished"),
                                      true)
                               .Field("message", Schema::String(), true)),
             true)
      .Field("flags",
             Schema::Array(Schema::String("Allowed but notable: emergency_in_freeze, "
                                          "emergency_before_approval, commit_not_linked, "
                                          "image_not_linked, plan_not_checked.")),
             true)
      .Field("source", Schema::String(), true)
      .Field("status", Schema::String("Reported deployments: success, failure, ..."), true)
      .Field("url", Schema::String(), true)
      .Field("actor", Schema::String(), true)
      .Field("created_at", TimeSchema(), true);
}

Schema FreezeSchema() {
  return Schema::Object("An ad-hoc change freeze (the policy's freeze_windows are the standing calendar).")
      .Field("id", Schema::String(), true)
      .Field("description", Schema::String(), true)
      .Field("environments", Schema::Array(Schema::String("Empty: every environment.")), true)
      .Field("start", TimeSchema(), true)
      .Field("end", TimeSchema(), true)
      .Field("allow_types", Schema::Array(Schema::String().Enum({"standard", "normal", "emergency"})), true)
      .Field("created_by", Schema::String(), true)
      .Field("created_at", TimeSchema(), true)
      .Field("lifted_at", TimeSchema().Nullable(), true)
      .Field("lifted_by", Schema::String(), true);
}

Schema ArtifactLinkSchema() {
  return Schema::Object("A commit, image or plan known to belong to the change.")
      .Field("kind", Schema::String().Enum({"commit", "image", "plan"}), true)
      .Field("value", Schema::String(), true)
      .Field("source", Schema::String(), true)
      .Field("created_at", TimeSchema(), true);
}

}  // namespace cl::http
