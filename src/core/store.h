// Store: the persistence boundary of the domain. Core code reads and writes
// through a Tx (one database transaction) handed out by Store::Read/Write;
// a Tx hands out one repository per area (core/repo_<area>.h). The backends
// (SQLite and PostgreSQL) live in src/storage and run the same storage test
// suite. A Store is thread-safe; a Tx belongs to the
// thread running the callback and must not escape it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/audit_types.h"
#include "core/change.h"
#include "core/pipeline.h"
#include "core/repo_accounts.h"
#include "core/repo_audit.h"
#include "core/repo_changes.h"
#include "core/repo_findings.h"
#include "core/repo_notifications.h"
#include "core/repo_pipeline.h"
#include "core/repo_policy.h"
#include "core/repo_webhooks.h"
#include "core/status.h"
#include "core/user.h"

namespace cl {

class Tx {
 public:
  virtual ~Tx() = default;
  virtual UserRepo& Users() = 0;
  virtual TokenRepo& Tokens() = 0;
  virtual SessionRepo& Sessions() = 0;
  virtual AuditRepo& Audit() = 0;
  virtual ChangeRepo& Changes() = 0;
  virtual PolicyRepo& Policies() = 0;
  virtual FindingRepo& Findings() = 0;
  virtual WebhookRepo& Webhooks() = 0;
  virtual NotificationRepo& Notifications() = 0;
  virtual PipelineRepo& Pipeline() = 0;
};

using TxFn = std::function<Status(Tx&)>;

// Receives database timings (for /metrics). Called from store threads, so
// implementations must be thread-safe.
class StoreObserver {
 public:
  virtual ~StoreObserver() = default;
  virtual void OnRead(int64_t micros, bool ok) = 0;
  virtual void OnCommit(size_t batch_size, int64_t micros, bool ok) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Runs fn in a read-only snapshot. Writes inside fail.
  virtual Status Read(const TxFn& fn) = 0;
  // Runs fn in a write transaction and returns once it is durable (or rolled
  // back because fn or the commit failed). Concurrent writes are group-
  // committed; each fn is still all-or-nothing on its own. fn runs on the
  // store's writer thread or, when no other write is in flight, the caller's.
  virtual Status Write(const TxFn& fn) = 0;
  // Queues a write and returns at once; nobody blocks on the commit. `done`,
  // when given, gets the outcome (as Write would return it) once the write is
  // durable or rolled back; it runs on the store's writer thread, so it must
  // be quick and never block (hand the result to another thread). Without
  // `done` the write is fire-and-forget (e.g. "last used" stamps). On a store
  // that is shutting down, `done` gets Unavailable.
  virtual void WriteAsync(TxFn fn, std::function<void(Status)> done = {}) = 0;
  // The newest control epoch (PipelineRepo::ControlEpoch) this process has
  // seen committed, without a query; nullopt when the backend does not
  // follow it. Writes by other processes show only after this process's next
  // commit, so it may lag: use it to pick a cached view, never to decide.
  virtual std::optional<int64_t> KnownControlEpoch() const { return std::nullopt; }
  // From now on every write fails with `why` (reads go on): the process
  // found the audit log tampered with and must not extend or sign it.
  virtual void RefuseWrites(Status why) = 0;
  // The status writes fail with, or Ok while they are accepted.
  virtual Status WritesRefused() const = 0;
  // Cheap reachability check for /readyz.
  virtual Status Ping() = 0;
  virtual std::string_view BackendName() const = 0;
  // Set once before concurrent use; may be null.
  virtual void SetObserver(StoreObserver* observer) = 0;
};

}  // namespace cl
