// Independent approval and verification (C2, R001-07, R001-11): the
// requestor's and implementer's own approvals never count and say so, an
// approver does not implement what they approved, the implementer does not
// verify their own work, the verification waits for the closure evidence,
// and a rejection says why. Each refusal carries the reason the UI shows.
#include "tests/api/change_api_fixture.h"

namespace cl::testing {
namespace {

using IndependenceTest = ChangeApiTest;

nlohmann::json ApprovalBy(const nlohmann::json& change, const std::string& approver) {
  for (const auto& a : change["approvals"]) {
    if (a["approver"] == approver) return a;
  }
  return nullptr;
}

TEST_F(IndependenceTest, TheRequestorsOwnApprovalIsRecordedButNeverCounts) {
  // High risk: service owner and security, two distinct approvers. ivan
  // requests it and is one of the service's owners; alice implements.
  nlohmann::json in = NormalChange("production", /*iam=*/true);
  in["implementer"] = "alice";
  const std::string key = Create(in, &p().ivan);
  ASSERT_EQ(Act(key, "submit", p().ivan).status, 200);
  // Alone, the requestor may not approve at all (the policy wants an independent approver first).
  Reply alone = Decide(key, p().ivan);
  EXPECT_TRUE(IsProblem(alone, 403, "segregation-of-duties")) << alone.body;
  EXPECT_TRUE(Has(alone.body, "you requested CHG-1")) << alone.body;
  ASSERT_EQ(Decide(key, p().sam).status, 201);
  // Beside sam's approval it is recorded, marked, and counts for nothing.
  Reply own = Decide(key, p().ivan, "approve", {{"comment", "looks right to me"}});
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_FALSE(own.json()["counted"].get<bool>()) << own.body;
  EXPECT_TRUE(Has(own.json()["not_counted_reason"], "requestor's own approval never counts")) << own.body;
  nlohmann::json c = Get(key);
  EXPECT_EQ(c["state"], "submitted") << "fdc54ec counted it: 2 of 2 distinct approvers";
  EXPECT_EQ(c["approval"]["distinct_approvers"], 1);
  EXPECT_FALSE(c["approval"]["complete"].get<bool>());
  EXPECT_EQ(c["approval"]["not_counted"].size(), 1u) << c["approval"].dump(2);
  EXPECT_FALSE(ApprovalBy(c, "ivan")["counted"].get<bool>());
  EXPECT_TRUE(ApprovalBy(c, "sam")["counted"].get<bool>());
  // The service-owner role is still outstanding: an independent owner gives it.
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  c = Get(key);
  EXPECT_EQ(c["state"], "approved");
  EXPECT_EQ(c["approval"]["distinct_approvers"], 2);
  for (const auto& r : c["approval"]["roles"]) EXPECT_NE(r["approved_by"], "ivan") << r.dump();
}

TEST_F(IndependenceTest, AnApproverMayNotImplementTheChangeTheyApproved) {
  nlohmann::json in = NormalChange("staging", false);
  in.erase("implementer");  // whoever starts it
  const std::string key = Create(in);
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  ASSERT_EQ(Decide(key, p().ivan).status, 201);  // ivan owns payments: an independent approval
  ASSERT_EQ(Get(key)["state"], "approved");
  ASSERT_EQ(Act(key, "schedule", p().alice).status, 200);
  Reply start = Act(key, "start", p().ivan);
  EXPECT_TRUE(IsProblem(start, 403, "segregation-of-duties")) << start.body;
  EXPECT_TRUE(Has(start.body, "an approver may not implement the change they approved")) << start.body;
  // The UI offers ivan no start, for the same reason.
  const nlohmann::json permits = http().Get("/api/v1/changes/" + key, p().ivan.token).json()["permits"]["actions"];
  EXPECT_EQ(std::find(permits.begin(), permits.end(), "start"), permits.end()) << permits.dump();
  ASSERT_EQ(Act(key, "start", p().alice).status, 200);
  EXPECT_EQ(Get(key)["implementer"], "alice");
}

TEST_F(IndependenceTest, TheImplementerDoesNotVerifyAndVerificationWaitsForTheEvidence) {
  const std::string key = Create(NormalChange("staging", false));  // ivan implements
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  ASSERT_EQ(Act(key, "schedule", p().alice).status, 200);
  ASSERT_EQ(Act(key, "start", p().ivan).status, 200);
  ASSERT_EQ(Act(key, "complete", p().ivan).status, 200);
  // Before any evidence: refused, naming what is missing.
  Reply early = Act(key, "verify", p().alice, VerificationChecklist());
  EXPECT_TRUE(IsProblem(early, 409, "requirements-not-met")) << early.body;
  EXPECT_EQ(early.json()["errors"][0]["pointer"], "#/evidence/test_result") << early.body;
  Evidence(key, "test_result");
  // The implementer attests nothing about their own work.
  Reply own = Act(key, "verify", p().ivan, VerificationChecklist());
  EXPECT_TRUE(IsProblem(own, 403, "segregation-of-duties")) << own.body;
  EXPECT_TRUE(Has(own.body, "you implemented CHG-1")) << own.body;
  const nlohmann::json permits = http().Get("/api/v1/changes/" + key, p().ivan.token).json()["permits"]["actions"];
  EXPECT_EQ(std::find(permits.begin(), permits.end(), "verify"), permits.end()) << permits.dump();
  // Close before verification is refused too.
  Reply close = Act(key, "close", p().alice);
  EXPECT_TRUE(IsProblem(close, 409, "conflict")) << close.body;
  EXPECT_TRUE(Has(close.body, "close is possible only from verified")) << close.body;
  ASSERT_EQ(Act(key, "verify", p().alice, VerificationChecklist()).status, 200);
  const nlohmann::json verified = Get(key);
  EXPECT_EQ(verified["verification"]["by"], "alice");
  ASSERT_EQ(Act(key, "close", p().alice).status, 200);
}

TEST_F(IndependenceTest, ARejectionSaysWhy) {
  const std::string key = Create(NormalChange("staging", false));
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  Reply bare = Decide(key, p().bob, "reject");
  EXPECT_TRUE(IsProblem(bare, 422, "validation-failed")) << bare.body;
  EXPECT_EQ(bare.json()["errors"][0]["pointer"], "#/comment") << bare.body;
  EXPECT_EQ(Get(key)["state"], "submitted") << "nothing recorded";
  Reply why = Decide(key, p().bob, "reject", {{"comment", "No load test result for 12 workers"}});
  ASSERT_EQ(why.status, 201) << why.body;
  const nlohmann::json c = Get(key);
  EXPECT_EQ(c["state"], "rejected");
  EXPECT_EQ(ApprovalBy(c, "bob")["comment"], "No load test result for 12 workers");
}

// R000-08: approvals are due within the policy's SLA for the change's risk;
// a change still waiting after it is shown overdue, until it is approved.
TEST_F(IndependenceTest, ApprovalsAreDueWithinTheSlaOfTheirRisk) {
  const std::string low = Create(NormalChange("staging", false));
  const std::string high = Create(NormalChange("staging", /*iam=*/true));
  ASSERT_EQ(Act(low, "submit", p().alice).status, 200);
  ASSERT_EQ(Act(high, "submit", p().alice).status, 200);
  nlohmann::json l = Get(low);
  EXPECT_EQ(l["assessment"]["approval_sla_hours"], 24);
  EXPECT_EQ(*ParseRfc3339(l["approval_due"].get<std::string>()),
            *ParseRfc3339(l["submitted_at"].get<std::string>()) + 24 * 3600 * kMicrosPerSecond);
  EXPECT_FALSE(l["approval_overdue"].get<bool>());
  manual_clock_.Advance(5 * 3600 * kMicrosPerSecond);
  EXPECT_TRUE(Get(high)["approval_overdue"].get<bool>()) << "high risk: 4 hours";
  EXPECT_FALSE(Get(low)["approval_overdue"].get<bool>());
  manual_clock_.Advance(20 * 3600 * kMicrosPerSecond);
  EXPECT_TRUE(Get(low)["approval_overdue"].get<bool>());
  ASSERT_EQ(Decide(low, p().bob).status, 201);
  l = Get(low);
  EXPECT_EQ(l["state"], "approved");
  EXPECT_FALSE(l["approval_overdue"].get<bool>()) << "approved late, no longer waiting";
}

}  // namespace
}  // namespace cl::testing
