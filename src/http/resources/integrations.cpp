// Receivers for signed GitHub and GitLab webhooks (G1): the signature or
// token is checked over the raw body before anything is parsed.
#include <fmt/format.h>

#include "crypto/crypto.h"
#include "http/api.h"
#include "ingest/scm_webhook.h"

namespace cl::http {
namespace {

Schema DeliverySchema() {
  return Schema::Object()
      .Field("delivery", Schema::String(), true)
      .Field("event", Schema::String(), true)
      .Field("replayed", Schema::Boolean("True when this delivery id was received before: nothing was done again."),
             true)
      .Field("outcome", Schema::String("What was done, in words."), true)
      .Field("result", Schema::Any("changes, evidence, deployment, decision, finding"), true);
}

// After the signature: the body must be JSON.
Status CheckJsonBody(const Ctx& ctx) {
  const std::string_view type = ctx.req.Header("Content-Type");
  if (type.substr(0, std::min(type.find(';'), type.size())) != "application/json") {
    return Status(ErrorCode::kUnsupportedMediaType, "configure the webhook with content type application/json");
  }
  return Status::Ok();
}

Result<Response> Deliver(Api& api, Ctx& ctx, const ScmEvent& e) {
  CL_ASSIGN_OR_RETURN(InboundResult r, api.services().integrations.Handle(e, ctx.req.request_id, ctx.req.client_ip));
  return JsonResponse(200, {{"delivery", e.delivery_id},
                            {"event", e.event},
                            {"replayed", r.replayed},
                            {"outcome", r.outcome},
                            {"result", r.result}});
}

}  // namespace

void AddIntegrationRoutes(Api& api, Router& router) {
  router.Add(Route{
      .method = "POST",
      .pattern = "/api/v1/hooks/github",
      .access = Access::kPublic,
      .offload = true,
      .body_limit = 25u << 20,  // GitHub caps payloads at 25 MB
      .operation_id = "receiveGitHubWebhook",
      .tag = "integrations",
      .summary = "Receive a GitHub webhook delivery",
      .description =
          "Configure the repository or organisation webhook with content type application/json and the secret "
          "given to `serve --github-secret-file`. X-Hub-Signature-256 (HMAC-SHA256 of the raw body) is checked in "
          "constant time before the body is read; unsigned or forged deliveries get 401. X-GitHub-Delivery makes "
          "replays harmless. Events used: pull_request (opened, synchronize, reopened, closed+merged), "
          "pull_request_review (approved, dismissed), push, deployment, deployment_status, workflow_run, "
          "check_suite. A change is found by CHG-<n> in the branch, title or body, or by a commit already linked "
          "to it. The deployment's service is the repository name unless the deployment payload has "
          "{\"service\": ...}.",
      .raw_body_types = {"application/json"},
      .raw_body_signed = true,
      .response = DeliverySchema(),
      .errors = {401, 415},
      .handler = [&api](Ctx& ctx) -> Result<Response> {
        const std::string& secret = api.options().github_webhook_secret;
        if (secret.empty())
          return Unauthenticated("this server has no GitHub webhook secret (serve --github-secret-file)");
        if (!ingest::VerifyGitHubSignature(secret, ctx.req.body, ctx.req.Header("X-Hub-Signature-256"))) {
          return Unauthenticated("X-Hub-Signature-256 is missing or does not match the body");
        }
        CL_RETURN_IF_ERROR(CheckJsonBody(ctx));
        const std::string_view delivery = ctx.req.Header("X-GitHub-Delivery");
        const std::string_view event = ctx.req.Header("X-GitHub-Event");
        if (delivery.empty() || delivery.size() > 100 || event.empty() || event.size() > 100) {
          return Malformed("X-GitHub-Delivery and X-GitHub-Event are required");
        }
        CL_ASSIGN_OR_RETURN(ScmEvent e, ingest::ParseGitHubEvent(event, delivery, ctx.req.body));
        return Deliver(api, ctx, e);
      }});

  router.Add(Route{.method = "POST",
                   .pattern = "/api/v1/hooks/gitlab",
                   .access = Access::kPublic,
                   .offload = true,
                   .body_limit = 25u << 20,
                   .operation_id = "receiveGitLabWebhook",
                   .tag = "integrations",
                   .summary = "Receive a GitLab webhook delivery",
                   .description =
                       "Configure the project or group webhook with the secret token given to `serve "
                       "--gitlab-token-file`; X-Gitlab-Token is compared in constant time and a missing or wrong "
                       "token gets 401. Replays are recognised by X-Gitlab-Event-UUID (or the body's SHA-256). "
                       "Events used: Merge Request Hook (open, update, merge, approved), Pipeline Hook, Deployment "
                       "Hook, Push Hook.",
                   .raw_body_types = {"application/json"},
                   .raw_body_signed = true,
                   .response = DeliverySchema(),
                   .errors = {401, 415},
                   .handler = [&api](Ctx& ctx) -> Result<Response> {
                     const std::string& token = api.options().gitlab_webhook_token;
                     if (token.empty())
                       return Unauthenticated("this server has no GitLab webhook token (serve --gitlab-token-file)");
                     if (!ingest::VerifyGitLabToken(token, ctx.req.Header("X-Gitlab-Token"))) {
                       return Unauthenticated("X-Gitlab-Token is missing or wrong");
                     }
                     CL_RETURN_IF_ERROR(CheckJsonBody(ctx));
                     const std::string_view event = ctx.req.Header("X-Gitlab-Event");
                     if (event.empty() || event.size() > 100) return Malformed("X-Gitlab-Event is required");
                     std::string delivery(ctx.req.Header("X-Gitlab-Event-UUID"));
                     if (delivery.empty()) delivery = std::string(ctx.req.Header("X-Gitlab-Webhook-UUID"));
                     if (delivery.empty() || delivery.size() > 100) {
                       delivery = "sha256:" + crypto::ToHex(crypto::Sha256(ctx.req.body));
                     }
                     CL_ASSIGN_OR_RETURN(ScmEvent e, ingest::ParseGitLabEvent(event, delivery, ctx.req.body));
                     return Deliver(api, ctx, e);
                   }});
}

}  // namespace cl::http
