// The change policy: loading YAML with useful errors, evaluating changes,
// templates, the shipped default policy and its test cases, and the
// material-content hash approvals are bound to.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/change_rules.h"
#include "ingest/policy_cases.h"
#include "ingest/policy_yaml.h"

namespace cl {
namespace {

std::string ReadRepoFile(const std::string& rel) {
  std::ifstream in(std::string(CL_SOURCE_DIR) + "/" + rel);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::shared_ptr<const Policy> DefaultPolicy() {
  auto p = ParsePolicy(ReadRepoFile("policy/default-policy.yaml"));
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : nullptr;
}

ChangeContent Content(const nlohmann::json& j) {
  auto c = ContentFromJson(j);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? *c : ChangeContent{};
}

bool HasError(const Status& s, const std::string& field, const std::string& text) {
  for (const FieldError& e : s.field_errors()) {
    if (e.field == field && e.message.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(PolicyTest, ShippedDefaultPolicyLoadsAndItsTestCasesPass) {
  auto policy = DefaultPolicy();
  ASSERT_TRUE(policy);
  EXPECT_EQ(policy->name, "Default change policy");
  auto results = RunPolicyCases(*policy, ReadRepoFile("policy/default-policy.test.yaml"));
  ASSERT_TRUE(results.ok()) << results.status().message();
  ASSERT_GE(results->size(), 5u);
  for (const PolicyCaseResult& r : *results) {
    EXPECT_TRUE(r.passed()) << r.name << ": " << (r.failures.empty() ? "" : r.failures.front());
  }
}

TEST(PolicyTest, BrokenPolicyListsEveryProblemWithLineAndColumn) {
  const std::string yaml =
      "format: 1\n"
      "name: Broken\n"
      "environments: [production]\n"
      "categories:\n"
      "  technical: {required_fields: [test_plan, colour]}\n"
      "risk:\n"
      "  rules:\n"
      "    - id: iam\n"
      "      when: {impact: [identity]}\n"
      "      risk: hihg\n"
      "approvals:\n"
      "  - id: x\n"
      "    require: [nobody]\n"
      "surprise: true\n";
  auto p = ParsePolicy(yaml);
  ASSERT_FALSE(p.ok());
  const Status& s = p.status();
  EXPECT_TRUE(HasError(s, "/categories/technical/required_fields/1", "line 5")) << s.message();
  EXPECT_TRUE(HasError(s, "/categories/technical/required_fields/1", "'colour' is not a change field"));
  EXPECT_TRUE(HasError(s, "/risk/rules/0/when/impact/0", "line 9"));
  EXPECT_TRUE(
      HasError(s, "/risk/rules/0/risk", "line 10, column 13: 'hihg' is not one of low, medium, high, critical"));
  EXPECT_TRUE(HasError(s, "/approvals/0/require/0", "'nobody' is not listed under approver_roles"));
  EXPECT_TRUE(HasError(s, "/surprise", "line 14"));
  EXPECT_EQ(s.field_errors().size(), 5u);
  EXPECT_EQ(s.message(), "the policy has 5 problem(s)");
}

TEST(PolicyTest, YamlSyntaxErrorNamesTheLine) {
  auto p = ParsePolicy("format: 1\nname: [unclosed\n");
  ASSERT_FALSE(p.ok());
  ASSERT_EQ(p.status().field_errors().size(), 1u);
  EXPECT_NE(p.status().field_errors()[0].message.find("line "), std::string::npos);
}

// Policies are uploaded by people (POST /api/v1/policies, `policy publish`):
// text that made yaml-cpp 0.7 loop forever, or that expands without bound,
// is refused by the libyaml check in front of it, with the place named.
TEST(PolicyTest, HostileYamlIsRefusedBeforeYamlCppSeesIt) {
  const std::vector<std::string> hostile = {
      ",apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadaapiVtersion: v1a",
      ", \"list\"]\n- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  veapiVersih\nstringData:\n",
      std::string(100, '[') + std::string(100, ']'),
      "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
      "format: 1\n---\nformat: 1\n",  // one policy per file
  };
  for (const std::string& text : hostile) {
    auto p = ParsePolicy(text);
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.status().code(), ErrorCode::kInvalidArgument) << text;
    ASSERT_EQ(p.status().field_errors().size(), 1u) << text;
    EXPECT_NE(p.status().field_errors()[0].message.find("line "), std::string::npos)
        << p.status().field_errors()[0].message;
    auto cases = RunPolicyCases(*ParsePolicy(ReadRepoFile("policy/default-policy.yaml")).value(), text);
    EXPECT_FALSE(cases.ok()) << text;
  }
}

TEST(PolicyTest, RiskRulesExplainWhyAndUnknownCountsAsYes) {
  auto policy = DefaultPolicy();
  ASSERT_TRUE(policy);
  const Assessment a =
      Evaluate(*policy, Content({{"type", "normal"},
                                 {"environment", "production"},
                                 {"category", "technical"},
                                 {"security_impact", {{"identity_access", {{"answer", "unknown"}}}}}}));
  EXPECT_EQ(a.risk, Risk::kHigh);
  ASSERT_EQ(a.risk_rules.size(), 2u);
  EXPECT_EQ(a.risk_rules[0].id, "production");
  EXPECT_EQ(a.risk_rules[1].id, "identity-access");
  EXPECT_EQ(a.required_roles, (std::vector<std::string>{"security", "service_owner"}));
  EXPECT_EQ(a.min_distinct_approvers, 2);
  EXPECT_EQ(a.Decision(ChangeType::kNormal), "incomplete");  // plans missing

  const Assessment low = Evaluate(*policy, Content({{"type", "normal"},
                                                    {"environment", "staging"},
                                                    {"category", "technical"},
                                                    {"security_impact", {{"identity_access", {{"answer", "no"}}}}}}));
  EXPECT_EQ(low.risk, Risk::kLow);
  EXPECT_TRUE(low.risk_rules.empty());
}

TEST(PolicyTest, StandardTemplateFillsThePlansAndChecksParameters) {
  auto policy = DefaultPolicy();
  ASSERT_TRUE(policy);
  ChangeContent in =
      Content({{"type", "standard"},
               {"service", "web"},
               {"environment", "staging"},
               {"template", {{"id", "rotate-tls-certificate"}, {"parameters", {{"certificate", "www"}}}}}});
  auto out = ApplyTemplate(*policy, in);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->title, "Rotate TLS certificate www on web");
  EXPECT_EQ(out->category, "technical");
  EXPECT_NE(out->implementation_plan.find("deploy it to web"), std::string::npos);

  in.template_params = {{"certificate", 7}, {"extra", "x"}};
  auto bad = ApplyTemplate(*policy, in);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(HasError(bad.status(), "/template/parameters/certificate", "must be a string"));
  EXPECT_TRUE(HasError(bad.status(), "/template/parameters/extra", "not a parameter"));
}

TEST(PolicyTest, FreezeWindowsBlockAllButAllowedTypes) {
  const std::string yaml = ReadRepoFile("policy/default-policy.yaml");
  const std::string frozen = yaml.substr(0, yaml.find("freeze_windows: []")) +
                             "freeze_windows:\n"
                             "  - id: year-end\n"
                             "    environments: [production]\n"
                             "    start: 2026-12-20T00:00:00Z\n"
                             "    end: 2027-01-03T00:00:00Z\n"
                             "    allow_types: [emergency]\n" +
                             yaml.substr(yaml.find("freeze_windows: []") + 18);
  auto p = ParsePolicy(frozen);
  ASSERT_TRUE(p.ok()) << p.status().message();
  const Timestamp t = *ParseRfc3339("2026-12-24T10:00:00Z");
  EXPECT_EQ(FreezesHit(**p, "production", ChangeType::kNormal, t, t + 1).size(), 1u);
  EXPECT_TRUE(FreezesHit(**p, "production", ChangeType::kEmergency, t, t + 1).empty());
  EXPECT_TRUE(FreezesHit(**p, "staging", ChangeType::kNormal, t, t + 1).empty());
}

// R000-09: an emergency states which of the policy's qualifying reasons
// applies; another reason, or a reason on a normal change, is a problem.
TEST(PolicyTest, EmergenciesNameAQualifyingReason) {
  auto p = DefaultPolicy();
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->emergency.reasons.size(), 3u);
  EXPECT_EQ(p->emergency.reasons[0].id, "outage");
  ChangeContent c = Content({{"type", "emergency"}, {"environment", "production"}, {"category", "technical"}});
  Assessment none = Evaluate(*p, c);
  ASSERT_FALSE(none.missing_fields.empty());
  EXPECT_EQ(none.missing_fields.back().field, "/emergency_reason");
  EXPECT_NE(none.missing_fields.back().message.find("outage, security_incident, regulatory_deadline"),
            std::string::npos)
      << none.missing_fields.back().message;
  c.emergency_reason = "marketing_launch";
  Assessment other = Evaluate(*p, c);
  ASSERT_EQ(other.problems.size(), 1u);
  EXPECT_NE(other.problems[0].message.find("does not qualify as an emergency"), std::string::npos);
  c.emergency_reason = "outage";
  EXPECT_TRUE(Evaluate(*p, c).problems.empty());
  c.type = ChangeType::kNormal;
  Assessment normal = Evaluate(*p, c);
  ASSERT_EQ(normal.problems.size(), 1u);
  EXPECT_EQ(normal.problems[0].field, "/emergency_reason");
  // Stored only when given: the material hash of a change without one is what it always was.
  EXPECT_FALSE(ContentToJson(Content({{"title", "x"}})).contains("emergency_reason"));
  EXPECT_EQ(ContentToJson(c)["emergency_reason"], "outage");
}

TEST(ChangeContentTest, MaterialHashIgnoresDescriptionAndStakeholdersOnly) {
  ChangeContent c = Content({{"title", "Open port 443"}, {"service", "edge"}, {"environment", "production"}});
  const std::string h = MaterialHash(c);
  EXPECT_EQ(h.size(), 71u);
  ChangeContent d = c;
  d.description = "more words";
  d.stakeholders = {"support"};
  EXPECT_EQ(MaterialHash(d), h);
  ChangeContent e = c;
  e.rollback_plan = "close it again";
  EXPECT_NE(MaterialHash(e), h);
  ChangeContent f = c;
  f.planned_end = Timestamp{1};
  EXPECT_NE(MaterialHash(f), h);
}

TEST(ChangeContentTest, StrictInputReportsEveryBadField) {
  auto c = ContentFromJson({{"type", "urgent"},
                            {"colour", "red"},
                            {"security_impact", {{"identity_access", {{"answer", "maybe"}}}, {"weather", "no"}}},
                            {"planned_window",
                             {{"start", "2026-12-01T10:00:00+01:00"},
                              {"end", "2026-12-01T08:00:00Z"},
                              {"timezone", "Europe/Berlin; DROP"}}}});
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(HasError(c.status(), "/type", "'urgent' is not one of standard, normal, emergency"));
  EXPECT_TRUE(HasError(c.status(), "/colour", "unknown field"));
  EXPECT_TRUE(HasError(c.status(), "/security_impact/identity_access/answer", "'maybe'"));
  EXPECT_TRUE(HasError(c.status(), "/security_impact/weather", "unknown question"));
  EXPECT_TRUE(HasError(c.status(), "/planned_window/end", "after the start"));
  EXPECT_TRUE(HasError(c.status(), "/planned_window/timezone", "IANA time zone name"));
  // The offset is applied: 10:00+01:00 is 09:00Z.
  auto ok = ContentFromJson({{"planned_window", {{"start", "2026-12-01T10:00:00+01:00"}}}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(FormatRfc3339(*ok->planned_start), "2026-12-01T09:00:00.000000Z");
}

TEST(AssessmentTest, StoredFormReadsBackToTheSameValue) {
  Assessment a;
  a.risk = Risk::kHigh;
  a.risk_rules = {{"prod-db", "production database", "risk high"}};
  a.required_roles = {"dba", "security"};
  a.approval_rules = {{"two-person", "two approvers", "requires dba, security"}};
  a.min_distinct_approvers = 2;
  a.problems = {{"/category", "unknown category"}};
  a.closure_evidence = {EvidenceKind::kTestResult, EvidenceKind::kAfterSnapshot};
  a.start_evidence = {EvidenceKind::kTestResult};
  a.approval_evidence = {EvidenceKind::kPullRequest};
  a.snapshots_required = true;
  const nlohmann::json stored = a.ToJson(ChangeType::kNormal);
  EXPECT_EQ(stored["decision"], "incomplete");
  auto back = AssessmentFromJson(stored);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(ChangeType::kNormal), stored);
  EXPECT_EQ(back->closure_evidence, a.closure_evidence);
  EXPECT_EQ(back->start_evidence, a.start_evidence);
  EXPECT_EQ(back->approval_evidence, a.approval_evidence);
  EXPECT_EQ(back->risk, Risk::kHigh);
  EXPECT_TRUE(back->snapshots_required);
}

TEST(AssessmentTest, AStoredAssessmentOfTheWrongShapeIsDataLossNamingTheField) {
  auto wrong = AssessmentFromJson({{"risk", "high"}, {"required_roles", "dba"}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), ErrorCode::kDataLoss);
  EXPECT_NE(wrong.status().message().find("required_roles"), std::string::npos);
  EXPECT_EQ(AssessmentFromJson({{"risk", "extreme"}}).status().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(AssessmentFromJson(nlohmann::json::array()).status().code(), ErrorCode::kDataLoss);
  // Members written by later versions are optional on read: defaults apply.
  auto minimal = AssessmentFromJson({{"risk", "low"}});
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(minimal->min_distinct_approvers, 1);
}

TEST(ChangeRulesTest, ImplementerAloneIsNeverEnoughAndVoidedApprovalsDoNotCount) {
  Change c;
  c.requestor = "alice";
  c.content.implementer = "ivan";
  c.assessment = Assessment{};
  c.assessment->required_roles = {"service_owner"};
  Approval mine;
  mine.approver = "ivan";
  mine.role = "service_owner";
  auto p = ComputeApprovalProgress(c, {mine});
  EXPECT_FALSE(p.complete);
  EXPECT_FALSE(p.independent);
  Approval bob = mine;
  bob.approver = "bob";
  EXPECT_TRUE(ComputeApprovalProgress(c, {mine, bob}).complete);
  bob.voided_at = Timestamp{5};
  EXPECT_FALSE(ComputeApprovalProgress(c, {mine, bob}).complete);
}

}  // namespace
}  // namespace cl
