// `changeledger policy|change|pipeline`: policy checks and test cases without a
// server, a change's lifecycle, and a pipeline asking the gate.
#include "tests/cli/cli_fixture.h"

namespace cl::testing {

// Creates, approves (by bob), tests, implements (ivan), verifies (the
// requestor) and closes CHG-1 through the CLI, asserting each step.
void CliTest::RunLifecycleToClosed() {
  const std::string bob = AddApprover("bob");
  ASSERT_FALSE(bob.empty());

  const std::string file = dir_.File("change.yaml");
  std::ofstream(file) << R"(title: Raise worker pool to 12
type: normal
service: payments
environment: staging
category: technical
justification: Latency at peak
security_impact:
  identity_access: no
  network_exposure: no
  internet_exposure: no
  data_protection: no
  encryption_secrets: no
  logging_monitoring: no
  availability: {answer: yes, note: Rolling restart}
  sensitive_data: no
test_plan: Load test
implementation_plan: Change the pool size and roll
rollback_plan: Set it back
failure_conditions: Error rate above 1%
success_criteria: p99 under 300 ms
monitoring_plan: Watch the checkout dashboard for an hour
planned_window: {start: "2026-12-01T22:00:00+01:00", end: "2026-12-01T23:00:00+01:00", timezone: Europe/Berlin}
responsibility: {owner: customer, contact: payments-oncall@example.com}
)";
  ProcessResult created = Run({"change", "create", "-f", file, "-o", "json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string key = nlohmann::json::parse(created.out)["key"];
  EXPECT_EQ(key, "CHG-1");
  ProcessResult submitted = Run({"change", "submit", key});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  EXPECT_NE(submitted.out.find("CHG-1 is now submitted"), std::string::npos) << submitted.out;
  ProcessResult self = Run({"change", "approve", key});
  EXPECT_EQ(self.exit_code, 1) << "admin is no service owner in the default policy";
  ProcessResult approved = Run({"change", "approve", key, "--token", bob, "--comment", "ok"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_NE(approved.out.find("as service_owner"), std::string::npos) << approved.out;
  ASSERT_EQ(Run({"change", "schedule", key}).exit_code, 0);
  // The default policy wants a successful test before a normal change starts (R000-07).
  const std::string ivan =
      AddUserWithToken("ivan", "implementer", {"changes:implement", "changes:read", "evidence:write"});
  ASSERT_FALSE(ivan.empty());
  ProcessResult early = Run({"change", "start", key, "--token", ivan});
  EXPECT_EQ(early.exit_code, 1);
  EXPECT_NE(early.err.find("/evidence/test_result"), std::string::npos) << early.err;
  const std::string results = dir_.File("results.txt");
  std::ofstream(results) << "42 tests passed\n";
  ProcessResult no_outcome = Run({"evidence", "add", key, "--kind", "test_result", "--file", results});
  EXPECT_EQ(no_outcome.exit_code, 1);
  EXPECT_NE(no_outcome.err.find("success or failure"), std::string::npos) << no_outcome.err;
  ProcessResult ev = Run({"evidence", "add", key, "--kind", "test_result", "--outcome", "success", "--file", results});
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  EXPECT_NE(ev.out.find("sha256 "), std::string::npos) << ev.out;
  for (const char* action : {"start", "complete"}) {
    ProcessResult r = Run({"change", action, key, "--token", ivan});
    ASSERT_EQ(r.exit_code, 0) << action << ": " << r.err;
  }
  // The requestor verifies; the implementer does not verify their own work.
  ProcessResult verify = Run({"change", "verify", key, "--implemented-as-approved", "--security-controls-verified",
                              "--incidents", "none", "--lessons", "none"});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  ASSERT_EQ(Run({"change", "close", key}).exit_code, 0);
  ProcessResult show = Run({"change", "show", key, "-o", "json"});
  ASSERT_EQ(show.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(show.out)["state"], "closed");
  ProcessResult list = Run({"change", "list", "--state", "closed"});
  EXPECT_NE(list.out.find("CHG-1"), std::string::npos) << list.out;
}

namespace {

TEST_F(CliTest, PolicyCheckAndTestWorkWithoutAServer) {
  const std::string policy = std::string(CL_SOURCE_DIR) + "/policy/default-policy.yaml";
  ProcessResult ok = Run({"policy", "check", policy});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("valid"), std::string::npos) << ok.out;
  ProcessResult cases =
      Run({"policy", "test", policy, std::string(CL_SOURCE_DIR) + "/policy/default-policy.test.yaml"});
  EXPECT_EQ(cases.exit_code, 0) << cases.out << cases.err;
  EXPECT_NE(cases.out.find("9 passed, 0 failed"), std::string::npos) << cases.out;

  const std::string bad = dir_.File("bad.yaml");
  std::ofstream(bad) << "format: 1\nname: x\nenvironments: [prod]\ncategories: {t: {}}\nrisk: {default: severe}\n";
  ProcessResult broken = Run({"policy", "check", bad});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("line 5, column 17: 'severe' is not one of"), std::string::npos) << broken.err;

  const std::string wrong = dir_.File("wrong.yaml");
  std::ofstream(wrong) << "cases:\n  - name: prod is low?\n    change: {type: normal, environment: production, "
                          "category: technical}\n    expect: {risk: low}\n";
  ProcessResult failing = Run({"policy", "test", policy, wrong});
  EXPECT_EQ(failing.exit_code, 1);
  EXPECT_NE(failing.out.find("FAIL prod is low?"), std::string::npos) << failing.out;
  EXPECT_NE(failing.out.find("risk: expected \"low\", got \"medium\""), std::string::npos) << failing.out;
}

TEST_F(CliTest, ChangeLifecycleFromTheCommandLine) {
  Serve();
  LoginAdmin();
  ASSERT_NO_FATAL_FAILURE(RunLifecycleToClosed());
  EXPECT_EQ(Run({"audit", "verify"}).exit_code, 0);
}

// What a pipeline runs: attach the plan, ask the gate (exit 1 deny, 0 allow,
// 2 error), wait, and report a deployment that had no change.
TEST_F(CliTest, PipelineAttachesAPlanAndAsksTheGate) {
  Serve();
  LoginAdmin();
  const std::string bob = AddApprover("bob");
  ASSERT_FALSE(bob.empty());
  const auto now = std::chrono::system_clock::now();
  const auto at = [&](int hours) {
    return FormatRfc3339(Timestamp{
        std::chrono::duration_cast<std::chrono::microseconds>((now + std::chrono::hours(hours)).time_since_epoch())
            .count()});
  };
  const std::string file = dir_.File("change.yaml");
  std::ofstream(file) << "title: Partner ingress for payments\ntype: normal\nservice: payments\n"
                         "environment: staging\ncategory: iac\njustification: Partner integration\n"
                         "security_impact: {identity_access: no, network_exposure: no, internet_exposure: no, "
                         "data_protection: no, encryption_secrets: no, logging_monitoring: no, availability: no, "
                         "sensitive_data: no}\n"
                         "test_plan: Plan reviewed\nimplementation_plan: terraform apply\nrollback_plan: revert\n"
                         "failure_conditions: apply fails\nsuccess_criteria: partner reaches the API\n"
                         "monitoring_plan: watch 5xx\n"
                      << "planned_window: {start: \"" << at(-1) << "\", end: \"" << at(2) << "\", timezone: UTC}\n"
                      << "responsibility: {owner: customer, contact: payments-oncall@example.com}\n";
  ASSERT_EQ(Run({"change", "create", "-f", file}).exit_code, 0);
  const std::string plan = std::string(CL_SOURCE_DIR) + "/tests/fixtures/iac/payments-iam-sg.plan.json";
  ProcessResult attached = Run({"plan", "attach", "CHG-1", plan});
  ASSERT_EQ(attached.exit_code, 0) << attached.err;
  EXPECT_NE(attached.out.find("security impact raised to yes: identity_access"), std::string::npos) << attached.out;
  EXPECT_NE(attached.out.find("update aws_security_group.api [network_exposure]"), std::string::npos) << attached.out;

  const std::vector<std::string> gate = {"gate", "--service", "payments", "-e", "staging", "--plan", plan};
  ProcessResult denied = Run(gate);
  EXPECT_EQ(denied.exit_code, 1) << denied.err;
  EXPECT_NE(denied.out.find("DENY CHG-1"), std::string::npos) << denied.out;
  EXPECT_NE(denied.out.find("not_approved: CHG-1"), std::string::npos) << denied.out;

  ASSERT_EQ(Run({"change", "submit", "CHG-1"}).exit_code, 0);
  ProcessResult waiting = Run({"change", "show", "CHG-1"});
  EXPECT_NE(waiting.out.find("    due by 20"), std::string::npos) << "the default policy's approval SLA\n"
                                                                  << waiting.out;
  EXPECT_EQ(waiting.out.find("OVERDUE"), std::string::npos) << waiting.out;
  ASSERT_EQ(Run({"change", "approve", "CHG-1", "--token", bob}).exit_code, 0);
  // The requestor's own approval as security is recorded, and does not count.
  ASSERT_EQ(Run({"change", "approve", "CHG-1"}).exit_code, 0) << "admin as security, beside bob";
  ProcessResult self_counted = Run(gate);
  EXPECT_EQ(self_counted.exit_code, 1) << self_counted.out;
  EXPECT_NE(self_counted.out.find("not_approved: CHG-1"), std::string::npos) << self_counted.out;
  const std::string sara = AddUserWithToken("sara", "admin", {"changes:approve", "changes:read"});
  ASSERT_EQ(Run({"change", "approve", "CHG-1", "--token", sara}).exit_code, 0) << "an independent security reviewer";
  // Tested before it is deployed: the gate wants the successful test result the policy names.
  ProcessResult untested = Run(gate);
  EXPECT_EQ(untested.exit_code, 1) << untested.out;
  EXPECT_NE(untested.out.find("successful test_result"), std::string::npos) << untested.out;
  const std::string results = dir_.File("results.txt");
  std::ofstream(results) << "plan applied in a scratch workspace; 12 checks passed\n";
  ASSERT_EQ(
      Run({"evidence", "add", "CHG-1", "--kind", "test_result", "--outcome", "success", "--file", results}).exit_code,
      0);
  ProcessResult allowed = Run(gate);
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_NE(allowed.out.find("ALLOW CHG-1 (risk high"), std::string::npos) << allowed.out;
  ProcessResult show = Run({"change", "show", "CHG-1"});
  EXPECT_NE(show.out.find("terraform-plan sha256:"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("gate allow"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("gate deny"), std::string::npos) << show.out;

  const std::string other = dir_.File("other.json");
  std::ofstream(other) << "{\"format_version\":\"1.2\",\"resource_changes\":[]}";
  ProcessResult waited = Run({"gate", "--service", "payments", "-e", "staging", "--plan", other, "--wait", "--timeout",
                              "2", "--interval", "1"});
  EXPECT_EQ(waited.exit_code, 1);
  EXPECT_NE(waited.out.find("waiting"), std::string::npos) << waited.out;
  EXPECT_NE(waited.out.find("is not the approved plan"), std::string::npos) << waited.out;

  ProcessResult usage = Run({"gate", "--service", "payments", "-e", "staging"});
  EXPECT_EQ(usage.exit_code, 2) << "no artifact is an error, not a denial";
  ProcessResult bad = Run({"gate", "--service", "payments", "-e", "staging", "--commit", "not-hex"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;

  ProcessResult rogue =
      Run({"deployment", "report", "--service", "ledger", "-e", "production", "--commit", "abcdef1234"});
  ASSERT_EQ(rogue.exit_code, 0) << rogue.err;
  EXPECT_NE(rogue.out.find("unauthorized deployment"), std::string::npos) << rogue.out;
  EXPECT_NE(rogue.out.find("(high)"), std::string::npos) << rogue.out;
  EXPECT_EQ(Run({"audit", "verify"}).exit_code, 0);
}

}  // namespace
}  // namespace cl::testing
