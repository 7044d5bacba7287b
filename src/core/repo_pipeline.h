// The repository of the deploy pipeline: deployments, artifact links, freezes, the control epoch.
// Part of the Store interface (core/store.h): implemented once in
// storage/sql/ for both backends; used only inside a Tx. Interfaces only.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/pipeline.h"
#include "core/status.h"

namespace cl {

// One transaction. Repos share it; a failed callback rolls all of it back.
// IaC attachments, deployments, freezes and inbound webhook deliveries (G1).
class PipelineRepo {
 public:
  virtual ~PipelineRepo() = default;
  virtual Status InsertIac(const IacAttachment& a) = 0;
  virtual Result<std::vector<IacAttachment>> IacOf(std::string_view change_id) = 0;
  virtual Status InsertDeployment(const Deployment& d) = 0;
  virtual Result<std::vector<Deployment>> Deployments(const DeploymentQuery& q) = 0;
  virtual Status InsertFreeze(const Freeze& f) = 0;
  // Freezes not lifted that end after `after` (all when nullopt, newest first).
  virtual Result<std::vector<Freeze>> Freezes(std::optional<Timestamp> ending_after) = 0;
  virtual Status LiftFreeze(std::string_view id, Timestamp at, std::string_view by) = 0;
  virtual Status LinkArtifact(const ArtifactLink& link) = 0;  // no-op if already linked
  virtual Result<std::vector<ArtifactLink>> ArtifactsOf(std::string_view change_id) = 0;
  // Numbers of the changes linked to this artifact.
  virtual Result<std::vector<int64_t>> ChangesWithArtifact(std::string_view kind, std::string_view value) = 0;
  // False if this (source, delivery_id) or (source, content_digest) was
  // already received.
  virtual Result<bool> InsertDeliveryIfNew(const InboundDelivery& d) = 0;
  // The delivery received with this id or, when `content_digest` is not
  // empty, with this body.
  virtual Result<std::optional<InboundDelivery>> FindDelivery(std::string_view source, std::string_view delivery_id,
                                                              std::string_view content_digest = "") = 0;
  // The control epoch as this transaction sees it: it advances with every
  // committed change to changes, approvals, evidence, artifact links,
  // freezes or policies (what the deploy gate decides on).
  virtual Result<int64_t> ControlEpoch() = 0;
};

}  // namespace cl
