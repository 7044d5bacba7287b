#include "core/change_lifecycle.h"

#include <array>

namespace cl {
namespace {

using S = ChangeState;
using A = ChangeAction;
using Actor = LifecycleActor;

constexpr std::array kFromDraft{S::kDraft};
constexpr std::array kFromApproved{S::kApproved};
constexpr std::array kFromScheduled{S::kScheduled};
constexpr std::array kFromAnyApproval{S::kSubmitted, S::kApproved, S::kScheduled};
constexpr std::array kFromInProgress{S::kInProgress};
constexpr std::array kFromRollbackable{S::kInProgress, S::kFailed, S::kImplemented};
constexpr std::array kFromImplemented{S::kImplemented};
constexpr std::array kFromVerified{S::kVerified};
constexpr std::array kFromCancellable{S::kDraft, S::kSubmitted, S::kApproved, S::kScheduled};

constexpr Permission kWrite = Permission::kChangesWrite;
constexpr Permission kImplement = Permission::kChangesImplement;

// In ChangeAction order.
constexpr std::array<LifecycleStep, 9> kSteps = {{
    {A::kSubmit, kWrite, kFromDraft, kFromDraft, S::kSubmitted, Actor::kEditor,
     "only the requestor or a change manager may submit", false},
    {A::kSchedule, kWrite, kFromApproved, kFromApproved, S::kScheduled, Actor::kEditorOrNamedImplementer,
     "only the requestor, the implementer or a change manager may schedule", false},
    {A::kStart, kImplement, kFromScheduled, kFromAnyApproval, S::kInProgress, Actor::kNamedImplementer, "", false},
    {A::kComplete, kImplement, kFromInProgress, kFromInProgress, S::kImplemented, Actor::kAnyImplementer, "", false},
    {A::kFail, kImplement, kFromInProgress, kFromInProgress, S::kFailed, Actor::kAnyImplementer, "", true},
    {A::kRollback, kImplement, kFromRollbackable, kFromRollbackable, S::kRolledBack, Actor::kAnyImplementer, "", true},
    {A::kVerify, kWrite, kFromImplemented, kFromImplemented, S::kVerified, Actor::kEditorOrWhoImplemented,
     "only the requestor, the implementer or a change manager may verify", false},
    {A::kClose, kWrite, kFromVerified, kFromVerified, S::kClosed, Actor::kEditor,
     "only the requestor or a change manager may close", false},
    {A::kCancel, kWrite, kFromCancellable, kFromCancellable, S::kCancelled, Actor::kEditor,
     "only the requestor or a change manager may cancel", true},
}};

constexpr bool InActionOrder() {
  for (size_t i = 0; i < kSteps.size(); ++i) {
    if (static_cast<size_t>(kSteps[i].action) != i) return false;
  }
  return true;
}
static_assert(InActionOrder(), "kSteps must list the actions in ChangeAction order");

}  // namespace

const LifecycleStep& StepOf(ChangeAction action) { return kSteps[static_cast<size_t>(action)]; }

std::span<const ChangeState> SourcesFor(const LifecycleStep& step, const Change& c) {
  return c.content.type == ChangeType::kEmergency ? step.from_emergency : step.from;
}

std::string StateList(std::span<const ChangeState> states) {
  std::string out;
  for (size_t i = 0; i < states.size(); ++i) {
    if (i > 0) out += i + 1 == states.size() ? " or " : ", ";
    out += Name(states[i]);
  }
  return out;
}

}  // namespace cl
