#include "core/deploy_match.h"

#include <fmt/format.h>

#include <algorithm>

namespace cl {
namespace {

struct Coverage {
  bool covered = true;
  bool strong = false;  // an artifact or plan is linked to the change
  std::vector<GateReason> problems;
  std::vector<std::string> flags;
};

std::string Short(std::string_view v) { return std::string(v.substr(0, v.starts_with("sha256:") ? 19 : 12)); }

// Whether `c` covers the artifact: a plan must equal the approved plan; a
// commit or image must be linked when the change has links of that kind.
Result<Coverage> Covers(Tx& tx, const Change& c, const Artifact& a) {
  Coverage cov;
  if (!a.plan_digest.empty()) {
    if (c.content.plan_digest.empty()) {
      cov.covered = false;
      cov.problems.push_back({"plan_mismatch", fmt::format("{} has no plan attached; attach {} and have it approved",
                                                           c.Key(), Short(a.plan_digest))});
    } else if (c.content.plan_digest != a.plan_digest) {
      cov.covered = false;
      cov.problems.push_back(
          {"plan_mismatch", fmt::format("plan {} is not the approved plan {} of {}", Short(a.plan_digest),
                                        Short(c.content.plan_digest), c.Key())});
    } else {
      cov.strong = true;
    }
  } else if (!c.content.plan_digest.empty()) {
    cov.flags.push_back("plan_not_checked");
  }
  CL_ASSIGN_OR_RETURN(std::vector<ArtifactLink> links, tx.Pipeline().ArtifactsOf(c.id));
  auto check = [&](std::string_view kind, const std::string& value, std::string_view label) {
    if (value.empty()) return;
    bool any = false, found = false;
    for (const ArtifactLink& l : links) {
      if (l.kind != kind) continue;
      any = true;
      // A short commit SHA from a pipeline matches the full one linked by a webhook.
      found |= l.value == value || (kind == "commit" && value.size() >= 7 && l.value.starts_with(value));
    }
    if (found) {
      cov.strong = true;
    } else if (any) {
      cov.covered = false;
      cov.problems.push_back({"artifact_not_linked", fmt::format("{} {} is not one of the {}s linked to {}", label,
                                                                 Short(value), label, c.Key())});
    } else {
      cov.flags.push_back(fmt::format("{}_not_linked", kind));
    }
  };
  check("commit", a.commit_sha, "commit");
  check("image", a.image_digest, "image");
  return cov;
}

}  // namespace

void SetMatch(Deployment& d, const Change* change, const std::vector<GateReason>& reasons) {
  d.change_id = change ? change->id : "";
  d.change_number = change ? change->number : 0;
  d.reasons = nlohmann::json::array();
  for (const GateReason& r : reasons) d.reasons.push_back({{"code", r.code}, {"message", r.message}});
}

Deployment NewDeployment(IdGenerator& ids, std::string_view kind, std::string_view service,
                         std::string_view environment, const Artifact& artifact, const std::optional<Change>& change,
                         const std::vector<GateReason>& reasons, const Principal& who, Timestamp now) {
  Deployment d;
  d.id = ids.NewId("dep");
  d.kind = std::string(kind);
  d.service = std::string(service);
  d.environment = std::string(environment);
  d.artifact = artifact;
  SetMatch(d, change ? &*change : nullptr, reasons);
  d.actor_id = who.user_id;
  d.actor = who.username;
  d.created_at = now;
  return d;
}

Result<ChangeMatch> MatchChange(Tx& tx, std::string_view service, std::string_view environment,
                                const Artifact& artifact, std::optional<int64_t> number) {
  ChangeMatch m;
  if (number) {
    CL_ASSIGN_OR_RETURN(std::optional<Change> c, tx.Changes().FindByNumber(*number));
    if (!c) {
      m.reasons.push_back({"change_not_found", fmt::format("there is no change CHG-{}", *number)});
      return m;
    }
    if (c->content.service != service || c->content.environment != environment) {
      m.reasons.push_back(
          {"change_mismatch", fmt::format("{} is for {} in {}, not {} in {}", c->Key(), c->content.service,
                                          c->content.environment, service, environment)});
      m.change = std::move(c);
      return m;
    }
    CL_ASSIGN_OR_RETURN(Coverage cov, Covers(tx, *c, artifact));
    m.reasons = std::move(cov.problems);
    m.flags = std::move(cov.flags);
    m.change = std::move(c);
    return m;
  }
  CL_ASSIGN_OR_RETURN(std::vector<Change> candidates, tx.Changes().DeployCandidates(service, environment));
  std::vector<std::pair<Change*, Coverage>> strong, weak;
  std::vector<std::string> refused;
  for (Change& c : candidates) {
    CL_ASSIGN_OR_RETURN(Coverage cov, Covers(tx, c, artifact));
    if (!cov.covered) {
      for (const GateReason& r : cov.problems) refused.push_back(r.message);
      continue;
    }
    (cov.strong ? strong : weak).emplace_back(&c, std::move(cov));
  }
  auto& pick = strong.empty() ? weak : strong;
  if (pick.size() == 1) {
    m.change = *pick[0].first;
    m.flags = std::move(pick[0].second.flags);
    return m;
  }
  if (pick.size() > 1) {
    std::vector<std::string> keys;
    for (const auto& [c, _] : pick) keys.push_back(c->Key());
    m.reasons.push_back({"ambiguous", fmt::format("{} all cover {} in {}; name the change (--change)",
                                                  fmt::join(keys, ", "), service, environment)});
    return m;
  }
  std::string detail = refused.empty() ? "" : fmt::format(" ({})", fmt::join(refused, "; "));
  m.reasons.push_back(
      {"no_change", fmt::format("no open change covers {} in {} for this artifact{}", service, environment, detail)});
  return m;
}

}  // namespace cl
