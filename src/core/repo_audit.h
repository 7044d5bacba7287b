// The repository of the audit chain: events, checkpoints and signing keys.
// Part of the Store interface (core/store.h): implemented once in
// storage/sql/ for both backends; used only inside a Tx. Interfaces only.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "core/audit_types.h"
#include "core/status.h"

namespace cl {

class AuditRepo {
 public:
  virtual ~AuditRepo() = default;
  virtual Result<AuditHead> Head() = 0;
  virtual Status Append(const StoredAuditEvent& event) = 0;
  // Calls `fn` for each event with from <= seq (all when to == 0, else <= to),
  // in seq order, until it returns false. The reference is valid only inside fn.
  virtual Status Scan(int64_t from_seq, int64_t to_seq, const std::function<bool(const StoredAuditEvent&)>& fn) = 0;
  virtual Result<std::vector<StoredAuditEvent>> List(const AuditQuery& q) = 0;
  virtual Result<int64_t> Count() = 0;

  virtual Status InsertCheckpoint(const AuditCheckpoint& cp) = 0;
  virtual Result<std::optional<AuditCheckpoint>> LatestCheckpoint() = 0;
  // limit 0 means all.
  virtual Result<std::vector<AuditCheckpoint>> Checkpoints(int64_t after_seq, int64_t limit) = 0;

  virtual Status InsertKey(const AuditKey& key) = 0;
  virtual Result<std::vector<AuditKey>> Keys() = 0;
};

}  // namespace cl
