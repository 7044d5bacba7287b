// WorkerPool: a fixed set of threads for blocking work (password hashing,
// waiting on a group commit) so the HTTP I/O threads never block on it.
// Submit() is thread-safe; Shutdown() runs what is queued, then joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cl {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False if the pool is shutting down (the task is not run).
  bool Submit(std::function<void()> task);
  void Shutdown();
  size_t queued() const;

 private:
  void Run();
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cl
