#include "ingest/iac_match.h"

namespace cl::ingest {

const std::vector<int>& RuleIndex::For(std::string_view type) {
  auto it = by_type_.find(type);
  if (it != by_type_.end()) return it->second;
  std::vector<int> list;
  for (size_t i = 0; i < rules_.size(); ++i) {
    for (const std::string& glob : rules_[i].types) {
      if (GlobMatch(glob, type)) {
        list.push_back(static_cast<int>(i));
        break;
      }
    }
  }
  return by_type_.emplace(std::string(type), std::move(list)).first->second;
}

}  // namespace cl::ingest
