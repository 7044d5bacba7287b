// PolicyService: the active change policy and its versions in the database
// (B-05). The newest stored version is the active one, so several servers
// on one database agree; a server notices a version published elsewhere on
// its next write that evaluates policy. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/deps.h"
#include "core/policy.h"
#include "core/principal.h"

namespace cl {

struct ActivePolicy {
  std::shared_ptr<const Policy> policy;
  int64_t version = 0;
  std::string sha256;
};

// Turns a policy's text into the typed Policy (ingest/policy_yaml.h's
// ParsePolicy in the product): core never reads YAML itself.
using PolicyParser = std::function<Result<std::shared_ptr<const Policy>>(std::string_view text)>;

class PolicyService {
 public:
  PolicyService(const Deps& deps, PolicyParser parse) : d_(deps), parse_(std::move(parse)) {}

  // At start-up: stores `yaml` as a new version if the database has none or
  // if `force` and it differs from the newest version; then loads the newest.
  Status Initialize(const AuditContext& ctx, std::string_view yaml, std::string_view origin, bool force);

  // Validates and stores a new version (policy:write); it becomes active.
  Result<PolicyVersion> Publish(const Principal& who, const AuditContext& ctx, std::string_view yaml,
                                std::string_view origin);

  ActivePolicy Current() const;
  // Inside a transaction: the newest version, reloading it if another
  // server published one since.
  Result<ActivePolicy> CurrentIn(Tx& tx) const;

  Result<std::vector<PolicyVersion>> List(const Principal& who);
  Result<PolicyVersion> Get(const Principal& who, int64_t version);

 private:
  Result<PolicyVersion> Store(Tx& tx, const AuditContext& ctx, std::string_view yaml, std::string_view origin,
                              const Policy& parsed) const;
  Status Activate(const PolicyVersion& v) const;

  const Deps& d_;
  const PolicyParser parse_;
  mutable std::mutex mu_;
  mutable ActivePolicy active_;
};

std::string Sha256Hex(std::string_view text);

}  // namespace cl
