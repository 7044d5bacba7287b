// Change control for a small team (C1): change freezes that refuse normal
// changes but not emergencies, the compensating control when there is no
// independent approver, and the endings (reject, cancel, fail, roll back).
#include "tests/api/change_api_fixture.h"

namespace cl::testing {
namespace {

// The scenario policy with a change freeze on staging and the small-team
// compensating control switched on.
std::string FrozenSmallTeamPolicy() {
  std::string p = kScenarioPolicy;
  const std::string sod = "  self_approval: with_independent_approver\n";
  p.replace(p.find(sod), sod.size(),
            sod + "  compensating_control: {allowed: true, description: Independent review within 5 days}\n");
  p += "freeze_windows:\n"
       "  - id: quarter-close\n"
       "    description: Finance quarter close\n"
       "    environments: [staging]\n"
       "    start: 2026-09-22T00:00:00Z\n"
       "    end: 2026-09-23T00:00:00Z\n"
       "    allow_types: [emergency]\n";
  return p;
}

class SmallTeamTest : public ApiTest {
 protected:
  void SetUp() override {
    options_.clock = &manual_clock_;
    options_.policy_yaml = FrozenSmallTeamPolicy();
    people_ = std::make_unique<ChangePeople>(server());
  }
  Reply Post(const std::string& path, const nlohmann::json& body, const TestUser& who) {
    return http().Json("POST", path, body, who.token);
  }
  std::string Create(nlohmann::json in) {
    Reply r = Post("/api/v1/changes", in, people_->alice);
    EXPECT_EQ(r.status, 201) << r.body;
    return "/api/v1/changes/" + r.json().value("key", "");
  }
  std::unique_ptr<ChangePeople> people_;
};

TEST_F(SmallTeamTest, FreezeWindowsRefuseNormalChangesButNotEmergencies) {
  ChangePeople& p = *people_;
  const std::string normal = Create(NormalChange("staging", false));
  Reply refused = Post(normal + "/submit", nlohmann::json::object(), p.alice);
  EXPECT_TRUE(IsProblem(refused, 409, "requirements-not-met")) << refused.body;
  EXPECT_TRUE(Has(refused.body, "quarter-close")) << refused.body;
  EXPECT_EQ(http().Get(normal, p.admin.token).json()["state"], "draft");

  nlohmann::json em = NormalChange("staging", false);
  em["type"] = "emergency";
  const std::string emergency = Create(em);
  ASSERT_EQ(Post(emergency + "/submit", nlohmann::json::object(), p.alice).status, 200);
  ASSERT_EQ(Post(emergency + "/start", nlohmann::json::object(), p.ivan).status, 200);
}

TEST_F(SmallTeamTest, CompensatingControlNeedsAnIndependentPostImplementationReview) {
  ChangePeople& p = *people_;
  nlohmann::json in = NormalChange("production", false);
  const std::string c = Create(in);
  ASSERT_EQ(Post(c + "/submit", nlohmann::json::object(), p.alice).status, 200);
  EXPECT_TRUE(IsProblem(Post(c + "/approvals", {{"decision", "approve"}}, p.ivan), 403, "segregation-of-duties"));
  Reply own = Post(c + "/approvals", {{"decision", "approve"}, {"compensating_control", true}}, p.ivan);
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_TRUE(own.json()["compensating_control"].get<bool>());
  nlohmann::json approved = http().Get(c, p.admin.token).json();
  EXPECT_EQ(approved["state"], "approved");
  EXPECT_TRUE(approved["needs_independent_review"].get<bool>());
  ASSERT_EQ(Post(c + "/schedule", nlohmann::json::object(), p.alice).status, 200);
  ASSERT_EQ(Post(c + "/start", nlohmann::json::object(), p.ivan).status, 200);
  ASSERT_EQ(Post(c + "/complete", nlohmann::json::object(), p.ivan).status, 200);
  ASSERT_EQ(Post(c + "/evidence",
                 {{"kind", "test_result"}, {"outcome", "success"}, {"url", "https://ci.example.com/1"}}, p.alice)
                .status,
            201);
  ASSERT_EQ(Post(c + "/verify", VerificationChecklist(), p.alice).status, 200);
  Reply early = Post(c + "/close", nlohmann::json::object(), p.alice);
  EXPECT_TRUE(IsProblem(early, 409, "requirements-not-met"));
  EXPECT_TRUE(Has(early.body, "/reviews/post_implementation")) << early.body;
  nlohmann::json review = {{"kind", "post_implementation"}, {"outcome", "accepted"}, {"notes", "Matches the plan"}};
  EXPECT_TRUE(IsProblem(Post(c + "/reviews", review, p.ivan), 403, "segregation-of-duties"));
  ASSERT_EQ(Post(c + "/reviews", review, p.bob).status, 201);
  ASSERT_EQ(Post(c + "/close", nlohmann::json::object(), p.alice).status, 200);
}

TEST_F(SmallTeamTest, RejectCancelFailAndRollbackEndTheirChanges) {
  ChangePeople& p = *people_;
  const std::string rejected = Create(NormalChange("production", false));
  ASSERT_EQ(Post(rejected + "/submit", nlohmann::json::object(), p.alice).status, 200);
  ASSERT_EQ(Post(rejected + "/approvals", {{"decision", "reject"}, {"comment", "Do it after the sale"}}, p.bob).status,
            201);
  EXPECT_EQ(http().Get(rejected, p.admin.token).json()["state"], "rejected");
  EXPECT_TRUE(IsProblem(Post(rejected + "/approvals", {{"decision", "approve"}}, p.sam), 409, "conflict"));
  EXPECT_TRUE(IsProblem(http().Edit(rejected, {{"title", "again"}}, p.alice.token), 409, "conflict"));

  const std::string cancelled = Create(NormalChange("production", false));
  EXPECT_TRUE(IsProblem(Post(cancelled + "/cancel", nlohmann::json::object(), p.alice), 422, "validation-failed"));
  ASSERT_EQ(Post(cancelled + "/cancel", {{"note", "Duplicate of CHG-1"}}, p.alice).status, 200);
  EXPECT_TRUE(IsProblem(Post(cancelled + "/submit", nlohmann::json::object(), p.alice), 409, "conflict"));

  const std::string failed = Create(NormalChange("production", false));
  ASSERT_EQ(Post(failed + "/submit", nlohmann::json::object(), p.alice).status, 200);
  ASSERT_EQ(Post(failed + "/approvals", {{"decision", "approve"}}, p.bob).status, 201);
  ASSERT_EQ(Post(failed + "/schedule", nlohmann::json::object(), p.alice).status, 200);
  ASSERT_EQ(Post(failed + "/start", nlohmann::json::object(), p.ivan).status, 200);
  ASSERT_EQ(Post(failed + "/fail", {{"note", "Pods crash-looped"}}, p.ivan).status, 200);
  Reply back = Post(failed + "/rollback", {{"note", "Reverted the chart"}}, p.ivan);
  ASSERT_EQ(back.status, 200) << back.body;
  const nlohmann::json done = http().Get(failed, p.admin.token).json();
  EXPECT_EQ(done["state"], "rolled_back");
  EXPECT_EQ(done["transitions"].back()["note"], "Reverted the chart");
}

}  // namespace
}  // namespace cl::testing
