// PeriodicThread: when the first call happens, that a zero period means one
// call, and that destruction wakes a long wait instead of sitting it out.
#include "platform/periodic_thread.h"

#include <gtest/gtest.h>

#include <atomic>

namespace cl {
namespace {

using std::chrono::hours;

TEST(PeriodicThreadTest, AtStartCallsOnceBeforeTheFirstPeriod) {
  std::atomic<int> calls = 0;
  {
    PeriodicThread t(hours(1), PeriodicThread::First::kAtStart, [&] { ++calls; });
  }
  EXPECT_EQ(calls, 1) << "called at start, then the hour-long wait is cut short by destruction";
}

TEST(PeriodicThreadTest, AfterOnePeriodIsNotCalledWhenStoppedFirst) {
  std::atomic<int> calls = 0;
  {
    PeriodicThread t(hours(1), PeriodicThread::First::kAfterOnePeriod, [&] { ++calls; });
  }
  EXPECT_EQ(calls, 0);
}

TEST(PeriodicThreadTest, AZeroPeriodCallsExactlyOnce) {
  std::atomic<int> calls = 0;
  std::atomic<bool> done = false;
  {
    PeriodicThread t(std::chrono::milliseconds(0), PeriodicThread::First::kAtStart, [&] {
      ++calls;
      done = true;
    });
    while (!done) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // room for a wrong second call
  }
  EXPECT_EQ(calls, 1);
}

TEST(PeriodicThreadTest, ShortPeriodsKeepCalling) {
  std::atomic<int> calls = 0;
  {
    PeriodicThread t(std::chrono::milliseconds(1), PeriodicThread::First::kAfterOnePeriod, [&] { ++calls; });
    while (calls < 3) std::this_thread::yield();
  }
  EXPECT_GE(calls, 3);
}

}  // namespace
}  // namespace cl
