// How audit log events map onto the rows reconciliation compares them with
// (core/audit_reconcile.h): which object types are reconciled and in which
// table, and what one event says about one object. Internal to the
// reconciliation passes; pure functions; thread-safe.
#pragma once

#include <simdjson.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cl::reconcile {

struct Kind {
  std::string_view object_type;
  std::string_view table;
  // Reconciled since reconciliation began: a baseline event without a
  // `kinds` list (the first release's) covers exactly these.
  bool first_release;
  // The shape of the kind's audit state (audit_states.h). A release that
  // adds a field raises it; a baseline covers one shape, so the log's
  // earlier states (without the field) are re-stated once, openly.
  int state_version = 1;
  // The name a baseline event lists: the object type, "@<n>" from shape 2.
  std::string BaselineName() const;
};
inline constexpr std::array<Kind, 9> kKinds{{{"change", "changes", true, 2},
                                             {"approval", "approvals", true},
                                             {"evidence", "evidence", true, 2},
                                             {"review", "reviews", true},
                                             {"user", "users", true},
                                             {"api_token", "api_tokens", false},
                                             {"webhook", "webhooks", false},
                                             {"freeze", "freezes", false},
                                             {"policy", "policy_versions", false}}};

// The kind of a reconciled object type; nullptr for others.
const Kind* FindKind(std::string_view object_type);

// The table of a reconciled object type, and back; "" for others.
std::string_view TableOf(std::string_view object_type);
std::string_view KindOfTable(std::string_view table);

// One event's effect on an audited object: the fields both passes over the
// log read (views into the parsed event, valid while `parser` is unchanged).
struct EventEffect {
  std::string_view type, id, before_digest, after_digest;
  simdjson::dom::element body;
};

// The kinds a baseline event covers: its details.kinds, or the first
// release's kinds when it has none.
std::vector<std::string> BaselineKinds(simdjson::dom::element body);

// The effect of the event `text`, or nothing (not a reconciled object, or no
// state change). `baseline` (may be null) is set to the kinds it covers when
// the event is a reconciliation baseline.
std::optional<EventEffect> EffectOf(simdjson::dom::parser& parser, const std::string& text,
                                    std::optional<std::vector<std::string>>* baseline = nullptr);

}  // namespace cl::reconcile
