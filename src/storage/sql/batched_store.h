// BatchedStore: the Store both SQL backends share. One write connection: a
// lone writer commits on the caller's thread; concurrent writes queue and a
// writer thread group-commits them (each job in its own SAVEPOINT, one
// durable COMMIT per batch). Reads run on a pool of connections in snapshot
// transactions. Backends say how to open a reader and how a write and a read
// transaction begin. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "core/store.h"
#include "storage/sql/sql.h"

namespace cl::sql {

class BatchedStore : public Store {
 public:
  ~BatchedStore() override;

  Status Read(const TxFn& fn) override;
  Status Write(const TxFn& fn) override;
  void WriteAsync(TxFn fn, std::function<void(Status)> done) override;
  std::optional<int64_t> KnownControlEpoch() const override;
  Status Ping() override;
  void RefuseWrites(Status why) override;
  Status WritesRefused() const override;
  void SetObserver(StoreObserver* observer) override { observer_ = observer; }

 protected:
  BatchedStore(std::unique_ptr<Connection> writer, int max_batch, int max_readers);
  // Starts the writer thread; the derived constructor calls it last.
  void StartWriter();
  // Finishes queued writes and joins the writer thread; the derived
  // destructor calls it first (the thread calls the hooks below).
  void StopWriter();

  // A fresh read connection for the pool.
  virtual Result<std::unique_ptr<Connection>> OpenReader() = 0;
  // Begins the batch's transaction on the write connection (and takes
  // whatever lock makes writes a single total order).
  virtual Status BeginWrite(Connection& writer) = 0;
  // The statement that begins a read-only snapshot.
  virtual std::string_view BeginRead() const = 0;

 private:
  struct Job;
  void WriterLoop();
  void RunBatch(std::vector<Job*>& batch);
  Result<std::unique_ptr<Connection>> AcquireReader();
  void ReleaseReader(std::unique_ptr<Connection> conn);

  const int max_batch_;
  const int max_readers_;
  StoreObserver* observer_ = nullptr;

  std::unique_ptr<Connection> writer_conn_;
  std::mutex conn_mu_;  // whoever runs a batch on writer_conn_ holds it
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  bool writer_idle_ = false;  // waiting on queue_cv_ (guarded by queue_mu_)
  std::thread writer_;

  std::atomic<int64_t> known_epoch_{-1};  // see KnownControlEpoch; -1: unknown

  std::atomic<bool> refusing_{false};  // set once; refused_ is then immutable
  mutable std::mutex refused_mu_;
  Status refused_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
};

}  // namespace cl::sql
