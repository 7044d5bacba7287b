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

TEST(SodTest, AnApproverMayNotImplementWhatTheyApprovedUnlessThePolicyCompensates) {
  const Change c = Submitted();
  Policy policy;
  // Approving and then implementing: refused even beside another approver.
  for (const std::vector<Approval>& given : {std::vector<Approval>{By("bob")}, {By("bob"), By("carol")}}) {
    const Status s = MayStartGiven(As("bob"), c, given, policy);
    EXPECT_EQ(s.code(), ErrorCode::kSodViolation);
    EXPECT_NE(s.message().find("you approved CHG-7"), std::string::npos) << s.message();
  }
  EXPECT_TRUE(MayStartGiven(As("carol"), c, {By("bob")}, policy).ok());
  // A void approval is no approval.
  Approval voided = By("bob");
  voided.voided_at = Timestamp{1};
  EXPECT_TRUE(MayStartGiven(As("bob"), c, {voided}, policy).ok());
  // The assigned implementer's own approval never counted, so it does not stop them.
  EXPECT_FALSE(StartNeedsCompensation(As("ivan"), c, {By("ivan"), By("bob")}));
  EXPECT_TRUE(MayStartGiven(As("ivan"), c, {By("ivan"), By("bob")}, policy).ok());
  // With the compensating control the approver may start, and the start needs it.
  policy.sod.compensating_control = true;
  EXPECT_TRUE(MayStartGiven(As("bob"), c, {By("bob")}, policy).ok());
  EXPECT_TRUE(StartNeedsCompensation(As("bob"), c, {By("bob")}));
}

TEST(SodTest, TheImplementerDoesNotVerifyTheirOwnWorkByDefault) {
  Change c = Submitted();
  c.implementer_id = "u-ivan";
  Principal ivan = As("ivan");
  ivan.user_id = "u-ivan";
  Principal alice = As("alice");
  alice.user_id = "u-alice";
  Policy policy;
  const Status s = MayVerify(ivan, c, policy);
  EXPECT_EQ(s.code(), ErrorCode::kSodViolation);
  EXPECT_NE(s.message().find("you implemented CHG-7"), std::string::npos) << s.message();
  EXPECT_TRUE(MayVerify(alice, c, policy).ok());
  policy.independent_verification = false;  // a small team's documented choice
  EXPECT_TRUE(MayVerify(ivan, c, policy).ok());
}

TEST(SodTest, TheRequestorsAndImplementersOwnApprovalsNeverCount) {
  const Change c = Submitted();
  EXPECT_EQ(NotCountedBecause(c, By("alice")), "given by the requestor; a requestor's own approval never counts");
  EXPECT_EQ(NotCountedBecause(c, By("ivan")), "given by the implementer; an implementer's own approval never counts");
  EXPECT_FALSE(NotCountedBecause(c, By("bob")).has_value());
  EXPECT_FALSE(NotCountedBecause(c, By("alice", /*compensating=*/true)).has_value());
  // An independent approval, then the requestor's: one distinct approver, not two.
  const ApprovalProgress p = ComputeApprovalProgress(c, {By("bob"), By("alice")});
  EXPECT_EQ(p.distinct_approvers, 1);
  EXPECT_FALSE(p.complete);
  ASSERT_EQ(p.not_counted.size(), 1U);
  EXPECT_EQ(p.not_counted[0].rfind("alice: given by the requestor", 0), 0U) << p.not_counted[0];
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
  // The requestor's approval beside bob's does not make two.
  const auto beside = SodShortfall(c, ComputeApprovalProgress(c, {By("alice"), By("bob")}));
  ASSERT_TRUE(beside.has_value());
  EXPECT_NE(beside->find("1 of the 2 distinct approvers its risk needs (not counted: alice: given by the requestor"),
            std::string::npos)
      << *beside;
  EXPECT_FALSE(SodShortfall(c, ComputeApprovalProgress(c, {By("carol"), By("bob")})).has_value());
}

}  // namespace
}  // namespace cl::testing
