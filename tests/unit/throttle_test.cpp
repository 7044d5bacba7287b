#include <gtest/gtest.h>

#include "core/login_throttle.h"

namespace cl {
namespace {

TEST(LoginThrottleTest, LocksAUserFromOneAddressAfterFiveFailures) {
  ManualClock clock(Timestamp{0});
  LoginThrottle t(clock);
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(t.RetryAfter("alice", "10.0.0.1").has_value()) << i;
    t.RecordFailure("alice", "10.0.0.1");
  }
  auto wait = t.RetryAfter("alice", "10.0.0.1");
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, 15 * 60);
  EXPECT_FALSE(t.RetryAfter("alice", "10.0.0.2").has_value()) << "another address is not locked";
  clock.Advance(10 * 60 * kMicrosPerSecond);
  EXPECT_EQ(t.RetryAfter("alice", "10.0.0.1"), 5 * 60);
  clock.Advance(5 * 60 * kMicrosPerSecond);
  EXPECT_FALSE(t.RetryAfter("alice", "10.0.0.1").has_value()) << "the window passed";
}

TEST(LoginThrottleTest, OneAddressGuessingManyUsersIsLimited) {
  ManualClock clock(Timestamp{0});
  LoginThrottle t(clock, ThrottleLimits{.per_ip = 10});
  for (int i = 0; i < 10; ++i) t.RecordFailure("user" + std::to_string(i), "192.0.2.9");
  EXPECT_TRUE(t.RetryAfter("somebody-new", "192.0.2.9").has_value());
  EXPECT_FALSE(t.RetryAfter("somebody-new", "192.0.2.10").has_value());
}

TEST(LoginThrottleTest, SuccessClearsTheUserAndAddressCounter) {
  ManualClock clock(Timestamp{0});
  LoginThrottle t(clock);
  for (int i = 0; i < 4; ++i) t.RecordFailure("bob", "10.0.0.1");
  t.RecordSuccess("bob", "10.0.0.1");
  for (int i = 0; i < 4; ++i) t.RecordFailure("bob", "10.0.0.1");
  EXPECT_FALSE(t.RetryAfter("bob", "10.0.0.1").has_value());
}

}  // namespace
}  // namespace cl
