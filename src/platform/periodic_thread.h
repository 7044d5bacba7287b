// PeriodicThread: one background thread that calls a function every
// `period` until the object is destroyed; destruction wakes it at once and
// joins (a call in progress finishes first). A period of zero calls the
// function once, at start. For the server's background jobs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace cl {

class PeriodicThread {
 public:
  enum class First { kAtStart, kAfterOnePeriod };
  PeriodicThread(std::chrono::milliseconds period, First first, std::function<void()> tick);
  ~PeriodicThread();
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

 private:
  void Run();
  const std::chrono::milliseconds period_;
  const First first_;
  const std::function<void()> tick_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest is set
};

}  // namespace cl
