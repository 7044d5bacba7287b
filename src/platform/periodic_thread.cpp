#include "platform/periodic_thread.h"

#include <utility>

namespace cl {

PeriodicThread::PeriodicThread(std::chrono::milliseconds period, First first, std::function<void()> tick)
    : period_(period), first_(first), tick_(std::move(tick)), thread_([this] { Run(); }) {}

PeriodicThread::~PeriodicThread() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void PeriodicThread::Run() {
  std::unique_lock lock(mu_);
  const auto stopped = [&] { return stop_; };
  if (first_ == First::kAfterOnePeriod && cv_.wait_for(lock, period_, stopped)) return;
  do {
    lock.unlock();
    tick_();
    lock.lock();
  } while (period_.count() > 0 && !cv_.wait_for(lock, period_, stopped));
}

}  // namespace cl
