// What the IaC classifier tests share: fixture files and views of a report
// (its categories, one resource's categories, internet exposure).
#pragma once

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "ingest/iac_report.h"
#include "ingest/iac_rules.h"

namespace cl::ingest {

using Cats = std::set<std::string>;

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string Fixture(const std::string& name) {
  return ReadBytes(std::string(CL_SOURCE_DIR) + "/tests/fixtures/iac/" + name);
}

inline Cats CategoriesOf(const IacReport& r) {
  std::vector<std::string> ids = r.CategoryIds(*DefaultClassificationRules());
  return Cats(ids.begin(), ids.end());
}

inline const ClassifiedResource* Find(const IacReport& r, const std::string& address) {
  for (const ClassifiedResource& c : r.resources) {
    if (c.address == address) return &c;
  }
  return nullptr;
}

inline Cats ResourceCats(const IacReport& r, const std::string& address) {
  const ClassifiedResource* c = Find(r, address);
  Cats out;
  if (!c) return out;
  const auto& cats = DefaultClassificationRules()->categories;
  for (size_t i = 0; i < cats.size(); ++i) {
    if (c->categories & (1u << i)) out.insert(cats[i].id);
  }
  return out;
}

inline bool Internet(const IacReport& r, const std::string& address) {
  const ClassifiedResource* c = Find(r, address);
  return c && (c->impact & Bit(ImpactArea::kInternetExposure));
}

}  // namespace cl::ingest
