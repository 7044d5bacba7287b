#include "storage/sqlite/sqlite_store.h"

#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <semaphore>

#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

int64_t MicrosSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}

Status RunGuarded(const TxFn& fn, Tx& tx) {
  try {
    return fn(tx);
  } catch (const std::exception& e) {
    return Internal(std::string("unexpected exception in transaction: ") + e.what());
  }
}

}  // namespace

struct SqliteStore::Job {
  const TxFn* fn = nullptr;  // for waited jobs: the caller's function
  TxFn owned;                // for asynchronous jobs
  std::function<void(Status)> then;  // asynchronous jobs: told the outcome
  Status result;
  std::binary_semaphore done{0};
  bool async = false;
};

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options,
                                                       const Clock& clock) {
  SqliteOptions conn_opts;
  conn_opts.busy_timeout_ms = options.busy_timeout_ms;
  CL_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> writer,
                      SqliteConnection::Open(options.path, conn_opts));
  if (options.migrate) {
    CL_RETURN_IF_ERROR(Migrate(*writer, SqliteMigrations(), clock.Now().micros).status());
  } else {
    CL_ASSIGN_OR_RETURN(MigrationStatus st, GetMigrationStatus(*writer, SqliteMigrations()));
    if (st.current_version != st.latest_version) {
      return Status(ErrorCode::kConflict,
                    fmt::format("database {} is at schema version {}, this binary needs {}; run "
                                "`changeledger migrate --db {}`",
                                options.path, st.current_version, st.latest_version,
                                options.path));
    }
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(options, clock, std::move(writer)));
}

SqliteStore::SqliteStore(SqliteStoreOptions options, const Clock& clock,
                         std::unique_ptr<SqliteConnection> writer)
    : options_(std::move(options)), clock_(clock), writer_conn_(std::move(writer)) {
  SqlTx tx(*writer_conn_);
  if (Result<int64_t> n = tx.Pipeline().ControlEpoch(); n.ok()) known_epoch_.store(*n);
  writer_ = std::thread([this] { WriterLoop(); });
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  writer_.join();
}

Status SqliteStore::Write(const TxFn& fn) {
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

void SqliteStore::WriteAsync(TxFn fn, std::function<void(Status)> done) {
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

void SqliteStore::WriterLoop() {
  std::vector<Job*> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      writer_idle_ = true;
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      writer_idle_ = false;
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && batch.size() < static_cast<size_t>(options_.max_batch)) {
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

void SqliteStore::RunBatch(std::vector<Job*>& batch) {
  const auto t0 = std::chrono::steady_clock::now();
  SqliteConnection& c = *writer_conn_;
  Status begin = c.Run("BEGIN IMMEDIATE", {});
  if (!begin.ok()) {
    for (Job* job : batch) job->result = begin;
    if (observer_) observer_->OnCommit(batch.size(), MicrosSince(t0), false);
    return;
  }
  size_t succeeded = 0;
  for (Job* job : batch) {
    Status s = c.Run("SAVEPOINT job", {});
    if (s.ok()) {
      SqlTx tx(c);
      s = RunGuarded(*job->fn, tx);
      if (s.ok()) {
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

Result<std::unique_ptr<SqliteConnection>> SqliteStore::AcquireReader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return conn;
    }
  }
  SqliteOptions o;
  o.busy_timeout_ms = options_.busy_timeout_ms;
  o.cache_kib = 4 * 1024;
  CL_ASSIGN_OR_RETURN(auto conn, SqliteConnection::Open(options_.path, o));
  CL_RETURN_IF_ERROR(conn->ExecScript("PRAGMA query_only = ON"));
  return conn;
}

void SqliteStore::ReleaseReader(std::unique_ptr<SqliteConnection> conn) {
  std::lock_guard lock(readers_mu_);
  if (idle_readers_.size() < static_cast<size_t>(options_.max_readers)) {
    idle_readers_.push_back(std::move(conn));
  }
}

Status SqliteStore::Read(const TxFn& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  CL_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> conn, AcquireReader());
  Status s = conn->Run("BEGIN", {});
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

std::optional<int64_t> SqliteStore::KnownControlEpoch() const {
  const int64_t n = known_epoch_.load(std::memory_order_acquire);
  return n < 0 ? std::nullopt : std::optional<int64_t>(n);
}

Status SqliteStore::Ping() {
  return Read([](Tx& tx) { return tx.Audit().Head().status(); });
}

}  // namespace cl::sql
