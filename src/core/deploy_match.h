// Which change a deployment belongs to: by the key a pipeline names, or by
// the commit, image or plan linked to a change of that service and
// environment. Internal to the deploy gate; pure reads inside a Tx.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/deploy_gate.h"
#include "core/store.h"

namespace cl {

struct ChangeMatch {
  std::optional<Change> change;
  std::vector<GateReason> reasons;  // why nothing (or the named change) covers the artifact
  std::vector<std::string> flags;   // weak binding: commit_not_linked, plan_not_checked
};

// A deployment event as the gate and reports both record it: the target,
// the matched change (if any), the reasons and who asked, at `now`.
Deployment NewDeployment(IdGenerator& ids, std::string_view kind, std::string_view service,
                         std::string_view environment, const Artifact& artifact, const std::optional<Change>& change,
                         const std::vector<GateReason>& reasons, const Principal& who, Timestamp now);

// The change (or none) and the reasons of a deployment event; the gate sets
// them again when it decides anew at record time.
void SetMatch(Deployment& d, const Change* change, const std::vector<GateReason>& reasons);

Result<ChangeMatch> MatchChange(Tx& tx, std::string_view service, std::string_view environment,
                                const Artifact& artifact, std::optional<int64_t> number);

}  // namespace cl
