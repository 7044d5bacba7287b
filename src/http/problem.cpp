#include "http/problem.h"

#include <fmt/format.h>

namespace cl::http {

const std::vector<ProblemType>& ProblemTypes() {
  static const std::vector<ProblemType> kTypes = {
      {ErrorCode::kInvalidArgument, 422, "validation-failed", "The request is not valid",
       "The request was well-formed JSON but broke a rule. `errors` lists each offending field "
       "as a JSON pointer with a message. Nothing was stored."},
      {ErrorCode::kMalformed, 400, "malformed-request", "The request cannot be read",
       "The request body is not valid UTF-8 JSON or exceeds the JSON limits (64 levels of "
       "nesting, 100,000 values), a path or query parameter is malformed, or the HTTP framing "
       "is broken. Nothing was stored."},
      {ErrorCode::kUnauthenticated, 401, "unauthenticated", "Authentication is required",
       "Send `Authorization: Bearer <API token>` or log in with POST /api/v1/session and send "
       "the session cookie."},
      {ErrorCode::kPermissionDenied, 403, "forbidden", "Not allowed",
       "The caller is authenticated but its roles (or the token's scopes) do not grant the "
       "permission this operation needs."},
      {ErrorCode::kPasswordChangeRequired, 403, "password-change-required", "The password must be changed first",
       "The account has a one-time password. Change it with POST /api/v1/me/password before "
       "doing anything else."},
      {ErrorCode::kCsrfFailed, 403, "csrf-token-invalid", "CSRF token missing or wrong",
       "Requests that change data and authenticate with the session cookie must send the "
       "session's CSRF token in the `X-CSRF-Token` header (from the login response or GET "
       "/api/v1/session)."},
      {ErrorCode::kNotFound, 404, "not-found", "Not found", "No such resource, or it is not visible to the caller."},
      {ErrorCode::kMethodNotAllowed, 405, "method-not-allowed", "Method not allowed",
       "The resource exists but does not support this HTTP method; see the `Allow` header."},
      {ErrorCode::kNotAcceptable, 406, "not-acceptable", "Not acceptable",
       "The server cannot produce a representation the client accepts."},
      {ErrorCode::kTimeout, 408, "request-timeout", "The request took too long",
       "The client did not send the complete request in time."},
      {ErrorCode::kFailedPrecondition, 409, "requirements-not-met",
       "The change does not meet the rules for this action yet",
       "The action is valid in general but the change lacks something the policy requires "
       "first: fields, evidence, approvals, reviews or a permitted window. `errors` lists every "
       "missing item with a pointer into the change."},
      {ErrorCode::kSodViolation, 403, "segregation-of-duties", "Segregation of duties",
       "The policy does not let this person take this action on this change, e.g. approving a "
       "change they requested or will implement when no independent approver has approved."},
      {ErrorCode::kInvalidDocument, 422, "invalid-document", "The uploaded document cannot be used",
       "A Terraform plan, Kubernetes manifest or similar upload is not what it claims to be: "
       "not valid JSON or YAML (with line and column), not a plan, or missing a required part. "
       "`detail` names the problem; nothing was stored."},
      {ErrorCode::kAlreadyExists, 409, "already-exists", "Already exists",
       "A resource with the same unique name already exists."},
      {ErrorCode::kConflict, 409, "conflict", "Conflict with the current state",
       "The resource changed since it was read (optimistic concurrency), or the operation is "
       "not possible in its current state. Reload and retry."},
      {ErrorCode::kPreconditionRequired, 428, "precondition-required", "If-Match is required",
       "Edits must say which version they were made on: send `If-Match` with the ETag of the "
       "resource as you read it, so an edit never silently overwrites someone else's. Nothing "
       "was stored."},
      {ErrorCode::kPayloadTooLarge, 413, "payload-too-large", "The request body is too large",
       "The body exceeds the limit for this endpoint. Nothing was stored."},
      {ErrorCode::kUnsupportedMediaType, 415, "unsupported-media-type", "Unsupported content type",
       "This endpoint takes `application/json` (UTF-8)."},
      {ErrorCode::kHeadersTooLarge, 431, "headers-too-large", "Request headers too large",
       "The request headers exceed the server's limit."},
      {ErrorCode::kRateLimited, 429, "rate-limited", "Too many requests",
       "Too many attempts in a short time. Wait for the number of seconds in `Retry-After`."},
      {ErrorCode::kUnavailable, 503, "service-unavailable", "Temporarily unavailable",
       "A dependency (the database) is not reachable or the server is shutting down. Retry "
       "later."},
      {ErrorCode::kWritesRefused, 503, "writes-refused",
       "Writes are refused: the audit log or the records failed verification",
       "The server found that its audit log does not verify (at start-up) or that records were edited "
       "outside the log (reconciliation, at start-up and on a schedule); the detail says where. It serves "
       "reads but records nothing that would extend, sign or carry on a tampered state. Operators: run "
       "`changeledger audit verify --db ... --reconcile`, investigate, restore a verified backup, then "
       "restart."},
      {ErrorCode::kDataLoss, 500, "data-integrity-failure", "Stored data failed an integrity check",
       "The server found stored data that fails its integrity checks. Operators: run "
       "`changeledger audit verify`."},
      {ErrorCode::kInternal, 500, "internal-error", "Internal error",
       "An unexpected error. It has been logged with the request id; quote it when reporting."},
  };
  return kTypes;
}

const ProblemType& ProblemFor(ErrorCode code) {
  for (const ProblemType& t : ProblemTypes()) {
    if (t.code == code) return t;
  }
  return ProblemTypes().back();  // internal
}

const ProblemType* ProblemBySlug(std::string_view slug) {
  for (const ProblemType& t : ProblemTypes()) {
    if (t.slug == slug) return &t;
  }
  return nullptr;
}

const ProblemType* ProblemByStatus(int status) {
  for (const ProblemType& t : ProblemTypes()) {
    if (t.status == status) return &t;
  }
  return nullptr;
}

Response ProblemResponse(const Status& status, const Request& request) {
  const ProblemType& type = ProblemFor(status.code());
  nlohmann::json body = {
      {"type", fmt::format("/problems/{}", type.slug)},
      {"title", type.title},
      {"status", type.status},
      {"instance", request.path},
      {"request_id", request.request_id},
  };
  if (type.status >= 500 && status.code() != ErrorCode::kWritesRefused) {  // that detail is ours, no database text
    body["detail"] = fmt::format("{} (request id {})", type.title, request.request_id);
  } else {
    body["detail"] = status.message().empty() ? std::string(type.title) : status.message();
  }
  if (!status.field_errors().empty()) {
    nlohmann::json errors = nlohmann::json::array();
    for (const FieldError& e : status.field_errors()) {
      // Query parameters are reported by name, body fields by JSON pointer.
      if (!e.field.empty() && e.field[0] == '?') {
        errors.push_back({{"parameter", e.field.substr(1)}, {"detail", e.message}});
      } else {
        errors.push_back({{"pointer", "#" + e.field}, {"detail", e.message}});
      }
    }
    body["errors"] = std::move(errors);
  }
  Response r = JsonResponse(type.status, body);
  r.content_type = kProblemJson;
  if (type.status == 401) r.With("WWW-Authenticate", "Bearer realm=\"changeledger\"");
  if (status.retry_after_seconds()) {
    r.With("Retry-After", std::to_string(*status.retry_after_seconds()));
  } else if (type.status == 503) {
    r.With("Retry-After", "1");
  }
  return r;
}

}  // namespace cl::http
