// The change policy: the active version, its history, publishing a new
// version, a dry-run evaluation and the standard templates it offers.
#include <fmt/format.h>

#include "http/api.h"
#include "http/resources/change_json.h"

namespace cl::http {
namespace {

nlohmann::json VersionJson(const PolicyVersion& v, bool with_source) {
  nlohmann::json j = {
      {"version", v.version}, {"sha256", v.sha256},         {"name", v.name},
      {"origin", v.origin},   {"created_by", v.created_by}, {"created_at", FormatRfc3339(v.created_at)}};
  if (with_source) j["source"] = v.source;
  return j;
}

Schema VersionSchema(bool with_source) {
  Schema s = Schema::Object("A stored version of the change policy (YAML).")
                 .Field("version", Schema::Integer(), true)
                 .Field("sha256", Schema::String("SHA-256 of the YAML text."), true)
                 .Field("name", Schema::String(), true)
                 .Field("origin", Schema::String("default, file:<path> or api."), true)
                 .Field("created_by", Schema::String(), true)
                 .Field("created_at", Schema::String().Format("date-time"), true);
  if (with_source) s.Field("source", Schema::String("The YAML text."), true);
  return s;
}

}  // namespace

void AddPolicyRoutes(Api& api, Router& router) {
  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/policy",
                   .permission = Permission::kChangesRead,
                   .operation_id = "getPolicy",
                   .tag = "policy",
                   .summary = "The active change policy (newest version) with its YAML",
                   .response = VersionSchema(true),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     const int64_t v = api.services().policies.Current().version;
                     CL_ASSIGN_OR_RETURN(PolicyVersion pv, api.services().policies.Get(*ctx.principal, v));
                     return JsonResponse(200, VersionJson(pv, true));
                   }});

  router.Add(Route{
      .method = "PUT",
      .pattern = "/api/v1/policy",
      .permission = Permission::kPolicyWrite,
      .offload = true,
      .body_limit = 2 << 20,
      .operation_id = "publishPolicy",
      .tag = "policy",
      .summary = "Publish a new policy version",
      .description = "The YAML is validated first; every problem is listed with its line and column (422). "
                     "The new version applies to changes submitted or edited from now on; changes keep the "
                     "version they were evaluated under.",
      .request = Schema::Object().Field("source", Schema::String("Policy YAML.").Min(1).Max(1 << 20), true),
      .success_status = 201,
      .response = VersionSchema(false),
      .errors = {409},
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        CL_ASSIGN_OR_RETURN(
            PolicyVersion v,
            api.services().policies.Publish(*ctx.principal, ctx.Audit(), ctx.body["source"].get<std::string>(), "api"));
        return JsonResponse(201, VersionJson(v, false));
      }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/policy/versions",
                   .permission = Permission::kChangesRead,
                   .operation_id = "listPolicyVersions",
                   .tag = "policy",
                   .summary = "Every stored policy version, newest first",
                   .response = Schema::Object().Field("items", Schema::Array(VersionSchema(false)), true),
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     CL_ASSIGN_OR_RETURN(std::vector<PolicyVersion> all, api.services().policies.List(*ctx.principal));
                     nlohmann::json items = nlohmann::json::array();
                     for (const PolicyVersion& v : all) items.push_back(VersionJson(v, false));
                     return JsonResponse(200, {{"items", items}});
                   }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/policy/versions/{version}",
                   .permission = Permission::kChangesRead,
                   .operation_id = "getPolicyVersion",
                   .tag = "policy",
                   .summary = "One policy version with its YAML",
                   .response = VersionSchema(true),
                   .errors = {404},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     const std::optional<int64_t> v = ParsePositiveNumber(ctx.Param("version"));
                     if (!v)
                       return NotFound(
                           fmt::format("no policy version {}; versions are numbered 1, 2, ...", ctx.Param("version")));
                     CL_ASSIGN_OR_RETURN(PolicyVersion pv, api.services().policies.Get(*ctx.principal, *v));
                     return JsonResponse(200, VersionJson(pv, true));
                   }});

  router.Add(Route{
      .method = "POST",
      .pattern = "/api/v1/policy/evaluate",
      .permission = Permission::kChangesRead,
      .body_limit = 256 * 1024,
      .operation_id = "evaluatePolicy",
      .tag = "policy",
      .summary = "Dry run: what the active policy decides for a change",
      .description = "Nothing is stored. Returns risk with the rules that fired, required approver roles, "
                     "missing fields, freeze windows hit and the evidence needed to close.",
      .request = ChangeInputSchema(false),
      .response =
          Schema::Object().Field("policy_version", Schema::Integer(), true).Field("assessment", Schema::Any(), true),
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        const ActivePolicy active = api.services().policies.Current();
        if (!active.policy) return FailedPrecondition("no change policy is loaded");
        CL_ASSIGN_OR_RETURN(ChangeContent c, ContentFromJson(ctx.body));
        if (c.type == ChangeType::kStandard && !c.template_id.empty()) {
          CL_ASSIGN_OR_RETURN(c, ApplyTemplate(*active.policy, c));
        }
        return JsonResponse(
            200, {{"policy_version", active.version}, {"assessment", Evaluate(*active.policy, c).ToJson(c.type)}});
      }});

  router.Add(Route{.method = "GET",
                   .pattern = "/api/v1/templates",
                   .permission = Permission::kChangesRead,
                   .operation_id = "listTemplates",
                   .tag = "policy",
                   .summary = "Standard-change templates of the active policy",
                   .response = Schema::Object()
                                   .Field("items", Schema::Array(Schema::Any()), true)
                                   .Field("policy_version", Schema::Integer(), true),
                   .handler = [&api](Ctx&) -> Result<Response> {
                     const ActivePolicy active = api.services().policies.Current();
                     nlohmann::json items = nlohmann::json::array();
                     if (active.policy) {
                       for (const StandardTemplate& t : active.policy->templates) {
                         nlohmann::json params = nlohmann::json::array();
                         for (const TemplateParam& p : t.parameters) {
                           params.push_back({{"name", p.name},
                                             {"type", p.type},
                                             {"required", p.required},
                                             {"allowed", p.allowed},
                                             {"min", p.min ? nlohmann::json(*p.min) : nlohmann::json()},
                                             {"max", p.max ? nlohmann::json(*p.max) : nlohmann::json()},
                                             {"description", p.description}});
                         }
                         items.push_back({{"id", t.id},
                                          {"title", t.title},
                                          {"description", t.description},
                                          {"category", t.category},
                                          {"services", t.services},
                                          {"environments", t.environments},
                                          {"max_risk", Name(t.max_risk)},
                                          {"parameters", params},
                                          {"change", t.defaults}});
                       }
                     }
                     return JsonResponse(200, {{"items", items}, {"policy_version", active.version}});
                   }});
}

}  // namespace cl::http
