// Builds /openapi.json from the route table, so every route is described by
// the same data that dispatches, authorizes and validates it.
#include <fmt/format.h>

#include <set>

#include "http/api.h"
#include "http/problem.h"
#include "platform/build_info.h"

namespace cl::http {
namespace {

using nlohmann::json;

const std::map<std::string, std::string>& TagDescriptions() {
  static const std::map<std::string, std::string> kTags = {
      {"system", "Service information, health, readiness, metrics and this document."},
      {"session", "Logging in and out with a password, and the current user."},
      {"users", "User accounts and their roles (administrators)."},
      {"tokens", "API tokens for pipelines, scripts and service accounts."},
      {"audit", "The tamper-evident audit log: events, signed checkpoints, keys, verification."},
      {"changes",
       "Change records and their lifecycle actions (submit, schedule, start, complete, verify, "
       "close, ...)."},
      {"approvals", "Approvals bound to the content hash, and independent reviews."},
      {"evidence", "Evidence items and content-addressed files."},
      {"findings", "Detected control failures, such as overdue emergency reviews."},
      {"reports", "Reports over the change population."},
      {"policy", "The change policy as code: versions, dry-run evaluation, standard templates."},
      {"notifications", "Webhooks that tell stakeholders about change events, and their delivery log."},
      {"pipeline",
       "The deploy gate for CI/CD, deployments, the freeze calendar, and Terraform plans and "
       "Kubernetes manifests classified and bound to changes."},
      {"integrations",
       "Signed webhooks from GitHub and GitLab that link pull/merge requests, pipelines and "
       "deployments to changes as evidence."},
  };
  return kTags;
}

json ProblemSchema() {
  return {{"type", "object"},
          {"description", "RFC 9457 problem details."},
          {"required", {"type", "title", "status", "detail"}},
          {"properties",
           {{"type", {{"type", "string"}, {"description", "Stable problem type: /problems/{slug}."}}},
            {"title", {{"type", "string"}}},
            {"status", {{"type", "integer"}}},
            {"detail", {{"type", "string"}}},
            {"instance", {{"type", "string"}}},
            {"request_id", {{"type", "string"}}},
            {"errors",
             {{"type", "array"},
              {"description", "Field-level problems of a 422 response."},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"pointer", {{"type", "string"}, {"description", "JSON pointer into the body, as a URI fragment."}}},
                  {"parameter", {{"type", "string"}, {"description", "Query parameter name."}}},
                  {"detail", {{"type", "string"}}}}}}}}}}}};
}

