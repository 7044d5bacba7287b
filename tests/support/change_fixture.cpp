#include "tests/support/change_fixture.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"

namespace cl::testing {

const char* const kScenarioPolicy = R"(format: 1
name: Scenario policy
environments: [production, staging]
categories:
  technical: {}
  console_admin: {snapshots_required: true}
  iac: {closure_evidence: [config_diff]}
required_fields:
  always: [title, service, environment, category, justification, security_impact,
           implementation_plan, rollback_plan]
  normal: [test_plan, planned_window]
risk:
  default: low
  rules:
    - id: iam
      description: Identity and access changes
      when: {impact: [identity_access]}
      risk: high
approver_roles:
  service_owner: {service_owners: true}
  security: {users: [sam]}
  cab: {users: [carol]}
services:
  payments: {owners: [bob, ivan]}
approvals:
  - id: owner
    when: {type: [normal, emergency]}
    require: [service_owner]
  - id: high-risk
    when: {risk_at_least: high}
    require: [service_owner, security]
segregation_of_duties:
  min_distinct_approvers: {low: 1, medium: 1, high: 2, critical: 2}
  self_approval: with_independent_approver
approval_sla: {low: 24h, high: 4h}
templates:
  - id: restart-workers
    title: Restart workers of {service}
    category: technical
    max_risk: low
    parameters:
      - {name: pool, type: string, allowed: [blue, green]}
    change:
      justification: Memory growth mitigation
      implementation_plan: Rolling restart of pool {pool}
      rollback_plan: None needed; workers come back on their own
      security_impact: {identity_access: no, network_exposure: no, internet_exposure: no,
                        data_protection: no, encryption_secrets: no, logging_monitoring: no,
                        availability: no, sensitive_data: no}
emergency:
  review_deadline: 72h
  retrospective_roles: [cab]
  repeat_threshold: 3
  repeat_window: 30d
closure:
  evidence:
    normal: [test_result]
)";

ChangePeople::ChangePeople(TestServer& server)
    : admin(server.Admin()),
      alice(server.CreateUser("alice", {"implementer"})),
      bob(server.CreateUser("bob", {"approver"})),
      sam(server.CreateUser("sam", {"approver"})),
      carol(server.CreateUser("carol", {"approver"})),
      ivan(server.CreateUser("ivan", {"approver", "implementer"})) {}

nlohmann::json NormalChange(const std::string& environment, bool iam) {
  nlohmann::json impact = nlohmann::json::object();
  for (ImpactArea a : kAllImpactAreas) impact[std::string(Name(a))] = {{"answer", "no"}, {"note", ""}};
  if (iam) impact["identity_access"] = {{"answer", "yes"}, {"note", "Adds kms:Decrypt to the deploy role"}};
  return {
      {"title", iam ? "Grant the deploy role KMS decrypt" : "Raise the payments worker pool to 12"},
      {"type", "normal"},
      {"service", "payments"},
      {"environment", environment},
      {"category", iam ? "iac" : "technical"},
      {"justification", "Checkout latency at peak"},
      {"security_impact", impact},
      {"test_plan", "Load test in staging"},
      {"implementation_plan", "Apply the reviewed change"},
      {"rollback_plan", "Revert the commit and re-apply"},
      {"planned_window",
       {{"start", "2026-09-22T08:00:00+02:00"}, {"end", "2026-09-22T09:00:00+02:00"}, {"timezone", "Europe/Berlin"}}},
      {"implementer", "ivan"}};
}

nlohmann::json VerificationChecklist() {
  return {{"checklist",
           {{"implemented_as_approved", true},
            {"security_controls_verified", true},
            {"incidents", "none"},
            {"lessons_learned", "none"}}}};
}

std::string AuditActions(TestServer& server) {
  std::string out;
  Status s = server.app().store().Read([&](Tx& tx) {
    return tx.Audit().Scan(1, 0, [&](const StoredAuditEvent& e) {
      auto j = nlohmann::json::parse(e.body, nullptr, false);
      if (j.is_object()) out += j.value("action", "") + " ";
      return true;
    });
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

void ExpectAuditIntact(TestServer& server) {
  // With the records reconciled: a false alarm here (a mutation whose audit
  // event does not record the row's new state) is a bug in that mutation.
  Reply r = server.http().Get("/api/v1/audit/verification?reconcile=true", server.Admin().token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json()["ok"].get<bool>()) << r.body;
  EXPECT_TRUE(r.json()["reconcile"]["ok"].get<bool>()) << r.json()["reconcile"].dump(2);
  EXPECT_GT(r.json()["events_checked"].get<int64_t>(), 0);
}

std::string Base64(const std::string& bytes) {
  return crypto::ToBase64(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

}  // namespace cl::testing
