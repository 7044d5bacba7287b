// The backends the storage suite runs on: SQLite always, PostgreSQL unless
// CL_TEST_BACKENDS leaves it out.
#include "tests/storage/backends.h"

#include "tests/support/pg_test_cluster.h"

namespace cl::testing {

std::vector<BackendFactory> AllBackends() {
  std::vector<BackendFactory> all{{"sqlite", MakeSqliteHarness}};
  if (PostgresWanted()) all.push_back({"postgres", MakePostgresHarness});
  return all;
}

}  // namespace cl::testing
