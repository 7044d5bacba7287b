// The repository of findings (audit issues raised by checks and people).
// Part of the Store interface (core/store.h): implemented once in
// storage/sql/ for both backends; used only inside a Tx. Interfaces only.
#pragma once

#include <string>
#include <vector>

#include "core/change.h"
#include "core/status.h"

namespace cl {

struct FindingQuery {
  std::string status;  // empty: any
  std::string kind;
  std::string object_id;
  int64_t limit = 100;
};

class FindingRepo {
 public:
  virtual ~FindingRepo() = default;
  // Returns false if an open finding of this kind already exists for the object.
  virtual Result<bool> InsertIfNew(const Finding& f) = 0;
  virtual Result<std::vector<Finding>> List(const FindingQuery& q) = 0;
};

}  // namespace cl
