// SqliteStore: the embedded default backend. One write connection: a lone
// writer commits on its own thread; concurrent writes queue and the writer
// thread group-commits them (each in its own SAVEPOINT, one durable COMMIT
// per batch). Reads run on a pool of query-only connections in WAL
// snapshots. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/store.h"
#include "storage/migrations.h"
#include "storage/sqlite/sqlite_connection.h"

namespace cl::sql {

struct SqliteStoreOptions {
  std::string path;
  bool migrate = true;   // apply pending migrations on open
  int max_readers = 16;  // read connections kept open
  int max_batch = 512;   // writes per group commit
  int busy_timeout_ms = 10000;
};

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options,
                                                   const Clock& clock);
  ~SqliteStore() override;  // finishes queued writes, then closes

  Status Read(const TxFn& fn) override;
  Status Write(const TxFn& fn) override;
  void WriteAsync(TxFn fn, std::function<void(Status)> done) override;
  std::optional<int64_t> KnownControlEpoch() const override;
  Status Ping() override;
  std::string_view BackendName() const override { return "sqlite"; }
  void SetObserver(StoreObserver* observer) override { observer_ = observer; }

 private:
  struct Job;
  SqliteStore(SqliteStoreOptions options, const Clock& clock,
              std::unique_ptr<SqliteConnection> writer);
  void WriterLoop();
  void RunBatch(std::vector<Job*>& batch);
  Result<std::unique_ptr<SqliteConnection>> AcquireReader();
  void ReleaseReader(std::unique_ptr<SqliteConnection> conn);

  const SqliteStoreOptions options_;
  const Clock& clock_;
  StoreObserver* observer_ = nullptr;

  std::unique_ptr<SqliteConnection> writer_conn_;
  std::mutex conn_mu_;  // whoever runs a batch on writer_conn_ holds it
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  bool writer_idle_ = false;  // waiting on queue_cv_ (guarded by queue_mu_)
  std::thread writer_;

  std::atomic<int64_t> known_epoch_{-1};  // see KnownControlEpoch; -1: unknown

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;
};

}  // namespace cl::sql
