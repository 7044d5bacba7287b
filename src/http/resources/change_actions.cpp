// Lifecycle actions (one route per action, so each has its own permission
// and documentation), approvals, evidence, reviews, files, findings and the
// repeat-emergency report.
#include <fmt/format.h>

#include "crypto/crypto.h"
#include "http/api.h"
#include "http/resources/change_json.h"
#include "http/resources/representations.h"

namespace cl::http {
namespace {

struct ActionDoc {
  ChangeAction action;
  Permission permission;
  const char* summary;
  const char* description;
};

const ActionDoc kActions[] = {
    {ChangeAction::kSubmit, Permission::kChangesWrite, "Submit a draft for assessment",
     "Checks the policy's required fields (every missing field is listed), computes risk with the rules "
     "that fired, the approver roles needed and the evidence needed to close, and records the policy "
     "version. A standard change from its template is approved at once."},
    {ChangeAction::kSchedule, Permission::kChangesWrite, "Schedule an approved change",
     "Needs the planned window; refused if it falls in a freeze window of the environment."},
    {ChangeAction::kStart, Permission::kChangesImplement, "Start implementing",
     "From scheduled; emergency changes may start before approval, which starts their review deadline. "
     "Refused if the caller is the only approver, during a freeze, or for console/admin changes without a "
     "before_snapshot."},
    {ChangeAction::kComplete, Permission::kChangesImplement, "Mark implemented",
     "Console/admin changes need an after_snapshot first."},
    {ChangeAction::kFail, Permission::kChangesImplement, "Record a failed implementation", "note is required."},
    {ChangeAction::kRollback, Permission::kChangesImplement, "Record a rollback", "note is required."},
    {ChangeAction::kVerify, Permission::kChangesWrite, "Record the post-change verification",
     "checklist: implemented_as_approved and security_controls_verified must be true; incidents and "
     "lessons_learned are required text (R001-11)."},
    {ChangeAction::kClose, Permission::kChangesWrite, "Close a verified change",
     "Refused, listing every missing item, without the evidence the policy requires for the type and "
     "category, complete approvals, the emergency retrospective, a console sign-off or an independent review "
     "where the compensating control was used."},
    {ChangeAction::kCancel, Permission::kChangesWrite, "Cancel before implementation", "note is required."},
};

int64_t MaxBase64(size_t bytes) { return static_cast<int64_t>((bytes + 2) / 3 * 4); }

}  // namespace

void AddChangeActionRoutes(Api& api, Router& router) {
  for (const ActionDoc& doc : kActions) {
    const ChangeAction action = doc.action;
    Schema request = Schema::Object().Field("note", Schema::String("Why; recorded with the transition.").Max(4000));
    if (action == ChangeAction::kVerify) {
      request.Field(
          "checklist",
          Schema::Object("Post-change verification (R001-11).")
              .Field("implemented_as_approved", Schema::Boolean("No scope creep."), true)
              .Field("security_controls_verified", Schema::Boolean(), true)
              .Field("incidents", Schema::String("Incidents or near misses; 'none' if none.").Max(20000), true)
              .Field("lessons_learned", Schema::String().Max(20000), true),
          true);
    }
    router.Add(Route{.method = "POST",
                     .pattern = fmt::format("/api/v1/changes/{{key}}/{}", Name(action)),
                     .permission = doc.permission,
                     .offload = true,
                     .inline_when_idle = true,
                     .body_limit = 64 * 1024,
                     .operation_id = fmt::format("{}Change", Name(action)),
                     .tag = "changes",
                     .summary = doc.summary,
                     .description = doc.description,
                     .request = request,
                     .response = ChangeSchema(false),
                     .errors = {404, 409},
                     .handler = [&api, action](Ctx& ctx) -> Result<Response> {
                       CL_ASSIGN_OR_RETURN(int64_t number, ChangeNumber(ctx));
                       ActionInput in;
                       in.note = ctx.body.value("note", "");
                       if (ctx.body.contains("checklist")) in.checklist = ctx.body["checklist"];
                       CL_ASSIGN_OR_RETURN(Change c,
                                           api.services().changes.Act(*ctx.principal, ctx.Audit(), number, action, in));
                       return VersionedJsonResponse(200, ChangeJson(c), c.row_version);
                     }});
  }

  router.Add(Route{
      .method = "POST",
      .pattern = "/api/v1/changes/{key}/approvals",
      .permission = Permission::kChangesApprove,
      .offload = true,
      .inline_when_idle = true,
      .body_limit = 64 * 1024,
      .operation_id = "decideChange",
      .tag = "approvals",
      .summary = "Approve or reject a change",
      .description = "The decision is bound to the change's current material SHA-256 and content version. "
                     "role is the policy's approver role (default: the first outstanding one you qualify "
                     "for). Requestors and implementers cannot be the only approver (403 "
                     "segregation-of-duties) unless the policy allows the compensating control and "
                     "compensating_control is true; an approval of their own given beside an independent "
                     "one is recorded with counted: false and never counts. A rejection needs a comment. Normal "
                     "changes take approvals only while submitted; "
                     "emergency approvals after the start are marked retrospective. Send content_version "
                     "and/or material_sha256 of what you reviewed: if the change was edited since, the "
                     "decision is refused with 409 and nothing is recorded.",
      .request = Schema::Object()
                     .Field("decision", Schema::String().Enum({"approve", "reject"}), true)
                     .Field("role", Schema::String().Max(64))
                     .Field("comment", Schema::String().Max(4000))
                     .Field("compensating_control", Schema::Boolean())
                     .Field("content_version", Schema::Integer("The content version you reviewed.").Min(1))
                     .Field("material_sha256", Schema::String("The material SHA-256 you reviewed.").Max(80)),
      .success_status = 201,
      .response = ApprovalSchema(),
      .errors = {404, 409},
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        CL_ASSIGN_OR_RETURN(int64_t number, ChangeNumber(ctx));
        DecisionInput in;
        in.approve = ctx.body["decision"] == "approve";
        in.role = ctx.body.value("role", "");
        in.comment = ctx.body.value("comment", "");
        in.compensating = ctx.body.value("compensating_control", false);
        if (ctx.body.contains("content_version")) in.content_version = ctx.body["content_version"].get<int64_t>();
        in.material_sha256 = ctx.body.value("material_sha256", "");
        Change after;
        CL_ASSIGN_OR_RETURN(Approval a, api.services().changes.Decide(*ctx.principal, ctx.Audit(), number, in, &after));
        return JsonResponse(201, ApprovalJson(a, after));
      }});

