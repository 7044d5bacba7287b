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

Result<ChangeMatch> MatchChange(Tx& tx, std::string_view service, std::string_view environment,
                                const Artifact& artifact, std::optional<int64_t> number);

}  // namespace cl
