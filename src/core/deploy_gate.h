// DeployGate: the CI/CD gate (G1, R001-01, B-04). A pipeline asks whether
// it may deploy an artifact (commit, image, plan) of a service to an
// environment; the answer is allow or deny with machine-readable reasons
// (no approved change covers it, outside the window, freeze, approvals
// voided, segregation of duties, evidence missing, a different plan). Every
// decision is a deployment event on the change and an audit event.
// Deployments reported after the fact that match no approved change raise
// an unauthorized_change finding. Also owns the ad-hoc freeze calendar.
// Thread-safe (state lives in the store).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/changes.h"

namespace cl {

struct GateRequest {
  std::string service;
  std::string environment;
  Artifact artifact;
  std::optional<int64_t> change_number;  // optional: the pipeline names the change
  std::string url;                       // the pipeline run, for the record
  std::string source = "api";            // api | cli | github | gitlab
};

struct GateReason {
  std::string code;  // stable, for machines: no_change, outside_window, freeze, ...
  std::string message;
};

struct GateResult {
  bool allow = false;
  std::vector<GateReason> reasons;       // why not (empty when allowed)
  std::vector<std::string> flags;        // allowed, but worth a look: emergency_in_freeze, ...
  std::shared_ptr<const Change> change;  // the change the decision is about (shared, read-only)
  Deployment deployment;                 // the recorded event
  GateRequest request;                   // what was asked
  int64_t epoch = -1;                    // control epoch of the data decided on
  bool revised = false;                  // decided again when recorded (data had changed)
  PreparedAuditEvent audit_event;        // gate.allow / gate.deny, ready to append
};

struct ReportedDeployment {
  std::string service;
  std::string environment;
  Artifact artifact;
  std::optional<int64_t> change_number;
  std::string status = "success";  // success | failure | in_progress | ...
  std::string url;
  std::string source = "api";
};

struct ReportResult {
  Deployment deployment;
  std::optional<Change> change;      // matched change (authorized)
  std::optional<Finding> finding;    // raised when unauthorized
  std::optional<Evidence> evidence;  // attached to the matched change
};

// Severity of an unauthorized change by environment: production high,
// staging-like medium, others low.
std::string SeverityForEnvironment(std::string_view environment);

class DeployGate {
 public:
  DeployGate(const Deps& deps, PolicyService& policies);
  ~DeployGate();

  // The gate check as one operation, and no thread waits on its commit:
  // decides on the caller's thread (one snapshot, or nothing when the same
  // question was answered since the last change to control data), hands the
  // decision to `answer` (render the reply there), then records it in one
  // write: the deployment event and its gate.allow or gate.deny audit
  // record. If control data changed in between, the write decides again, so
  // what is recorded is always current. `recorded` runs once on the store's
  // writer thread when the write is durable or has failed, with the new
  // decision when it differs from the one answered (else null); it must be
  // quick. A decision that fails (validation, permission) is returned, and
  // neither callback runs.
  using GateAnswer = std::function<void(const GateResult& decided)>;
  using GateRecorded = std::function<void(Status committed, const GateResult* revised)>;
  Status Check(const Principal& who, const AuditContext& ctx, const GateRequest& req, const GateAnswer& answer,
               GateRecorded recorded);
  Result<ReportResult> Report(const Principal& who, const AuditContext& ctx, const ReportedDeployment& in);
  // The same inside a caller's write transaction (webhooks record the
  // delivery and its effects atomically). `in` must pass CheckReport.
  Result<ReportResult> ReportIn(Tx& tx, const Principal& who, const AuditContext& ctx, const ReportedDeployment& in);
  Result<std::vector<Deployment>> Deployments(const Principal& who, const DeploymentQuery& q);

  Result<Freeze> AddFreeze(const Principal& who, const AuditContext& ctx, Freeze in);
  Result<Freeze> LiftFreeze(const Principal& who, const AuditContext& ctx, std::string_view id);
  // Active and upcoming ad-hoc freezes (all, including lifted, when `all`).
  Result<std::vector<Freeze>> Freezes(const Principal& who, bool all);

  // Links a commit/image/plan to a change (webhooks, API); audited.
  Status LinkArtifact(Tx& tx, const AuditContext& ctx, const Change& c, std::string_view kind, std::string_view value,
                      std::string_view source);

 private:
  class InputCache;
  Result<GateResult> Decide(const Principal& who, const AuditContext& ctx, const GateRequest& req);
  Status Record(Tx& tx, const AuditContext& ctx, GateResult& decided) const;
  const Deps& d_;
  PolicyService& policies_;
  std::unique_ptr<InputCache> cache_;
};

// A freeze as the API returns it and the audit log records it.
nlohmann::json FreezeJson(const Freeze& f);

// Field errors of a deployment report (empty when valid).
std::vector<FieldError> CheckReport(const ReportedDeployment& in);

// Checks the shape of an artifact: commit 7-64 hex, digests "sha256:<64 hex>".
std::vector<FieldError> CheckArtifact(const Artifact& a, bool required);

}  // namespace cl
