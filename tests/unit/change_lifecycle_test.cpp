// The lifecycle table (core/change_lifecycle.h) as a whole: finished changes
// go nowhere, every other state has a way out, every state but draft is
// reached (approved and rejected by decisions), and an emergency change may start from wherever a normal one may.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/change_lifecycle.h"

namespace cl::testing {
namespace {

constexpr ChangeAction kAllActions[] = {ChangeAction::kSubmit,   ChangeAction::kSchedule, ChangeAction::kStart,
                                        ChangeAction::kComplete, ChangeAction::kFail,     ChangeAction::kRollback,
                                        ChangeAction::kVerify,   ChangeAction::kClose,    ChangeAction::kCancel};

bool Contains(std::span<const ChangeState> states, ChangeState s) {
  return std::find(states.begin(), states.end(), s) != states.end();
}

TEST(ChangeLifecycleTest, FinishedChangesGoNowhereAndEveryOtherStateHasAWayOut) {
  for (ChangeState s : kAllChangeStates) {
    bool leaves = false;
    for (ChangeAction a : kAllActions) {
      leaves = leaves || Contains(StepOf(a).from, s) || Contains(StepOf(a).from_emergency, s);
    }
    EXPECT_EQ(leaves, !IsTerminal(s)) << Name(s);
  }
}

TEST(ChangeLifecycleTest, EveryStateButDraftIsReachedAndActionsLeadWhereTheyAreNamed) {
  // Approvals and rejections are decisions (ChangeService::Decide), not actions;
  // a pre-approved standard change is approved on submit.
  std::set<ChangeState> reached = {ChangeState::kApproved, ChangeState::kRejected};
  for (ChangeAction a : kAllActions) {
    EXPECT_EQ(StepOf(a).action, a);
    reached.insert(StepOf(a).to);
  }
  for (ChangeState s : kAllChangeStates) EXPECT_EQ(reached.count(s), s == ChangeState::kDraft ? 0u : 1u) << Name(s);
}

TEST(ChangeLifecycleTest, AnEmergencyMayStartWhereverANormalChangeMayAndEarlier) {
  for (ChangeAction a : kAllActions) {
    for (ChangeState s : StepOf(a).from) EXPECT_TRUE(Contains(StepOf(a).from_emergency, s)) << Name(a);
  }
  EXPECT_TRUE(Contains(StepOf(ChangeAction::kStart).from_emergency, ChangeState::kSubmitted));
  EXPECT_FALSE(Contains(StepOf(ChangeAction::kStart).from, ChangeState::kSubmitted));
}

TEST(ChangeLifecycleTest, StateListsReadAsEnglish) {
  EXPECT_EQ(StateList(StepOf(ChangeAction::kSubmit).from), "draft");
  EXPECT_EQ(StateList(StepOf(ChangeAction::kRollback).from), "in_progress, failed or implemented");
  EXPECT_EQ(StateList(StepOf(ChangeAction::kStart).from_emergency), "submitted, approved or scheduled");
}

}  // namespace
}  // namespace cl::testing
