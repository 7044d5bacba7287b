// The change lifecycle as one table (R001-03): for each action, the
// permission it needs, the states it may be taken from (an emergency change
// may start implementation before it is scheduled), who may take it, the
// state it leads to and whether it needs a note. The permit checks
// (change_permits.h) and ChangeService::Act (change_actions.cpp) both read
// it; the action's own preconditions (policy, freezes, evidence, closure)
// stay with the action. Immutable; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/changes.h"

namespace cl {

// Who, besides holding the permission, may take an action.
enum class LifecycleActor {
  kEditor,                    // the requestor or a change manager (MayEdit)
  kEditorOrNamedImplementer,  // ... or the implementer the content names
  kNamedImplementer,          // the implementer the content names, if it names one
  kAnyImplementer,            // anyone with the permission
  kEditorOrWhoImplemented,    // the requestor, a change manager or whoever implemented it
};

struct LifecycleStep {
  ChangeAction action;
  Permission permission;
  std::span<const ChangeState> from;
  std::span<const ChangeState> from_emergency;  // an emergency change's sources
  ChangeState to;                               // submit of a pre-approved standard change goes on to approved
  LifecycleActor actor;
  std::string_view denied;  // why, when the actor check fails ("" for kNamedImplementer: it names them)
  bool needs_note;          // say why (fail, roll back, cancel)
};

// The row of `action`.
const LifecycleStep& StepOf(ChangeAction action);

// The states `c` may take `step` from (its emergency list for an emergency).
std::span<const ChangeState> SourcesFor(const LifecycleStep& step, const Change& c);

// "draft", "in_progress or failed", "submitted, approved or scheduled".
std::string StateList(std::span<const ChangeState> states);

}  // namespace cl
