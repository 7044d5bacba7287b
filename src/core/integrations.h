// IntegrationService: turns signed GitHub and GitLab webhook deliveries into
// change control records (G1, R001-08). Pull/merge requests naming a change
// (CHG-42 in branch, title or body) link their commits to it; merges and
// approving reviews become pull_request evidence (an approval by the PR's own
// author is kept but marked not verifiable: it is not peer review); CI runs
// become pipeline_run evidence; finished deployments are reported to the
// deploy gate (unmatched ones raise unauthorized_change findings). Each
// delivery is recorded once with its effects, atomically; a replay changes
// nothing and returns the first outcome. Thread-safe.
#pragma once

#include "core/deploy_gate.h"

namespace cl {

struct InboundResult {
  bool replayed = false;
  std::string outcome;                               // what was done, in words
  nlohmann::json result = nlohmann::json::object();  // changes, evidence, deployment, finding
};

class IntegrationService {
 public:
  IntegrationService(const Deps& deps, DeployGate& gate) : d_(deps), gate_(gate) {}

  Result<InboundResult> Handle(const ScmEvent& event, const std::string& request_id, const std::string& client_ip);

  // The principal deliveries act as: the ci role, named after the source.
  static Principal IntegrationPrincipal(std::string_view source);

 private:
  const Deps& d_;
  DeployGate& gate_;
};

}  // namespace cl
