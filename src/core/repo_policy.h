// The repository of change policy versions.
// Part of the Store interface (core/store.h): implemented once in
// storage/sql/ for both backends; used only inside a Tx. Interfaces only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace cl {

struct PolicyVersion {
  int64_t version = 0;
  std::string sha256;  // of the YAML text, hex
  std::string name;
  std::string source;  // the YAML text
  std::string origin;  // "default", "file:<path>", "api"
  std::string created_by;
  Timestamp created_at;
};

class PolicyRepo {
 public:
  virtual ~PolicyRepo() = default;
  virtual Result<std::optional<PolicyVersion>> Latest() = 0;
  virtual Result<int64_t> LatestNumber() = 0;  // 0: none yet
  virtual Result<std::optional<PolicyVersion>> Get(int64_t version) = 0;
  // Without the source text, newest first.
  virtual Result<std::vector<PolicyVersion>> List() = 0;
  // Assigns the next version number and returns it.
  virtual Result<int64_t> Insert(const PolicyVersion& v) = 0;
};

}  // namespace cl