  router.Add(Route{
      .method = "POST",
      .pattern = "/api/v1/changes/{key}/evidence",
      .permission = Permission::kEvidenceWrite,
      .offload = true,
      .body_limit = static_cast<size_t>(MaxBase64(ChangeService::kMaxFileBytes)) + 64 * 1024,
      .operation_id = "addEvidence",
      .tag = "evidence",
      .summary = "Attach evidence (a URL, a file, or both)",
      .description = "Files are sent base64-encoded, at most 5 MiB, and stored by SHA-256 (the same bytes "
                     "are stored once). content_type must match the bytes: text/plain, text/markdown, "
                     "text/csv, text/x-diff, application/yaml, application/json, application/pdf, "
                     "image/png, image/jpeg.",
      .request = Schema::Object()
                     .Field("kind", Schema::String().Enum(Names(kAllEvidenceKinds)), true)
                     .Field("outcome", Schema::String("Required for pipeline_run and test_result: whether it "
                                                      "succeeded. Only successful runs and tests satisfy a "
                                                      "requirement.")
                                           .Enum({"success", "failure", "none"}))
                     .Field("url", Schema::String().Max(2000))
                     .Field("note", Schema::String().Max(4000))
                     .Field("filename", Schema::String().Max(200))
                     .Field("content_type", Schema::String().Max(100))
                     .Field("content_base64", Schema::String().Max(MaxBase64(ChangeService::kMaxFileBytes))),
      .success_status = 201,
      .response = EvidenceSchema(),
      .errors = {404, 409, 413},
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        CL_ASSIGN_OR_RETURN(int64_t number, ChangeNumber(ctx));
        NewEvidence in;
        in.kind = ParseEvidenceKind(ctx.body["kind"].get<std::string>()).value_or(EvidenceKind::kOther);
        in.url = ctx.body.value("url", "");
        if (ctx.body.contains("outcome")) in.outcome = ParseEvidenceOutcome(ctx.body["outcome"].get<std::string>());
        in.note = ctx.body.value("note", "");
        in.filename = ctx.body.value("filename", "");
        in.content_type = ctx.body.value("content_type", "");
        if (ctx.body.contains("content_base64")) {
          auto bytes = crypto::FromBase64(ctx.body["content_base64"].get<std::string>());
          if (!bytes) return InvalidArgument("the file is not valid base64", {{"/content_base64", "standard base64"}});
          in.content = std::string(bytes->begin(), bytes->end());
        }
        CL_ASSIGN_OR_RETURN(Evidence e, api.services().changes.AddEvidence(*ctx.principal, ctx.Audit(), number, in));
        return JsonResponse(201, EvidenceJson(e));
      }});

  router.Add(Route{
      .method = "PATCH",
      .pattern = "/api/v1/changes/{key}/evidence/{id}",
      .permission = Permission::kChangesApprove,
      .requires_if_match = true,
      .offload = true,
      .body_limit = 16 * 1024,
      .operation_id = "judgeEvidence",
      .tag = "evidence",
      .summary = "Mark evidence valid, not verifiable or superseded",
      .description = "Evidence that is not valid does not count towards closure. Send If-Match with the "
                     "status you judged from (`\"valid\"`, as in the evidence's ETag): 409 if it changed since.",
      .request = Schema::Object()
                     .Field("status", Schema::String().Enum({"valid", "not_verifiable", "superseded"}), true)
                     .Field("reason", Schema::String().Min(1).Max(4000), true),
      .response = EvidenceSchema(),
      .errors = {404, 409},
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        CL_ASSIGN_OR_RETURN(int64_t number, ChangeNumber(ctx));
        const auto status = ParseEvidenceStatus(ctx.body["status"].get<std::string>()).value_or(EvidenceStatus::kValid);
        const std::optional<EvidenceStatus> seen = ParseEvidenceStatus(IfMatchTag(ctx.req));
        if (!seen) return Malformed("If-Match must be the evidence's status as you read it, e.g. \"valid\"");
        CL_ASSIGN_OR_RETURN(
            Evidence e, api.services().changes.SetEvidenceStatus(*ctx.principal, ctx.Audit(), number, ctx.Param("id"),
                                                                 *seen, status, ctx.body["reason"].get<std::string>()));
        Response r = JsonResponse(200, EvidenceJson(e));
        r.With("ETag", fmt::format("\"{}\"", Name(e.status)));
        return r;
      }});

  router.Add(Route{
      .method = "POST",
      .pattern = "/api/v1/changes/{key}/reviews",
      .permission = Permission::kChangesApprove,
      .offload = true,
      .inline_when_idle = true,
      .body_limit = 64 * 1024,
      .operation_id = "addReview",
      .tag = "approvals",
      .summary = "Record a review: emergency retrospective, post-implementation or console sign-off",
      .description = "Reviewers must be independent of the requestor and implementer. Retrospectives are "
                     "held by the policy's retrospective roles (CAB); post-implementation reviews (the "
                     "compensating control) by someone who did not approve.",
      .request = Schema::Object()
                     .Field("kind", Schema::String().Enum(Names(kAllReviewKinds)), true)
                     .Field("outcome", Schema::String().Enum({"accepted", "concerns"}), true)
                     .Field("notes", Schema::String().Min(1).Max(20000), true),
      .success_status = 201,
      .response = ReviewSchema(),
      .errors = {404, 409},
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        CL_ASSIGN_OR_RETURN(int64_t number, ChangeNumber(ctx));
        const auto kind = ParseReviewKind(ctx.body["kind"].get<std::string>()).value_or(ReviewKind::kRetrospective);
        CL_ASSIGN_OR_RETURN(Review r, api.services().changes.AddReview(*ctx.principal, ctx.Audit(), number, kind,
                                                                       ctx.body["outcome"].get<std::string>(),
                                                                       ctx.body["notes"].get<std::string>()));
        return JsonResponse(201, ReviewJson(r));
      }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/files/{sha256}",
                   .permission = Permission::kChangesRead,
                   .operation_id = "getFile",
                   .tag = "evidence",
                   .summary = "Download an evidence file by its SHA-256",
                   .response_content_type = "application/octet-stream",
                   .errors = {404},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_ASSIGN_OR_RETURN(FileBlob f,
                                         api.services().changes.GetFile(*ctx.principal, ctx.Param("sha256")));
                     Response r;
                     r.status = 200;
                     r.content_type = f.content_type;
                     r.body = std::move(f.data);
                     r.With("ETag", "\"" + f.sha256 + "\"");
                     r.With("Content-Disposition", "attachment");
                     r.With("X-Content-Type-Options", "nosniff");
                     return r;
                   }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/findings",
                   .permission = Permission::kChangesRead,
                   .operation_id = "listFindings",
                   .tag = "findings",
                   .summary = "List findings (detected control failures)",
                   .description = "Overdue emergency reviews are checked first, so the list is current.",
                   .query = {{"status", Schema::String().Enum({"open", "resolved"})},
                             {"kind", Schema::String().Max(64)},
                             {"object", Schema::String().Max(64), "e.g. CHG-12"},
                             {"limit", Schema::Integer().Min(1).Max(500)}},
                   .response = Schema::Object().Field("items", Schema::Array(FindingSchema()), true),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     FindingQuery q;
                     q.status = ctx.Arg("status");
                     q.kind = ctx.Arg("kind");
                     q.object_id = ctx.Arg("object");
                     q.limit = ctx.IntArg("limit", 100);
                     CL_ASSIGN_OR_RETURN(std::vector<Finding> found,
                                         api.services().changes.Findings(*ctx.principal, q));
                     nlohmann::json items = nlohmann::json::array();
                     for (const Finding& f : found) items.push_back(FindingJson(f));
                     return JsonResponse(200, {{"items", items}});
                   }});

  router.Add(Route{
      .method = "GET",
      .pattern = "/api/v1/reports/emergency-patterns",
      .permission = Permission::kChangesRead,
      .operation_id = "emergencyPatterns",
      .tag = "reports",
      .summary = "Repeat emergencies: candidates for a standard change (R001-15)",
      .description = "Emergency changes grouped by service and category within the policy's repeat window, "
                     "where the count reaches the policy's threshold.",
      .response = Schema::Object().Field("items",
                                         Schema::Array(Schema::Object()
                                                           .Field("service", Schema::String(), true)
                                                           .Field("category", Schema::String(), true)
                                                           .Field("count", Schema::Integer(), true)
                                                           .Field("changes", Schema::Array(Schema::String()), true)
                                                           .Field("first", Schema::String().Format("date-time"), true)
                                                           .Field("last", Schema::String().Format("date-time"), true)
                                                           .Field("suggestion", Schema::String(), true)),
                                         true),
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        CL_ASSIGN_OR_RETURN(auto patterns, api.services().changes.EmergencyPatterns(*ctx.principal));
        nlohmann::json items = nlohmann::json::array();
        for (const EmergencyPattern& p : patterns) {
          nlohmann::json keys = nlohmann::json::array();
          for (int64_t n : p.numbers) keys.push_back(fmt::format("CHG-{}", n));
          items.push_back({{"service", p.service},
                           {"category", p.category},
                           {"count", p.count},
                           {"changes", keys},
                           {"first", FormatRfc3339(p.first)},
                           {"last", FormatRfc3339(p.last)},
                           {"suggestion", fmt::format("{} emergency changes to {} ({}): consider a pre-approved "
                                                      "standard template with its runbook",
                                                      p.count, p.service, p.category)}});
        }
        return JsonResponse(200, {{"items", items}});
      }});
}

}  // namespace cl::http
