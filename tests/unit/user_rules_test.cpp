#include <gtest/gtest.h>

#include "core/user.h"

namespace cl {
namespace {

TEST(UserRulesTest, UsernamesAreLowerCaseAndShort) {
  EXPECT_TRUE(ValidateUsername("alice.b-2_x", "/u").empty());
  for (const char* bad : {"a", "Alice", "-alice", "al ice", "al@ice", "ålice"}) {
    EXPECT_FALSE(ValidateUsername(bad, "/u").empty()) << bad;
  }
  EXPECT_FALSE(ValidateUsername(std::string(65, 'a'), "/u").empty());
}

TEST(UserRulesTest, PasswordsNeedLengthAndMustNotContainTheUsername) {
  EXPECT_TRUE(ValidateNewPassword("correct horse battery", "alice", "/p").empty());
  EXPECT_FALSE(ValidateNewPassword("short", "alice", "/p").empty());
  EXPECT_FALSE(ValidateNewPassword("alice-is-my-password", "alice", "/p").empty());
}

TEST(UserRulesTest, EmailsAndDisplayNames) {
  EXPECT_TRUE(ValidateEmail("", "/e").empty()) << "optional";
  EXPECT_TRUE(ValidateEmail("a@example.com", "/e").empty());
  EXPECT_FALSE(ValidateEmail("a@@example.com", "/e").empty());
  EXPECT_FALSE(ValidateEmail("no-at-sign", "/e").empty());
  EXPECT_FALSE(ValidateDisplayName("", "/d").empty());
  EXPECT_FALSE(ValidateDisplayName("tab\tname", "/d").empty());
}

}  // namespace
}  // namespace cl
