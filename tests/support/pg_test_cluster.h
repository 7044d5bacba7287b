// The private PostgreSQL cluster of a test run (tests/support/pg-cluster.sh,
// started by ctest's `pg.start` fixture or on first use) and throw-away
// databases in it: each is created empty, owned by cl_owner, and dropped
// when its PgTestDatabase goes away. Thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cl::testing {

class PgTestDatabase {
 public:
  // A new, empty database; throws std::runtime_error if the cluster cannot start.
  static std::unique_ptr<PgTestDatabase> Create();
  ~PgTestDatabase();

  const std::string& name() const { return name_; }
  // libpq URLs for this database as the superuser, the owner and the app role.
  std::string AdminUrl() const { return Url("postgres"); }
  std::string OwnerUrl() const { return Url("cl_owner"); }
  std::string AppUrl() const { return Url("cl_app"); }
  // Applies every migration as the owner and grants the app role (what
  // `changeledger migrate --app-role cl_app` does).
  void MigrateAndGrant() const;
  // Runs SQL as `user` outside any store; returns the error text, "" on success.
  std::string Exec(const std::string& sql, const std::string& user = "postgres") const;
  // The first column of the first row of `sql` as the superuser (-1 if none).
  int64_t QueryInt(const std::string& sql) const;
  // The first two columns of every row of `sql` as text, as the superuser.
  std::vector<std::pair<std::string, std::string>> QueryPairs(const std::string& sql) const;

 private:
  explicit PgTestDatabase(std::string name) : name_(std::move(name)) {}
  std::string Url(const std::string& user) const;
  std::string name_;
};

// Whether suites run against PostgreSQL too: yes, unless CL_TEST_BACKENDS says
// otherwise (e.g. CL_TEST_BACKENDS=sqlite on a machine without PostgreSQL).
bool PostgresWanted();

// The backend the API and CLI suites use: "sqlite" unless CL_TEST_BACKEND=postgres.
std::string ApiBackend();

}  // namespace cl::testing
