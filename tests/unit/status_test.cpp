#include <gtest/gtest.h>

#include "core/status.h"

namespace cl {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgument("odd", {{"/n", "must be even"}});
  return n / 2;
}

Result<int> Quarter(int n) {
  CL_ASSIGN_OR_RETURN(int h, Half(n));
  return Half(h);
}

TEST(StatusTest, ResultCarriesValueOrError) {
  EXPECT_EQ(*Quarter(8), 2);
  const Result<int> bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  ASSERT_EQ(bad.status().field_errors().size(), 1u);
  EXPECT_EQ(bad.status().field_errors()[0].field, "/n");
}

TEST(StatusTest, CodeNamesAreStable) {
  EXPECT_STREQ(ErrorCodeName(ErrorCode::kPermissionDenied), "permission_denied");
  EXPECT_STREQ(ErrorCodeName(ErrorCode::kDataLoss), "data_loss");
}

}  // namespace
}  // namespace cl
