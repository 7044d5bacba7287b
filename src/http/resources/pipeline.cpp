// The deploy gate, deployments, the freeze calendar and IaC uploads (G1).
#include <fmt/format.h>

#include "http/api.h"
#include "http/resources/change_json.h"
#include "http/resources/pipeline_json.h"
#include "http/resources/representations.h"
#include "ingest/kubernetes.h"
#include "ingest/terraform_plan.h"

namespace cl::http {
namespace {

Artifact ArtifactFrom(const nlohmann::json& body) {
  const nlohmann::json a = body.value("artifact", nlohmann::json::object());
  return {a.value("commit_sha", ""), a.value("image_digest", ""), a.value("plan_digest", "")};
}

std::optional<int64_t> OptionalChange(const nlohmann::json& body, std::vector<FieldError>& errors) {
  if (!body.contains("change") || body["change"].is_null()) return std::nullopt;
  auto n = ParseChangeKey(body["change"].get<std::string>());
  if (!n) errors.push_back({"/change", "a change key such as CHG-42"});
  return n;
}

nlohmann::json GateJson(const GateResult& r) {
  nlohmann::json j = {{"decision", r.allow ? "allow" : "deny"},
                      {"allow", r.allow},
                      {"reasons", r.deployment.reasons},
                      {"flags", r.flags},
                      {"change", r.change ? nlohmann::json(r.change->Key()) : nullptr},
                      {"deployment", DeploymentJson(r.deployment)}};
  if (r.change) {
    j["change_state"] = Name(r.change->state);
    j["risk"] = Name(r.change->risk);
    j["approved_sha256"] = r.change->material_hash;
  } else {
    j["change_state"] = nullptr;
    j["risk"] = nullptr;
    j["approved_sha256"] = nullptr;
  }
  return j;
}

Schema GateRequestSchema() {
  return Schema::Object()
      .Field("service", Schema::String().Min(1).Max(200), true)
      .Field("environment", Schema::String().Min(1).Max(100), true)
      .Field("artifact", ArtifactSchema(), true)
      .Field("change", Schema::String("Optional: the change this deployment implements (CHG-42).").Max(40).Nullable())
      .Field("url", Schema::String("The pipeline run, kept with the decision.").Max(2000));
}

Result<Response> Upload(Api& api, Ctx& ctx, bool manifest) {
  CL_ASSIGN_OR_RETURN(int64_t number, ChangeNumber(ctx));
  const auto rules = ingest::DefaultClassificationRules();
  Result<ingest::IacReport> report = [&]() -> Result<ingest::IacReport> {
    if (!manifest) {
      ingest::PlanClassifier classifier(rules);
      return classifier.Classify(ctx.req.body);
    }
    const std::string op = ctx.Arg("operation", "apply");
    return ingest::ClassifyManifests(
        ctx.req.body, *rules, op == "delete" ? ingest::ManifestOperation::kDelete : ingest::ManifestOperation::kApply);
  }();
  if (!report.ok()) return report.status();
  IacUpload upload = ingest::ToUpload(*report, *rules, ctx.req.body, ctx.Arg("filename"));
  CL_ASSIGN_OR_RETURN(IacAttachment a, api.services().changes.AttachIac(*ctx.principal, ctx.Audit(), number, upload));
  return JsonResponse(201, IacJson(a, /*with_report=*/true));
}

Route UploadRoute(Api& api, bool manifest) {
  Route r{
      .method = "POST",
      .pattern = manifest ? "/api/v1/changes/{key}/manifests" : "/api/v1/changes/{key}/plans",
      .permission = Permission::kChangesWrite,
      .or_permission = Permission::kEvidenceWrite,
      .offload = true,
      .body_limit = ingest::kMaxDocumentBytes,
      .operation_id = manifest ? "attachManifest" : "attachPlan",
      .tag = "pipeline",
      .summary = manifest ? "Attach Kubernetes manifests and classify them" : "Attach a Terraform plan and classify it",
      .description =
          std::string(manifest
                          ? "Multi-document YAML or JSON (kind: List is expanded). Classified: RBAC (cluster-admin "
                            "bindings, wildcard verbs/resources, escalation), NetworkPolicy (removal with "
                            "operation=delete, allow-all), Services of type LoadBalancer/NodePort, externalIPs, "
                            "Ingress, privileged containers, host namespaces, hostPath, Secrets. "
                          : "The output of `terraform show -json PLANFILE`, UTF-8 or UTF-16 with a BOM (as "
                            "PowerShell writes it), at most 50 MiB. Every resource change is classified: identity, "
                            "network exposure, storage exposure, encryption, logging, secrets, destructive "
                            "(delete/replace), for AWS, Azure and Google. ") +
          "The classification raises the change's security impact answers (never lowers them), which raises its "
          "risk through the policy; the file's SHA-256 becomes the change's plan_digest, part of the approved "
          "content, so a different plan voids approvals and is denied by the gate. The file is kept as config_diff "
          "evidence. Needs changes:write (requestor or change manager) or evidence:write (pipelines). A file that "
          "is not valid JSON/YAML, not a plan, or truncated is refused with 422 invalid-document naming the "
          "problem.",
      .raw_body_types = manifest ? std::vector<std::string>{"application/yaml", "application/x-yaml", "text/yaml",
                                                            "application/json", "application/octet-stream"}
                                 : std::vector<std::string>{"application/json", "application/octet-stream"},
      .query = {{"filename", Schema::String().Max(200), "Original file name, kept with the evidence."}},
      .success_status = 201,
      .response = IacSchema(),
      .errors = {403, 404, 409, 413, 422},
      .handler = [&api, manifest](Ctx& ctx) { return Upload(api, ctx, manifest); }};
  if (manifest) r.query.push_back({"operation", Schema::String().Enum({"apply", "delete"}), "delete: kubectl delete"});
  return r;
}

}  // namespace

void AddPipelineRoutes(Api& api, Router& router) {
  router.Add(UploadRoute(api, false));
  router.Add(UploadRoute(api, true));

  router.Add(Route{
      .method = "POST",
      .pattern = "/api/v1/gate",
      .permission = Permission::kGateCheck,
      .body_limit = 16 * 1024,
      .operation_id = "checkGate",
      .tag = "pipeline",
      .summary = "Ask whether a deployment may go ahead",
      .description =
          "Allow or deny, with machine-readable reasons: no_change (no approved change covers the service, "
          "environment and artifact), change_not_found, change_mismatch, ambiguous, not_approved, approvals_voided, "
          "sod_not_met, outside_window, freeze, plan_mismatch (a different plan than the approved one), "
          "artifact_not_linked, evidence_missing, change_finished. Allowed decisions may carry flags "
          "(emergency_in_freeze, emergency_before_approval, commit_not_linked, plan_not_checked). Every decision is "
          "recorded as a deployment on the change and in the audit log. The answer is 200 either way; pipelines "
          "read `allow`.",
      .request = GateRequestSchema(),
      .response = Schema::Object()
                      .Field("decision", Schema::String().Enum({"allow", "deny"}), true)
                      .Field("allow", Schema::Boolean(), true)
                      .Field("reasons", Schema::Array(Schema::Any("{code, message}")), true)
                      .Field("flags", Schema::Array(Schema::String()), true)
                      .Field("change", Schema::String().Nullable(), true)
                      .Field("change_state", Schema::String().Nullable(), true)
                      .Field("risk", Schema::String().Nullable(), true)
                      .Field("approved_sha256", Schema::String().Nullable(), true)
                      .Field("deployment", DeploymentSchema(), true),
      // Decided on the I/O thread; the answer goes out when the record of the
      // decision is durable, with no thread parked on the commit.
      .async = [&api](Ctx& ctx, Reply reply) {
        std::vector<FieldError> errors;
        GateRequest req;
        req.change_number = OptionalChange(ctx.body, errors);
        if (!errors.empty()) return reply(InvalidArgument("the gate request is not valid", std::move(errors)));
        req.service = ctx.body["service"].get<std::string>();
        req.environment = ctx.body["environment"].get<std::string>();
        req.artifact = ArtifactFrom(ctx.body);
        req.url = ctx.body.value("url", "");
        req.source = ctx.req.Header("User-Agent").starts_with("changeledger-cli") ? "cli" : "api";
        auto answer = std::make_shared<Response>();
        const Status decided = api.services().gate.Check(
            *ctx.principal, ctx.Audit(), req, [&](const GateResult& r) { *answer = JsonResponse(200, GateJson(r)); },
            [answer, reply](Status committed, const GateResult* revised) {
              if (!committed.ok()) return reply(committed);
              reply(revised ? JsonResponse(200, GateJson(*revised)) : std::move(*answer));
            });
        if (!decided.ok()) reply(decided);
      }});

  router.Add(Route{.method = "POST",
                   .pattern = "/api/v1/deployments",
                   .permission = Permission::kEvidenceWrite,
                   .offload = true,
                   .inline_when_idle = true,
                   .body_limit = 16 * 1024,
                   .operation_id = "reportDeployment",
                   .tag = "pipeline",
                   .summary = "Report a deployment that happened",
                   .description =
                       "A deployment matched to an approved change is recorded on it (and, when finished, attached "
                       "as pipeline_run evidence). One that matches no approved change is recorded as unauthorized "
                       "and raises an unauthorized_change finding: high in production, medium in staging, low "
                       "elsewhere.",
                   .request = GateRequestSchema().Field(
                       "status", Schema::String("success, failure, in_progress, ...").Min(1).Max(40), true),
                   .success_status = 201,
                   .response = Schema::Object()
                                   .Field("deployment", DeploymentSchema(), true)
                                   .Field("change", Schema::String().Nullable(), true)
                                   .Field("finding", FindingSchema().Nullable(), true)
                                   .Field("evidence", EvidenceSchema().Nullable(), true),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     std::vector<FieldError> errors;
                     ReportedDeployment in;
                     in.change_number = OptionalChange(ctx.body, errors);
                     if (!errors.empty())
                       return InvalidArgument("the deployment report is not valid", std::move(errors));
                     in.service = ctx.body["service"].get<std::string>();
                     in.environment = ctx.body["environment"].get<std::string>();
                     in.artifact = ArtifactFrom(ctx.body);
                     in.status = ctx.body["status"].get<std::string>();
                     in.url = ctx.body.value("url", "");
                     CL_ASSIGN_OR_RETURN(ReportResult r, api.services().gate.Report(*ctx.principal, ctx.Audit(), in));
                     return JsonResponse(201, {{"deployment", DeploymentJson(r.deployment)},
                                               {"change", r.change ? nlohmann::json(r.change->Key()) : nullptr},
                                               {"finding", r.finding ? FindingJson(*r.finding) : nullptr},
                                               {"evidence", r.evidence ? EvidenceJson(*r.evidence) : nullptr}});
                   }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/deployments",
                   .permission = Permission::kChangesRead,
                   .operation_id = "listDeployments",
                   .tag = "pipeline",
                   .summary = "Gate decisions and reported deployments, newest first",
                   .query = {{"service", Schema::String().Max(200)},
                             {"environment", Schema::String().Max(100)},
                             {"kind", Schema::String().Enum({"gate", "reported"})},
                             {"limit", Schema::Integer().Min(1).Max(500)}},
                   .response = Schema::Object().Field("items", Schema::Array(DeploymentSchema()), true),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     DeploymentQuery q;
                     q.service = ctx.Arg("service");
                     q.environment = ctx.Arg("environment");
                     q.kind = ctx.Arg("kind");
                     q.limit = ctx.IntArg("limit", 100);
                     CL_ASSIGN_OR_RETURN(std::vector<Deployment> all,
                                         api.services().gate.Deployments(*ctx.principal, q));
                     nlohmann::json items = nlohmann::json::array();
                     for (const Deployment& d : all) items.push_back(DeploymentJson(d));
                     return JsonResponse(200, {{"items", items}});
                   }});

  router.Add(Route{
      .method = "POST",
      .pattern = "/api/v1/freezes",
      .permission = Permission::kChangesManage,
      .offload = true,
      .body_limit = 16 * 1024,
      .operation_id = "addFreeze",
      .tag = "pipeline",
      .summary = "Declare an ad-hoc change freeze",
      .description = "The gate denies deployments to the frozen environments while the freeze is in force, "
                     "except for change types in allow_types (typically emergency), which pass with the flag "
                     "<type>_in_freeze. The policy's freeze_windows are the standing calendar.",
      .request = Schema::Object()
                     .Field("description", Schema::String().Min(1).Max(500), true)
                     .Field("environments", Schema::Array(Schema::String().Max(100)).Max(50))
                     .Field("start", TimeSchema(), true)
                     .Field("end", TimeSchema(), true)
                     .Field("allow_types", Schema::Array(Schema::String().Enum({"standard", "normal", "emergency"}))),
      .success_status = 201,
      .response = FreezeSchema(),
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        Freeze f;
        f.description = ctx.body["description"].get<std::string>();
        for (const auto& e : ctx.body.value("environments", nlohmann::json::array())) f.environments.push_back(e);
        for (const auto& t : ctx.body.value("allow_types", nlohmann::json::array())) {
          f.allow_types.push_back(*ParseChangeType(t.get<std::string>()));
        }
        auto start = ParseRfc3339(ctx.body["start"].get<std::string>());
        auto end = ParseRfc3339(ctx.body["end"].get<std::string>());
        if (!start || !end) return InvalidArgument("times must be RFC 3339", {{"/start", "e.g. 2026-12-20T00:00:00Z"}});
        f.start = *start;
        f.end = *end;
        CL_ASSIGN_OR_RETURN(Freeze out, api.services().gate.AddFreeze(*ctx.principal, ctx.Audit(), std::move(f)));
        return JsonResponse(201, FreezeJson(out));
      }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/freezes",
                   .permission = Permission::kChangesRead,
                   .operation_id = "listFreezes",
                   .tag = "pipeline",
                   .summary = "Ad-hoc freezes in force or upcoming (all=true: every one, lifted included)",
                   .query = {{"all", Schema::Boolean()}},
                   .response = Schema::Object().Field("items", Schema::Array(FreezeSchema()), true),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_ASSIGN_OR_RETURN(std::vector<Freeze> all,
                                         api.services().gate.Freezes(*ctx.principal, ctx.BoolArg("all", false)));
                     nlohmann::json items = nlohmann::json::array();
                     for (const Freeze& f : all) items.push_back(FreezeJson(f));
                     return JsonResponse(200, {{"items", items}});
                   }});

  router.Add(Route{.method = "POST",
                   .pattern = "/api/v1/freezes/{id}/lift",
                   .permission = Permission::kChangesManage,
                   .offload = true,
                   .operation_id = "liftFreeze",
                   .tag = "pipeline",
                   .summary = "Lift an ad-hoc freeze early",
                   .response = FreezeSchema(),
                   .errors = {404},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_ASSIGN_OR_RETURN(Freeze f,
                                         api.services().gate.LiftFreeze(*ctx.principal, ctx.Audit(), ctx.Param("id")));
                     return JsonResponse(200, FreezeJson(f));
                   }});
}

}  // namespace cl::http
