// JSON representations of pipeline records (G1): IaC attachments,
// deployments with gate decisions, freezes and artifact links, with their
// Schemas for /openapi.json.
#pragma once

#include <nlohmann/json.hpp>

#include "core/deploy_gate.h"
#include "http/schema.h"

namespace cl::http {

nlohmann::json IacJson(const IacAttachment& a, bool with_report);
nlohmann::json DeploymentJson(const Deployment& d);
nlohmann::json ArtifactLinkJson(const ArtifactLink& l);

Schema IacSchema();
Schema DeploymentSchema();
Schema FreezeSchema();
Schema ArtifactLinkSchema();
Schema ArtifactSchema();

}  // namespace cl::http
