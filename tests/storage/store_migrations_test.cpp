// Schema migrations on every backend: a new database is at the newest
// version, reopening applies nothing twice, and a database from a newer
// binary is refused rather than written to.
#include "storage/migrations.h"
#include "tests/storage/store_fixture.h"

namespace cl::testing {
namespace {

int LatestKnownVersion() { return sql::SqliteMigrations().back().version; }

TEST_P(StoreTest, NewDatabaseIsAtTheNewestSchema) {
  EXPECT_EQ(harness().SchemaVersion(), LatestKnownVersion());
}

TEST_P(StoreTest, ReopeningAppliesNothingTwiceAndKeepsData) {
  InsertUser(MakeUser("pat"));
  harness().Reopen();
  harness().Reopen();
  EXPECT_EQ(harness().SchemaVersion(), LatestKnownVersion());
  const std::optional<User> found = FindUser("pat");
  EXPECT_TRUE(found.has_value());
}

TEST_P(StoreTest, DatabaseFromANewerBinaryIsRefused) {
  ASSERT_EQ(harness().ExecRaw("INSERT INTO schema_version (version, name, applied_at) "
                              "VALUES (9999, 'from_the_future', 0)"),
            "");
  const std::string message = harness().OpenFailure();
  EXPECT_NE(message.find("newer than this binary"), std::string::npos) << message;
}

TEST(SqliteMigrationsTest, AreNumberedWithoutGapsOrDuplicates) {
  int expected = 1;
  for (const sql::Migration& m : sql::SqliteMigrations()) {
    EXPECT_EQ(m.version, expected) << m.name;
    EXPECT_FALSE(m.sql.empty()) << m.name;
    ++expected;
  }
  EXPECT_GT(expected, 1);
}

}  // namespace
}  // namespace cl::testing
