#include "core/audit_reconcile_events.h"

#include <fmt/format.h>

#include "core/audit_reconcile.h"

namespace cl::reconcile {

std::string Kind::BaselineName() const {
  return state_version == 1 ? std::string(object_type) : fmt::format("{}@{}", object_type, state_version);
}

const Kind* FindKind(std::string_view object_type) {
  for (const Kind& k : kKinds) {
    if (k.object_type == object_type) return &k;
  }
  return nullptr;
}

std::string_view TableOf(std::string_view object_type) {
  const Kind* k = FindKind(object_type);
  return k == nullptr ? std::string_view{} : k->table;
}

std::string_view KindOfTable(std::string_view table) {
  for (const Kind& k : kKinds) {
    if (k.table == table) return k.object_type;
  }
  return {};
}

std::vector<std::string> BaselineKinds(simdjson::dom::element body) {
  std::vector<std::string> out;
  simdjson::dom::array listed;
  if (body["details"]["kinds"].get(listed) == simdjson::SUCCESS) {
    for (simdjson::dom::element k : listed) {
      std::string_view name;
      if (k.get(name) == simdjson::SUCCESS) out.emplace_back(name);
    }
    return out;
  }
  for (const Kind& k : kKinds) {
    if (k.first_release) out.emplace_back(k.object_type);
  }
  return out;
}

std::optional<EventEffect> EffectOf(simdjson::dom::parser& parser, const std::string& text,
                                    std::optional<std::vector<std::string>>* baseline) {
  EventEffect e;
  if (parser.parse(text).get(e.body) != simdjson::SUCCESS) return std::nullopt;  // the chain check names it
  if (e.body["object"]["type"].get(e.type) != simdjson::SUCCESS) return std::nullopt;
  if (TableOf(e.type).empty()) {
    std::string_view action;
    if (baseline != nullptr && e.type == "audit_log" && e.body["action"].get(action) == simdjson::SUCCESS &&
        action == kReconcileBaselineAction) {
      *baseline = BaselineKinds(e.body);
    }
    return std::nullopt;
  }
  if (e.body["object"]["id"].get(e.id) != simdjson::SUCCESS) return std::nullopt;
  if (e.body["before_digest"].get(e.before_digest) != simdjson::SUCCESS) e.before_digest = {};  // null or absent
  if (e.body["after_digest"].get(e.after_digest) != simdjson::SUCCESS) e.after_digest = {};
  if (e.before_digest.empty() && e.after_digest.empty()) return std::nullopt;  // says what happened, changes no state
  return e;
}

}  // namespace cl::reconcile
