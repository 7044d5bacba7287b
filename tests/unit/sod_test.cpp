// Segregation of duties (core/sod.h) as one module: who counts as involved,
// when approving needs the compensating control, independent reviewers, and
// the gate's sod_not_met reason.
#include <gtest/gtest.h>

#include "core/change_rules.h"
#include "core/policy.h"
#include "core/sod.h"

namespace cl::testing {
namespace {

Change Submitted() {
  Change c;
  c.number = 7;
  c.state = ChangeState::kSubmitted;
  c.requestor = "alice";
  c.content.implementer = "ivan";
  c.assessment = Assessment{};
  c.assessment->min_distinct_approvers = 2;
  return c;
}

Principal As(std::string name) {
  Principal p;
  p.username = std::move(name);
  return p;
}

Approval By(std::string approver, bool compensating = false) {
  Approval a;
  a.approver = std::move(approver);
  a.compensating = compensating;
  return a;
}

TEST(SodTest, RequestorAssignedAndActualImplementerAreInvolved) {
  Change c = Submitted();
  c.implementer = "ines";  // started by someone other than the assignee
  for (const char* who : {"alice", "ivan", "ines"}) EXPECT_TRUE(IsInvolved(c, who)) << who;
  EXPECT_FALSE(IsInvolved(c, "bob"));
}

TEST(SodTest, AnInvolvedApproverNeedsAnIndependentOneFirstOrTheCompensatingControl) {
  const Change c = Submitted();
  Policy policy;
  EXPECT_FALSE(ApprovalNeedsCompensation(As("bob"), c, {}, policy));
  EXPECT_TRUE(ApprovalNeedsCompensation(As("alice"), c, {}, policy));
  EXPECT_FALSE(ApprovalNeedsCompensation(As("alice"), c, {By("bob")}, policy));
  EXPECT_EQ(CheckIndependentApprover(As("alice"), c, {}, policy, false).code(), ErrorCode::kSodViolation);
  // Asking for the compensating control helps only where the policy has one.
  EXPECT_EQ(CheckIndependentApprover(As("alice"), c, {}, policy, true).code(), ErrorCode::kSodViolation);
  policy.sod.compensating_control = true;
  EXPECT_TRUE(CheckIndependentApprover(As("alice"), c, {}, policy, true).ok());
  // Refusing self-approval outright: even after an independent approval.
  policy.sod.compensating_control = false;
  policy.sod.self_approval = SelfApproval::kRefuse;
  const Status refused = CheckIndependentApprover(As("alice"), c, {By("bob")}, policy, false);
  EXPECT_EQ(refused.code(), ErrorCode::kSodViolation);
  EXPECT_NE(refused.message().find("may not approve their own"), std::string::npos) << refused.message();
}

TEST(SodTest, TheOnlyApproverMayNotStartUnlessCompensated) {
  const Change c = Submitted();
  EXPECT_EQ(MayStartGiven(As("bob"), c, {By("bob")}).code(), ErrorCode::kSodViolation);
  EXPECT_TRUE(MayStartGiven(As("bob"), c, {By("bob"), By("carol")}).ok());
  EXPECT_TRUE(MayStartGiven(As("bob"), c, {By("bob", true)}).ok());
  Approval voided = By("carol");
  voided.voided_at = Timestamp{1};
  EXPECT_EQ(MayStartGiven(As("bob"), c, {By("bob"), voided}).code(), ErrorCode::kSodViolation);
}

TEST(SodTest, ReviewersAreIndependentAndPostImplementationReviewersDidNotApprove) {
  const Change c = Submitted();
  EXPECT_EQ(CheckIndependentReviewer(As("ivan"), c, ReviewKind::kRetrospective, {}).code(), ErrorCode::kSodViolation);
  EXPECT_TRUE(CheckIndependentReviewer(As("bob"), c, ReviewKind::kRetrospective, {By("bob")}).ok());
  EXPECT_EQ(CheckIndependentReviewer(As("bob"), c, ReviewKind::kPostImplementation, {By("bob")}).code(),
            ErrorCode::kSodViolation);
  EXPECT_TRUE(CheckIndependentReviewer(As("carol"), c, ReviewKind::kPostImplementation, {By("bob")}).ok());
}

TEST(SodTest, ShortfallNamesTooFewOrOnlyInvolvedApprovers) {
  const Change c = Submitted();
  EXPECT_FALSE(SodShortfall(c, ComputeApprovalProgress(c, {})).has_value());
  const auto one = SodShortfall(c, ComputeApprovalProgress(c, {By("bob")}));
  ASSERT_TRUE(one.has_value());
  EXPECT_NE(one->find("1 of the 2 distinct approvers"), std::string::npos) << *one;
  const auto involved = SodShortfall(c, ComputeApprovalProgress(c, {By("alice"), By("ivan")}));
  ASSERT_TRUE(involved.has_value());
  EXPECT_NE(involved->find("only by people involved"), std::string::npos) << *involved;
  EXPECT_FALSE(SodShortfall(c, ComputeApprovalProgress(c, {By("alice"), By("bob")})).has_value());
}

}  // namespace
}  // namespace cl::testing