json ProblemRef(int status) {
  const ProblemType* t = ProblemByStatus(status);
  return {{"description", t ? std::string(t->title) : "Error"},
          {"content", {{std::string(kProblemJson), {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

std::vector<std::string> PathParams(const std::string& pattern) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = pattern.find('{', pos)) != std::string::npos) {
    const size_t end = pattern.find('}', pos);
    out.push_back(pattern.substr(pos + 1, end - pos - 1));
    pos = end;
  }
  return out;
}

json Operation(const Route& r) {
  json op = {{"operationId", r.operation_id}, {"summary", r.summary}, {"tags", {r.tag}}};
  // Every operation says who may call it, after what it does.
  std::string access;
  switch (r.access) {
    case Access::kPublic:
      access = "Access: public (no credentials).";
      break;
    case Access::kAuthenticated:
      access = "Access: any authenticated user or token.";
      break;
    case Access::kPermission:
      access = r.or_permission ? fmt::format("Access: needs the `{}` or the `{}` permission.",
                                             PermissionName(r.permission), PermissionName(*r.or_permission))
                               : fmt::format("Access: needs the `{}` permission.", PermissionName(r.permission));
      break;
  }
  op["description"] = r.description.empty() ? access : r.description + "\n\n" + access;
  std::set<int> errors(r.errors.begin(), r.errors.end());
  if (r.access == Access::kPublic) {
    op["security"] = json::array();
  } else {
    op["security"] = {{{"bearerToken", json::array()}}, {{"sessionCookie", json::array()}}};
    op["x-required-permission"] = r.access == Access::kPermission ? json(PermissionName(r.permission)) : json(nullptr);
    errors.insert({401, 403});
  }
  json params = json::array();
  for (const std::string& p : PathParams(r.pattern)) {
    params.push_back({{"name", p}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
  }
  for (const QueryParam& q : r.query) {
    json param = {{"name", q.name}, {"in", "query"}, {"required", false}, {"schema", q.schema.ToJsonSchema()}};
    if (!q.description.empty()) param["description"] = q.description;
    params.push_back(param);
    errors.insert(422);
  }
  if (r.access != Access::kPublic && r.Unsafe()) {
    params.push_back({{"name", std::string(kCsrfHeader)},
                      {"in", "header"},
                      {"required", false},
                      {"description", "Required when authenticating with the session cookie."},
                      {"schema", {{"type", "string"}}}});
  }
  if (r.requires_if_match) {
    params.push_back({{"name", "If-Match"},
                      {"in", "header"},
                      {"required", true},
                      {"description",
                       "The ETag of the resource as the client read it; 428 without it, "
                       "409 if the resource changed since."},
                      {"schema", {{"type", "string"}}}});
    errors.insert({409, 428});
  }
  if (!params.empty()) op["parameters"] = params;
  if (r.request) {
    op["requestBody"] = {{"required", true},
                         {"content", {{"application/json", {{"schema", r.request->ToJsonSchema()}}}}}};
    errors.insert({400, 413, 415, 422});
  }
  if (!r.raw_body_types.empty()) {
    json content = json::object();
    for (const std::string& t : r.raw_body_types) content[t] = {{"schema", {{"type", "string"}, {"format", "binary"}}}};
    op["requestBody"] = {{"required", true}, {"content", content}};
    errors.insert({400, 413, 415});
  }
  json responses = json::object();
  json ok = {{"description", r.summary}};
  if (r.success_status != 204) {
    json schema = r.response ? r.response->ToJsonSchema() : json{{"type", "string"}};
    const std::string ct = r.response_content_type.substr(0, r.response_content_type.find(';'));
    ok["content"] = {{ct, {{"schema", schema}}}};
  }
  responses[std::to_string(r.success_status)] = ok;
  if (r.offload || r.access != Access::kPublic) errors.insert(503);
  for (int status : errors) responses[std::to_string(status)] = ProblemRef(status);
  if (!errors.count(400)) responses["400"] = ProblemRef(400);
  op["responses"] = responses;
  return op;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

json BuildOpenApi(const Router& router, const std::string& public_url) {
  json paths = json::object();
  std::set<std::string> used_tags;
  for (const Route& r : router.routes()) {
    json& item = paths[r.pattern];
    item[Lower(r.method)] = Operation(r);
    used_tags.insert(r.tag);
  }
  json tags = json::array();
  for (const auto& [name, description] : TagDescriptions()) {
    if (used_tags.count(name)) tags.push_back({{"name", name}, {"description", description}});
  }
  return {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Changeledger API"},
        {"version", kVersion},
        {"summary", "Configuration and change management with proof for auditors."},
        {"description",
         "Every error is an RFC 9457 problem+json document whose `type` is /problems/{slug}. "
         "Authenticate with `Authorization: Bearer <API token>`, or with the session cookie "
         "from POST /api/v1/session plus the X-CSRF-Token header on requests that change data. "
         "Each operation names the permission it needs in `x-required-permission`."},
        {"contact", {{"name", "Changeledger maintainers"}}},
        {"license", {{"name", "Proprietary"}, {"identifier", "LicenseRef-Changeledger"}}}}},
      {"servers", {{{"url", public_url.empty() ? "/" : public_url}, {"description", "This server"}}}},
      {"tags", tags},
      {"paths", paths},
      {"components",
       {{"securitySchemes",
         {{"bearerToken", {{"type", "http"}, {"scheme", "bearer"}, {"description", "An API token (clt_...)."}}},
          {"sessionCookie",
           {{"type", "apiKey"},
            {"in", "cookie"},
            {"name", std::string(kSessionCookie)},
            {"description", "Session from POST /api/v1/session."}}}}},
        {"schemas", {{"Problem", ProblemSchema()}}}}},
  };
}

}  // namespace cl::http
