// Schema migrations on every backend: a new database is at the newest
// version, reopening applies nothing twice, and a database from a newer
// binary is refused rather than written to.
#include "storage/migrations.h"
#include "tests/storage/store_fixture.h"

namespace cl::testing {
namespace {

int LatestKnownVersion() { return sql::SqliteMigrations().back().version; }

TEST_P(StoreTest, NewDatabaseIsAtTheNewestSchema) { EXPECT_EQ(harness().SchemaVersion(), LatestKnownVersion()); }

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

// The two backends' migrations are written twice (each in its dialect), so
// they are held to one schema: the same tables with the same column names,
// and the same numbered list of migrations. A column added to one backend
// only fails here.
TEST(MigrationParityTest, BothBackendsHaveTheSameMigrationsTablesAndColumns) {
  ASSERT_EQ(sql::SqliteMigrations().size(), sql::PostgresMigrations().size());
  for (size_t i = 0; i < sql::SqliteMigrations().size(); ++i) {
    EXPECT_EQ(sql::SqliteMigrations()[i].version, sql::PostgresMigrations()[i].version);
    EXPECT_EQ(sql::SqliteMigrations()[i].name, sql::PostgresMigrations()[i].name);
  }
  const auto sqlite = MakeSqliteHarness()->Columns();
  const auto postgres = MakePostgresHarness()->Columns();
  ASSERT_GT(sqlite.size(), 10u) << "the SQLite schema was not read";
  for (const auto& [table, columns] : sqlite) {
    auto it = postgres.find(table);
    if (it == postgres.end()) {
      ADD_FAILURE() << "table " << table << " exists in SQLite only";
      continue;
    }
    for (const std::string& c : columns) EXPECT_TRUE(it->second.count(c)) << table << "." << c << " is SQLite only";
    for (const std::string& c : it->second) EXPECT_TRUE(columns.count(c)) << table << "." << c << " is PostgreSQL only";
  }
  for (const auto& [table, columns] : postgres) {
    EXPECT_TRUE(sqlite.count(table)) << "table " << table << " exists in PostgreSQL only";
  }
}

}  // namespace
}  // namespace cl::testing
