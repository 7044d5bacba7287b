// Storage backends under test. The storage suite is written once against
// Store and runs for every backend listed in AllBackends() (backends.cpp);
// each StoreHarness owns a fresh, empty database on real storage.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/store.h"
#include "tests/support/temp_dir.h"

namespace cl::testing {

class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  virtual Store& store() = 0;
  // Closes the store (finishing queued writes) and opens the same database.
  virtual void Reopen() = 0;
  // Runs SQL straight on the database, outside the store: what an attacker
  // with file or superuser access could do. Returns the error text, "" on success.
  virtual std::string ExecRaw(const std::string& sql) = 0;
  // Schema version recorded in schema_version.
  virtual int SchemaVersion() = 0;
  // Opens a second store on the same database expecting failure; returns its message.
  virtual std::string OpenFailure() = 0;
  // Dialect-specific SQL for the tamper tests: drop the append-only
  // triggers, and a blob literal from hex digits.
  virtual std::string DropAppendOnlyTriggersSql() const = 0;
  virtual std::string BlobLiteral(const std::string& hex) const = 0;
  // Runs SQL as the role the server runs as, where the backend has roles
  // (PostgreSQL); nullopt where it has none (SQLite). "" on success.
  virtual std::optional<std::string> ExecAsServingRole(const std::string& sql) = 0;
  // Every table of the schema and its columns (names only: the types are
  // each dialect's own).
  virtual std::map<std::string, std::set<std::string>> Columns() = 0;
  const Clock& clock() const { return clock_; }
  ManualClock& manual_clock() { return clock_; }
  const TempDir& dir() const { return dir_; }

 protected:
  ManualClock clock_{Timestamp{1'767'225'600'000'000}};  // 2026-01-01T00:00:00Z
  TempDir dir_;
};

struct BackendFactory {
  std::string name;
  std::function<std::unique_ptr<StoreHarness>()> make;
};

std::vector<BackendFactory> AllBackends();
std::unique_ptr<StoreHarness> MakeSqliteHarness();
std::unique_ptr<StoreHarness> MakePostgresHarness();

// How gtest (and so ctest's test list) shows a backend parameter.
inline void PrintTo(const BackendFactory& backend, std::ostream* os) { *os << backend.name; }

}  // namespace cl::testing
