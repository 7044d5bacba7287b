// Pipeline records (G1): what CI/CD and infrastructure-as-code tell
// Changeledger about a change. IaC attachments (a classified Terraform plan or
// Kubernetes manifest bound to a change's content), deployments (every deploy
// gate decision and every deployment reported after the fact), ad-hoc freeze
// windows, and inbound webhook deliveries (for replay protection).
// Plain values; safe to copy between threads.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/change.h"
#include "core/clock.h"

namespace cl {

// A classified plan or manifest as the ingest layer hands it to core.
struct IacUpload {
  std::string format;  // "terraform-plan" | "kubernetes-manifest"
  std::string digest;  // "sha256:<hex>" of the bytes as uploaded
  std::string filename;
  std::string content;  // the bytes, kept as evidence
  ImpactMask impact = 0;
  // Per impact area: the resources and reasons that raised it (for the note).
  std::array<std::string, kImpactAreaCount> reasons{};
  std::vector<std::string> categories;
  nlohmann::json report = nlohmann::json::object();
};

struct IacAttachment {
  std::string id;
  std::string change_id;
  std::string format;
  std::string digest;
  std::string sha256;  // blob holding the bytes (hex)
  std::string filename;
  int64_t size = 0;
  std::vector<std::string> categories;
  std::vector<std::string> impact_raised;  // areas this upload moved from no/unanswered to yes
  nlohmann::json report = nlohmann::json::object();
  int64_t content_version = 0;  // the change version that binds this digest
  std::string evidence_id;
  std::string added_by_id;
  std::string added_by;
  Timestamp created_at;
};

// What a deployment is of: at least one of these identifies the artifact.
struct Artifact {
  std::string commit_sha;
  std::string image_digest;
  std::string plan_digest;
  bool empty() const { return commit_sha.empty() && image_digest.empty() && plan_digest.empty(); }
};

// One gate decision ("gate") or one deployment reported by a pipeline or a
// webhook ("reported"). Reported deployments that match no approved change
// raise an unauthorized_change finding.
struct Deployment {
  std::string id;
  std::string kind;  // gate | reported
  std::string service;
  std::string environment;
  Artifact artifact;
  std::string change_id;  // empty: no change matched
  int64_t change_number = 0;
  std::string decision;                              // gate: allow | deny; reported: authorized | unauthorized
  nlohmann::json reasons = nlohmann::json::array();  // [{code, message}]
  std::vector<std::string> flags;                    // e.g. emergency_in_freeze
  std::string source;                                // api | cli | github | gitlab
  std::string status;                                // reported: success | failure | in_progress | ...
  std::string url;                                   // pipeline run / deployment page
  std::string actor_id;
  std::string actor;
  Timestamp created_at;
};

struct DeploymentQuery {
  std::string change_id;
  std::string service;
  std::string environment;
  std::string kind;
  int64_t limit = 100;
};

// An ad-hoc freeze (the policy's freeze_windows are the standing calendar).
struct Freeze {
  std::string id;
  std::string description;
  std::vector<std::string> environments;  // empty: all
  Timestamp start;
  Timestamp end;
  std::vector<ChangeType> allow_types;  // e.g. emergency
  std::string created_by;
  Timestamp created_at;
  std::optional<Timestamp> lifted_at;
  std::string lifted_by;
};

// A commit, image or plan known to belong to a change.
struct ArtifactLink {
  std::string change_id;
  std::string kind;  // commit | image | plan
  std::string value;
  std::string source;  // github | gitlab | api | plan
  Timestamp created_at;
};

// One GitHub or GitLab webhook delivery, reduced to what change control
// needs. Built by src/ingest from the signed payload.
struct ScmEvent {
  std::string source;                   // github | gitlab
  std::string delivery_id;              // X-GitHub-Delivery / X-Gitlab-Event-UUID (or the body's digest)
  std::string content_digest;           // hex SHA-256 of the body (what the signature covers): the replay key
  std::string event;                    // pull_request, pull_request_review, push, deployment, deployment_status,
                                        // workflow_run, check_suite, merge_request, pipeline
  std::string action;                   // opened, synchronize, closed, submitted, completed, merge, approved, ...
  std::vector<int64_t> change_numbers;  // CHG-n in branch, title or body
  std::string repository;               // owner/name
  std::string service;                  // repository name, or the deployment payload's "service"
  std::string url;                      // PR / pipeline / deployment page
  std::string number;                   // PR / MR number, pipeline id
  std::string title;
  std::string author;      // who opened the PR/MR
  std::string actor;       // who triggered this event (reviewer, merger)
  bool by_author = false;  // the reviewer/approver is the PR/MR author (not peer review)
  bool merged = false;
  std::string head_sha;
  std::string merge_sha;
  std::string review_state;  // approved | changes_requested | commented | dismissed
  std::string conclusion;    // pipeline/check: success | failure | ...; deployment status
  std::string environment;   // deployments
};

// A webhook delivery received from GitHub or GitLab.
struct InboundDelivery {
  std::string source;  // github | gitlab
  std::string delivery_id;
  std::string event;
  std::string action;
  std::string outcome;  // what was done, for people and the replay answer
  nlohmann::json result = nlohmann::json::object();
  Timestamp received_at;
  std::string content_digest;  // of the body; one delivery per source and body
};

}  // namespace cl
