// Column lists for SQL row readers (storage/sql/columns.h): a lookup is the
// column's position in the list, and the SQL text is the list joined.
//
// What cannot be a test here, because it fails to compile (checked by hand):
// an unknown name (kChange["nmber"]), a repeated name in MakeColumns, and
// First<M>() with more columns than the list has.
#include "storage/sql/columns.h"

#include <gtest/gtest.h>

#include <string>

namespace cl::testing {
namespace {

using sql::MakeColumns;

constexpr auto kChange = MakeColumns("id", "number", "state", "created_at");

// Lookups are constant expressions.
static_assert(kChange["id"] == 0);
static_assert(kChange["created_at"] == 3);
static_assert(kChange.size() == 4);
static_assert(kChange.First<2>()["number"] == 1);

TEST(SqlColumnsTest, ALookupIsTheColumnsPositionInTheList) {
  // In an ordinary function, as the row readers use them.
  const int state = kChange["state"];
  EXPECT_EQ(state, 2);
  EXPECT_EQ(kChange["number"], 1);
}

TEST(SqlColumnsTest, TheListIsTheNamesJoinedWithCommas) {
  EXPECT_EQ(kChange.List(), "id, number, state, created_at");
  EXPECT_EQ(MakeColumns("n").List(), "n");
  EXPECT_EQ(MakeColumns("u.id", "r.role").List(), "u.id, r.role");
}

TEST(SqlColumnsTest, FirstKeepsTheLeadingColumnsAtTheirPositions) {
  constexpr auto head = kChange.First<2>();
  EXPECT_EQ(head.List(), "id, number");
  EXPECT_EQ(head["number"], kChange["number"]);
  EXPECT_EQ(kChange.First<0>().List(), "");
}

}  // namespace
}  // namespace cl::testing
