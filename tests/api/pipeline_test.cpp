// The pipeline side of change control (G1) against the real server: IaC
// plans and manifests bound to changes, the deploy gate with its reasons,
// the freeze calendar, and deployments reported after the fact.
#include <fstream>
#include <sstream>

#include "core/audit_log.h"
#include "core/deploy_gate.h"
#include "crypto/crypto.h"
#include "storage/open_store.h"
#include "tests/api/change_api_fixture.h"

namespace cl::testing {
namespace {

std::string IacFixture(const std::string& name) {
  std::ifstream in(std::string(CL_SOURCE_DIR) + "/tests/fixtures/iac/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Digest(const std::string& bytes) { return "sha256:" + crypto::ToHex(crypto::Sha256(bytes)); }

constexpr int64_t kHour = 3600LL * kMicrosPerSecond;

class PipelineTest : public ChangeApiTest {
 protected:
  void SetUp() override {
    ChangeApiTest::SetUp();
    ci_ = server().CreateUser("deploy-bot", {"ci"}, UserKind::kService);
  }
  Reply Upload(const std::string& key, const std::string& what, const std::string& body, const std::string& token,
               const std::string& type = "application/json", const std::string& query = "") {
    return http().Send("POST", "/api/v1/changes/" + key + "/" + what + query, body,
                       {{"Content-Type", type}, {"Authorization", "Bearer " + token}});
  }
  Reply Gate(nlohmann::json artifact, const std::string& env = "production", nlohmann::json extra = {}) {
    nlohmann::json body = {{"service", "payments"}, {"environment", env}, {"artifact", std::move(artifact)}};
    if (extra.is_object()) body.update(extra);
    Reply r = http().Json("POST", "/api/v1/gate", body, ci_.token);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status == 200) {
      EXPECT_TRUE(ResponseSchemaErrors(server().api(), "POST", "/api/v1/gate", r.json()).empty()) << r.body;
    }
    return r;
  }
  static std::vector<std::string> Codes(const Reply& r) {
    std::vector<std::string> out;
    const nlohmann::json body = r.json();
    for (const auto& x : body["reasons"]) out.push_back(x["code"]);
    return out;
  }
  // CHG-n for payments in `env`, submitted and approved by bob and sam.
  std::string ApprovedChange(const std::string& env, const std::string& plan = "") {
    const std::string key = Create(NormalChange(env, /*iam=*/false));
    if (!plan.empty()) {
      Reply up = Upload(key, "plans", plan, p().alice.token);
      EXPECT_EQ(up.status, 201) << up.body;
    }
    EXPECT_EQ(Act(key, "submit", p().alice).status, 200);
    EXPECT_EQ(Decide(key, p().bob).status, 201);
    if (Get(key)["state"] != "approved") {
      EXPECT_EQ(Decide(key, p().sam).status, 201);
    }
    EXPECT_EQ(Get(key)["state"], "approved");
    return key;
  }
  void InWindow() { manual_clock_.Set(*ParseRfc3339("2026-09-22T06:30:00Z")); }
  TestUser ci_;
};

TEST_F(PipelineTest, PlanRaisesSecurityImpactAndRiskAndBindsItsDigest) {
  const std::string key = Create(NormalChange("production", /*iam=*/false));
  const std::string plan = IacFixture("payments-iam-sg.plan.json");
  const int64_t versions_before = Get(key)["content_version"];

  Reply up = Upload(key, "plans", plan, p().alice.token, "application/json", "?filename=..%2Fplans%2Ftfplan.json");
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_TRUE(ResponseSchemaErrors(server().api(), "POST", "/api/v1/changes/{key}/plans", up.json()).empty());
  const nlohmann::json a = up.json();
  EXPECT_EQ(a["digest"], Digest(plan));
  EXPECT_EQ(a["categories"], nlohmann::json({"identity", "network_exposure", "storage_exposure", "destructive"}));
  EXPECT_EQ(a["report"]["resources_changed"], 6);
  EXPECT_EQ(a["filename"], "tfplan.json");

  nlohmann::json c = Get(key);
  EXPECT_EQ(c["content"]["plan_digest"], Digest(plan));
  EXPECT_EQ(c["content_version"], versions_before + 1);
  const nlohmann::json sia = c["content"]["security_impact"];
  EXPECT_EQ(sia["identity_access"]["answer"], "yes");
  EXPECT_TRUE(Has(sia["identity_access"]["note"], "aws_iam_role.deployer")) << sia.dump(2);
  EXPECT_EQ(sia["internet_exposure"]["answer"], "yes");
  EXPECT_TRUE(Has(sia["internet_exposure"]["note"], "aws_security_group.api")) << sia.dump(2);
  EXPECT_EQ(sia["availability"]["answer"], "yes");
  EXPECT_EQ(sia["logging_monitoring"]["answer"], "no");  // nothing in the plan touches logging
  ASSERT_EQ(c["iac"].size(), 1u);
  EXPECT_EQ(c["iac"][0]["report"]["resources"].size(), 5u) << "findings per resource address in the change view";
  bool evidence = false;
  for (const auto& e : c["evidence"]) evidence |= e["kind"] == "config_diff" && e["sha256"] == a["file_sha256"];
  EXPECT_TRUE(evidence) << "the plan is kept as config_diff evidence";
  Reply file = http().Get("/api/v1/files/" + a["file_sha256"].get<std::string>(), p().admin.token);
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, plan);

  // The raised answers raise the risk through the policy (iam rule -> high).
  Reply submitted = Act(key, "submit", p().alice);
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  EXPECT_EQ(submitted.json()["risk"], "high");

  // A person's "yes" is never lowered by a quieter plan.
  Reply quiet = Upload(key, "plans", IacFixture("quiet.plan.json"), p().alice.token);
  ASSERT_EQ(quiet.status, 201) << quiet.body;
  EXPECT_TRUE(quiet.json()["impact_raised"].empty());
  c = Get(key);
  EXPECT_EQ(c["content"]["security_impact"]["identity_access"]["answer"], "yes");
  EXPECT_EQ(c["content"]["plan_digest"], Digest(IacFixture("quiet.plan.json")));
  EXPECT_TRUE(Has(AuditActions(server()), "change.iac_attach"));
}

TEST_F(PipelineTest, BadPlansAreRefusedAndNothingIsStored) {
  const std::string key = Create(NormalChange("production", /*iam=*/false));
  const int64_t audit_before = server().AuditCount();
  const std::string plan = IacFixture("payments-iam-sg.plan.json");
  Reply truncated = Upload(key, "plans", plan.substr(0, plan.size() / 2), p().alice.token);
  EXPECT_TRUE(IsProblem(truncated, 422, "invalid-document"));
  EXPECT_TRUE(Has(truncated.json()["detail"], "not valid JSON")) << truncated.body;
  Reply state = Upload(key, "plans", R"({"format_version":"1.0","values":{}})", p().alice.token);
  EXPECT_TRUE(IsProblem(state, 422, "invalid-document"));
  EXPECT_TRUE(Has(state.json()["detail"], "Terraform state, not a plan")) << state.body;
  EXPECT_TRUE(IsProblem(Upload(key, "plans", plan, p().alice.token, "text/plain"), 415, "unsupported-media-type"));
  EXPECT_TRUE(IsProblem(Upload(key, "plans", plan, p().carol.token), 403, "forbidden"));
  EXPECT_TRUE(IsProblem(Upload("CHG-99", "plans", plan, p().alice.token), 404, "not-found"));
  Reply yaml = Upload(key, "manifests", "apiVersion: v1\nkind: [\n", p().alice.token, "application/yaml");
  EXPECT_TRUE(IsProblem(yaml, 422, "invalid-document"));
  EXPECT_EQ(server().AuditCount(), audit_before);
  EXPECT_TRUE(Get(key)["iac"].empty());
  EXPECT_TRUE(Get(key)["content"]["plan_digest"].is_null());
}

TEST_F(PipelineTest, PipelineAttachesManifestsWithItsCiToken) {
  const std::string key = Create(NormalChange("production", /*iam=*/false));
  Reply up = Upload(key, "manifests", IacFixture("payments-cluster.yaml"), ci_.token, "application/yaml");
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(up.json()["format"], "kubernetes-manifest");
  EXPECT_EQ(up.json()["categories"],
            nlohmann::json({"identity", "network_exposure", "secrets", "privileged_workload"}));
  const nlohmann::json sia = Get(key)["content"]["security_impact"];
  EXPECT_EQ(sia["identity_access"]["answer"], "yes");
  EXPECT_TRUE(Has(sia["identity_access"]["note"], "ClusterRoleBinding/payments-ops-admin")) << sia.dump(2);
}

TEST_F(PipelineTest, GateAllowsOnlyTheApprovedPlanInItsWindow) {
  const std::string plan = IacFixture("payments-iam-sg.plan.json");
  const std::string key = ApprovedChange("production", plan);
  const nlohmann::json artifact = {{"commit_sha", "9f2c1e7"}, {"plan_digest", Digest(plan)}};

  Reply early = Gate(artifact);
  EXPECT_EQ(early.json()["decision"], "deny");
  EXPECT_EQ(Codes(early), std::vector<std::string>{"outside_window"});
  EXPECT_EQ(early.json()["change"], key);

  InWindow();
  Reply ok = Gate(artifact);
  EXPECT_EQ(ok.json()["decision"], "allow") << ok.body;
  EXPECT_TRUE(ok.json()["reasons"].empty());
  EXPECT_EQ(ok.json()["change"], key);

  Reply other = Gate({{"plan_digest", Digest(IacFixture("quiet.plan.json"))}});
  EXPECT_EQ(other.json()["decision"], "deny");
  EXPECT_EQ(Codes(other), std::vector<std::string>{"no_change"});
  EXPECT_TRUE(Has(other.json()["reasons"][0]["message"], "is not the approved plan")) << other.body;
  Reply named = Gate({{"plan_digest", Digest(IacFixture("quiet.plan.json"))}}, "production", {{"change", key}});
  EXPECT_EQ(Codes(named), std::vector<std::string>{"plan_mismatch"});

  Reply staging = Gate(artifact, "staging");
  EXPECT_EQ(Codes(staging), std::vector<std::string>{"no_change"});

  // Every decision is on the change and in the audit log.
  const nlohmann::json c = Get(key);
  ASSERT_EQ(c["deployments"].size(), 3u);  // early, ok and named; "other" and staging matched no change
  std::map<std::string, int> decisions;
  for (const auto& d : c["deployments"]) {
    decisions[d["decision"].get<std::string>() + ":" +
              (d["reasons"].empty() ? "" : d["reasons"][0]["code"].get<std::string>())]++;
  }
  EXPECT_EQ(decisions,
            (std::map<std::string, int>{{"allow:", 1}, {"deny:outside_window", 1}, {"deny:plan_mismatch", 1}}));
  const std::string actions = AuditActions(server());
  EXPECT_TRUE(Has(actions, "gate.allow")) << actions;
  EXPECT_TRUE(Has(actions, "gate.deny")) << actions;
  Reply list = http().Get("/api/v1/deployments?kind=gate", p().admin.token);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["items"].size(), 5u);
  EXPECT_TRUE(IsProblem(http().Get("/api/v1/deployments", ci_.token), 403, "forbidden"));
}

TEST_F(PipelineTest, GateExplainsUnapprovedAndVoidedChanges) {
  InWindow();
  nlohmann::json fields = NormalChange("production", /*iam=*/true);
  fields["category"] = "technical";  // iac would also want the plan attached first
  const std::string key = Create(fields);
  const nlohmann::json artifact = {{"commit_sha", "0123456789abcdef0123456789abcdef01234567"}};
  EXPECT_EQ(Codes(Gate(artifact)), std::vector<std::string>{"not_approved"});  // a draft
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  Reply half = Gate(artifact);
  EXPECT_EQ(Codes(half), std::vector<std::string>({"sod_not_met", "not_approved"})) << half.body;
  ASSERT_EQ(Decide(key, p().sam).status, 201);
  EXPECT_EQ(Gate(artifact).json()["decision"], "allow");
  // A material edit voids the approvals: the gate says so.
  Reply edit = http().Edit("/api/v1/changes/" + key, {{"rollback_plan", "Restore the snapshot"}}, p().alice.token);
  ASSERT_EQ(edit.status, 200) << edit.body;
  Reply voided = Gate(artifact);
  EXPECT_EQ(Codes(voided), std::vector<std::string>{"approvals_voided"}) << voided.body;
  // Bad requests are problems, not decisions.
  Reply bad = http().Json(
      "POST", "/api/v1/gate",
      {{"service", "payments"}, {"environment", "production"}, {"artifact", {{"commit_sha", "xyz"}}}}, ci_.token);
  EXPECT_TRUE(IsProblem(bad, 422, "validation-failed"));
  Reply none = http().Json(
      "POST", "/api/v1/gate",
      {{"service", "payments"}, {"environment", "production"}, {"artifact", nlohmann::json::object()}}, ci_.token);
  EXPECT_TRUE(IsProblem(none, 422, "validation-failed"));
  EXPECT_TRUE(IsProblem(
      http().Json("POST", "/api/v1/gate",
                  {{"service", "payments"}, {"environment", "production"}, {"artifact", {{"commit_sha", "abcdef1"}}}},
                  p().alice.token),
      403, "forbidden"));
}

TEST_F(PipelineTest, FreezesDenyExceptEmergenciesTheyAllow) {
  InWindow();
  ApprovedChange("production");
  const nlohmann::json artifact = {{"commit_sha", "abcdef1234"}};
  EXPECT_EQ(Gate(artifact).json()["decision"], "allow");
  // change managers declare freezes; alice (implementer) may not.
  const nlohmann::json freeze = {{"description", "Black Friday"},
                                 {"environments", {"production"}},
                                 {"start", "2026-09-22T00:00:00Z"},
                                 {"end", "2026-09-23T00:00:00Z"},
                                 {"allow_types", {"emergency"}}};
  EXPECT_TRUE(IsProblem(http().Json("POST", "/api/v1/freezes", freeze, p().alice.token), 403, "forbidden"));
  Reply added = http().Json("POST", "/api/v1/freezes", freeze, p().admin.token);
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_TRUE(ResponseSchemaErrors(server().api(), "POST", "/api/v1/freezes", added.json()).empty());
  Reply frozen = Gate(artifact);
  EXPECT_EQ(Codes(frozen), std::vector<std::string>{"freeze"});
  EXPECT_TRUE(Has(frozen.json()["reasons"][0]["message"], "Black Friday"));

  // An emergency passes the freeze the policy lets it pass, flagged.
  nlohmann::json em = NormalChange("production", /*iam=*/false);
  em["type"] = "emergency";
  em["title"] = "Hotfix card tokenisation outage";
  em["failure_conditions"] = "Error rate stays above 1%";
  em.erase("planned_window");
  const std::string ekey = Create(em);
  ASSERT_EQ(Act(ekey, "submit", p().alice).status, 200);
  Reply emergency = Gate(artifact, "production", {{"change", ekey}});
  EXPECT_EQ(emergency.json()["decision"], "allow") << emergency.body;
  const auto flags = emergency.json()["flags"];
  EXPECT_NE(std::find(flags.begin(), flags.end(), "emergency_in_freeze"), flags.end()) << emergency.body;
  EXPECT_NE(std::find(flags.begin(), flags.end(), "emergency_before_approval"), flags.end()) << emergency.body;

  Reply lifted = http().Json("POST", "/api/v1/freezes/" + added.json()["id"].get<std::string>() + "/lift",
                             nlohmann::json::object(), p().admin.token);
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  EXPECT_FALSE(lifted.json()["lifted_at"].is_null());
  EXPECT_EQ(Gate(artifact, "production", {{"change", "CHG-1"}}).json()["decision"], "allow");
  Reply list = http().Get("/api/v1/freezes?all=true", p().admin.token);
  ASSERT_EQ(list.json()["items"].size(), 1u);
  Reply bad = http().Json("POST", "/api/v1/freezes",
                          {{"description", "x"},
                           {"environments", {"moon"}},
                           {"start", "2026-09-23T00:00:00Z"},
                           {"end", "2026-09-22T00:00:00Z"}},
                          p().admin.token);
  EXPECT_TRUE(IsProblem(bad, 422, "validation-failed"));
  EXPECT_EQ(bad.json()["errors"].size(), 3u) << bad.body;  // order, already over, unknown environment
}

TEST_F(PipelineTest, RepeatedQuestionsFollowTheClockAndEveryChangeToControlData) {
  InWindow();
  const std::string key = ApprovedChange("production");
  const nlohmann::json artifact = {{"commit_sha", "abcdef1234"}};
  EXPECT_EQ(Gate(artifact).json()["decision"], "allow");
  EXPECT_EQ(Gate(artifact).json()["decision"], "allow");  // the same question: inputs from memory
  // The window closes while nothing in the database changes.
  manual_clock_.Set(*ParseRfc3339("2026-09-22T07:00:01Z"));
  EXPECT_EQ(Codes(Gate(artifact)), std::vector<std::string>{"outside_window"});
  InWindow();
  EXPECT_EQ(Gate(artifact).json()["decision"], "allow");
  // A change made through the API counts from the next question on.
  Reply voided =
      http().Edit("/api/v1/changes/" + key, {{"rollback_plan", "Redeploy v41 and restore"}}, p().alice.token);
  ASSERT_EQ(voided.status, 200) << voided.body;
  EXPECT_EQ(Codes(Gate(artifact)), std::vector<std::string>{"approvals_voided"});
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  if (Get(key)["state"] != "approved") {
    ASSERT_EQ(Decide(key, p().sam).status, 201);
  }
  EXPECT_EQ(Gate(artifact).json()["decision"], "allow");

  // Another process writes to the same database (the CLI, an operator's
  // script, another server on PostgreSQL): this server has not seen it when
  // the next question comes.
  {
    auto other = sql::OpenStore({.db = server().db_path(), .migrate = false}, manual_clock_);
    ASSERT_TRUE(other.ok()) << other.status().message();
    Freeze f;
    f.id = "frz_elsewhere";
    f.description = "Declared by another process";
    f.environments = {"production"};
    f.start = *ParseRfc3339("2026-09-22T00:00:00Z");
    f.end = *ParseRfc3339("2026-09-23T00:00:00Z");
    f.created_by = "ops";
    f.created_at = manual_clock_.Now();
    // Recorded as the product records it: the row and its event.
    const AuditLog log(manual_clock_, nullptr);
    ASSERT_TRUE(
        (*other)
            ->Write([&](Tx& tx) -> Status {
              CL_RETURN_IF_ERROR(tx.Pipeline().InsertFreeze(f));
              AuditRecord rec{"freeze.add", "freeze", f.id};
              rec.after = FreezeJson(f);
              return log.Append(tx, AuditContext{{"usr_ops", "ops", "cli", ""}, "other-process", ""}, rec).status();
            })
            .ok());
  }
  // Decided on what the server knew, then decided again in the transaction
  // that records it: the answer and the record both say deny.
  Reply frozen = Gate(artifact);
  EXPECT_EQ(Codes(frozen), std::vector<std::string>{"freeze"}) << frozen.body;
  EXPECT_EQ(frozen.json()["deployment"]["decision"], "deny") << frozen.body;
  Reply recorded = http().Get("/api/v1/deployments?service=payments", p().admin.token);
  ASSERT_EQ(recorded.status, 200) << recorded.body;
  bool found = false;
  const nlohmann::json listed = recorded.json(), answer = frozen.json();
  for (const auto& d : listed["items"]) {
    if (d["id"] == answer["deployment"]["id"]) {
      found = true;
      EXPECT_EQ(d["decision"], "deny") << d.dump();
      EXPECT_EQ(d["reasons"][0]["code"], "freeze") << d.dump();
    }
  }
  EXPECT_TRUE(found) << recorded.body;
  EXPECT_EQ(Codes(Gate(artifact)), std::vector<std::string>{"freeze"});
}

TEST_F(PipelineTest, DeploymentsWithoutAnApprovedChangeBecomeFindings) {
  InWindow();
  const std::string key = ApprovedChange("production");
  Reply ok = http().Json("POST", "/api/v1/deployments",
                         {{"service", "payments"},
                          {"environment", "production"},
                          {"change", key},
                          {"artifact", {{"commit_sha", "abcdef1234"}}},
                          {"status", "success"},
                          {"url", "https://ci.example.com/runs/7"}},
                         ci_.token);
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_TRUE(ResponseSchemaErrors(server().api(), "POST", "/api/v1/deployments", ok.json()).empty()) << ok.body;
  EXPECT_EQ(ok.json()["deployment"]["decision"], "authorized");
  EXPECT_EQ(ok.json()["evidence"]["kind"], "pipeline_run");
  EXPECT_TRUE(ok.json()["finding"].is_null());

  Reply rogue = http().Json("POST", "/api/v1/deployments",
                            {{"service", "ledger"},
                             {"environment", "production"},
                             {"artifact", {{"image_digest", "sha256:" + std::string(64, 'a')}}},
                             {"status", "success"}},
                            ci_.token);
  ASSERT_EQ(rogue.status, 201) << rogue.body;
  EXPECT_EQ(rogue.json()["deployment"]["decision"], "unauthorized");
  EXPECT_EQ(rogue.json()["finding"]["kind"], "unauthorized_change");
  EXPECT_EQ(rogue.json()["finding"]["severity"], "high");
  Reply staging = http().Json("POST", "/api/v1/deployments",
                              {{"service", "ledger"},
                               {"environment", "staging"},
                               {"artifact", {{"commit_sha", "abcdef1234"}}},
                               {"status", "success"}},
                              ci_.token);
  EXPECT_EQ(staging.json()["finding"]["severity"], "medium");
  Reply findings = http().Get("/api/v1/findings?kind=unauthorized_change", p().admin.token);
  ASSERT_EQ(findings.status, 200) << findings.body;
  EXPECT_EQ(findings.json()["items"].size(), 2u);
}

}  // namespace
}  // namespace cl::testing
