#include "storage/sql/batched_store.h"

#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <semaphore>

#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

int64_t MicrosSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
}

Status RunGuarded(const TxFn& fn, Tx& tx) {
  try {
    return fn(tx);
  } catch (const std::exception& e) {
    return Internal(std::string("unexpected exception in transaction: ") + e.what());
  }
}

}  // namespace

struct BatchedStore::Job {
  const TxFn* fn = nullptr;          // for waited jobs: the caller's function
  TxFn owned;                        // for asynchronous jobs
  std::function<void(Status)> then;  // asynchronous jobs: told the outcome
  Status result;
  std::binary_semaphore done{0};
  bool async = false;
};

BatchedStore::BatchedStore(std::unique_ptr<Connection> writer, int max_batch, int max_readers)
    : max_batch_(max_batch), max_readers_(max_readers), writer_conn_(std::move(writer)) {}

void BatchedStore::StartWriter() {
  SqlTx tx(*writer_conn_);
  if (Result<int64_t> n = tx.Pipeline().ControlEpoch(); n.ok()) known_epoch_.store(*n);
  writer_ = std::thread([this] { WriterLoop(); });
}

void BatchedStore::StopWriter() {
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

BatchedStore::~BatchedStore() { StopWriter(); }

void BatchedStore::RefuseWrites(Status why) {
  std::lock_guard lock(refused_mu_);
  if (refusing_.load()) return;
  refused_ = std::move(why);
  refusing_.store(true, std::memory_order_release);
}

Status BatchedStore::WritesRefused() const {
  if (!refusing_.load(std::memory_order_acquire)) return Status::Ok();
  std::lock_guard lock(refused_mu_);
  return refused_;
}

Status BatchedStore::Write(const TxFn& fn) {
  if (refusing_.load(std::memory_order_acquire)) return WritesRefused();
  Job job;
  job.fn = &fn;
  bool wake = false;
  // Uncontended: commit on the caller's thread and save the two thread
  // hand-offs (they cost more than the statements on small VMs). Under load
  // the writer thread holds the connection and batches the queue.
  if (std::unique_lock conn(conn_mu_, std::try_to_lock); conn.owns_lock()) {
    bool idle = false;
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_) return Unavailable("the store is shutting down");
      idle = queue_.empty();
    }
    if (idle) {
      std::vector<Job*> batch{&job};
      RunBatch(batch);
      return job.result;
    }
  }
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return Unavailable("the store is shutting down");
    queue_.push_back(&job);
    wake = writer_idle_;
  }
  if (wake) queue_cv_.notify_one();
  job.done.acquire();
  return job.result;
}

void BatchedStore::WriteAsync(TxFn fn, std::function<void(Status)> done) {
  if (refusing_.load(std::memory_order_acquire)) {
    if (done) done(WritesRefused());
    return;
  }
  auto job = std::make_unique<Job>();  // owned by the writer thread once queued
  job->owned = std::move(fn);
  job->fn = &job->owned;
  job->then = std::move(done);
  job->async = true;
  bool wake = false;
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(job.release());
      wake = writer_idle_;
    }
  }
  if (job) {
    if (job->then) job->then(Unavailable("the store is shutting down"));
    return;
  }
  // A busy writer takes the queue when its batch is done: signalling it
  // would only cost a system call per write.
  if (wake) queue_cv_.notify_one();
}

void BatchedStore::WriterLoop() {
  std::vector<Job*> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      writer_idle_ = true;
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      writer_idle_ = false;
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && batch.size() < static_cast<size_t>(max_batch_)) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    {
      std::lock_guard conn(conn_mu_);
      RunBatch(batch);
    }
    for (Job* job : batch) {
      if (job->async) {
        if (job->then) job->then(std::move(job->result));
        delete job;
      } else {
        job->done.release();
      }
    }
    batch.clear();
  }
}

void BatchedStore::RunBatch(std::vector<Job*>& batch) {
  const auto t0 = std::chrono::steady_clock::now();
  Connection& c = *writer_conn_;
  Status begin = BeginWrite(c);
  if (!begin.ok()) {
    for (Job* job : batch) job->result = begin;
    if (observer_) observer_->OnCommit(batch.size(), MicrosSince(t0), false);
    return;
  }
  size_t succeeded = 0;
  // Over a network connection every statement is a round trip: there the
  // savepoint of the next job is opened in the same message that releases
  // the last one.
  const bool merge_savepoints = c.dialect() == Dialect::kPostgres;
  bool savepoint_open = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    Job* job = batch[i];
    Status s = savepoint_open ? Status::Ok() : c.Run("SAVEPOINT job", {});
    savepoint_open = false;
    if (s.ok()) {
      SqlTx tx(c);
      s = RunGuarded(*job->fn, tx);
      if (s.ok() && merge_savepoints && i + 1 < batch.size()) {
        s = c.ExecScript("RELEASE job; SAVEPOINT job");
        savepoint_open = s.ok();
      } else if (s.ok()) {
        s = c.Run("RELEASE job", {});
      } else {
        // Undo only this job; the rest of the batch stands.
        c.Run("ROLLBACK TO job", {}).IgnoreError();
        c.Run("RELEASE job", {}).IgnoreError();
      }
    }
    job->result = s;
    if (s.ok()) ++succeeded;
  }
  // Read inside the transaction (no extra locking), published once durable.
  std::optional<int64_t> epoch;
  if (succeeded > 0) {
    SqlTx tx(c);
    if (Result<int64_t> n = tx.Pipeline().ControlEpoch(); n.ok()) epoch = *n;
  }
  Status commit = c.Run("COMMIT", {});
  if (commit.ok() && epoch) known_epoch_.store(*epoch, std::memory_order_release);
  if (!commit.ok()) {
    c.ExecScript("ROLLBACK").IgnoreError();
    for (Job* job : batch) {
      if (job->result.ok()) job->result = commit;
    }
  }
  if (observer_) observer_->OnCommit(batch.size(), MicrosSince(t0), commit.ok());
}

Result<std::unique_ptr<Connection>> BatchedStore::AcquireReader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return conn;
    }
  }
  return OpenReader();
}

void BatchedStore::ReleaseReader(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(readers_mu_);
  if (idle_readers_.size() < static_cast<size_t>(max_readers_)) {
    idle_readers_.push_back(std::move(conn));
  }
}

Status BatchedStore::Read(const TxFn& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  CL_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, AcquireReader());
  Status s = conn->Run(BeginRead(), {});
  if (s.ok()) {
    SqlTx tx(*conn);
    s = RunGuarded(fn, tx);
    Status end = conn->Run(s.ok() ? "COMMIT" : "ROLLBACK", {});
    if (s.ok()) s = end;
  }
  const bool healthy = s.ok() || s.code() != ErrorCode::kUnavailable;
  if (healthy) ReleaseReader(std::move(conn));
  if (observer_) observer_->OnRead(MicrosSince(t0), s.ok());
  return s;
}

std::optional<int64_t> BatchedStore::KnownControlEpoch() const {
  const int64_t n = known_epoch_.load(std::memory_order_acquire);
  return n < 0 ? std::nullopt : std::optional<int64_t>(n);
}

Status BatchedStore::Ping() {
  return Read([](Tx& tx) { return tx.Audit().Head().status(); });
}

}  // namespace cl::sql
