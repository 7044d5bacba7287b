// Micro-benchmarks for change control: policy evaluation per change (C1
// target >= 100k/s), the material-content hash approvals bind to, and the
// raw durable SQLite insert rate that REST change creation is compared with
// in `make bench` (same bytes per row: CL_ROW_BYTES, measured by run.sh).
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/audit_reconcile.h"
#include "ingest/policy_yaml.h"
#include "server/local_app.h"
#include "tests/support/temp_dir.h"

namespace cl {
namespace {

std::shared_ptr<const Policy> DefaultPolicy() {
  std::ifstream in(std::string(CL_SOURCE_DIR) + "/policy/default-policy.yaml");
  std::stringstream s;
  s << in.rdbuf();
  auto p = ParsePolicy(s.str());
  if (!p.ok()) std::abort();
  return *p;
}

ChangeContent SampleChange() {
  nlohmann::json impact = nlohmann::json::object();
  for (ImpactArea a : kAllImpactAreas) impact[std::string(Name(a))] = {{"answer", "no"}, {"note", ""}};
  impact["identity_access"] = {{"answer", "yes"}, {"note", "Adds kms:Decrypt to the deploy role"}};
  auto c = ContentFromJson(
      {{"title", "Grant the deploy role KMS decrypt"},
       {"type", "normal"},
       {"service", "payments"},
       {"environment", "production"},
       {"category", "iac"},
       {"justification", "Checkout needs envelope encryption"},
       {"security_impact", impact},
       {"test_plan", "Apply in staging, run the checkout suite"},
       {"implementation_plan", "terraform apply of the reviewed plan"},
       {"rollback_plan", "Revert the commit and apply"},
       {"failure_conditions", "Deploys fail to decrypt"},
       {"success_criteria", "Deploy succeeds"},
       {"monitoring_plan", "Deploy dashboard"},
       {"planned_window", {{"start", "2026-12-01T22:00:00+01:00"}, {"end", "2026-12-01T23:00:00+01:00"}}},
       {"responsibility", {{"owner", "customer"}, {"contact", "payments@example.com"}}}});
  if (!c.ok()) std::abort();
  return *c;
}

void BM_PolicyEvaluate(benchmark::State& state) {
  const auto policy = DefaultPolicy();
  const ChangeContent change = SampleChange();
  for (auto _ : state) {
    Assessment a = Evaluate(*policy, change);
    benchmark::DoNotOptimize(a);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PolicyEvaluate);

void BM_MaterialHash(benchmark::State& state) {
  const ChangeContent change = SampleChange();
  for (auto _ : state) benchmark::DoNotOptimize(MaterialHash(change));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MaterialHash);

// A LocalApp on a fresh SQLite file in `dir`, with a local caller creating
// the sample change; null (the benchmark skipped) if it does not open.
struct BenchApp {
  std::unique_ptr<LocalApp> app;
  Principal who = LocalPrincipal("bench");
  AuditContext ctx{who.ToActor(), "bench", ""};
  nlohmann::json fields = ContentToJson(SampleChange());

  static std::optional<BenchApp> Open(benchmark::State& state, const std::string& db_path) {
    LocalAppOptions o;
    o.db_path = db_path;
    auto app = LocalApp::Open(o);
    if (!app.ok()) {
      state.SkipWithError(app.status().message().c_str());
      return std::nullopt;
    }
    BenchApp b;
    b.app = std::move(app).value();
    return b;
  }
  // Creates one change; false (the benchmark skipped) on failure.
  bool Create(benchmark::State& state) {
    auto c = app->changes().Create(who, ctx, fields);
    if (!c.ok()) state.SkipWithError(c.status().message().c_str());
    return c.ok();
  }
};

// ChangeService::Create on a real SQLite file, one caller: the durable
// create (change row, content version, audit event) without HTTP.
void BM_ChangeCreateService(benchmark::State& state) {
  testing::TempDir dir;
  auto b = BenchApp::Open(state, dir.File("svc.db"));
  if (!b) return;
  for (auto _ : state) {
    if (!b->Create(state)) return;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ChangeCreateService)->UseRealTime();

// Record-to-log reconciliation (audit verify --reconcile) over a real SQLite
// file of Arg changes, each with its creation event: rows compared per second
// (the log is read once; every row's state is rebuilt and hashed).
void BM_ReconcileSqlite(benchmark::State& state) {
  testing::TempDir dir;
  auto b = BenchApp::Open(state, dir.File("reconcile.db"));
  if (!b) return;
  for (int64_t i = 0; i < state.range(0); ++i) {
    if (!b->Create(state)) return;
  }
  int64_t rows = 0, events = 0;
  for (auto _ : state) {
    Status st = b->app->store().Read([&](Tx& tx) -> Status {
      CL_ASSIGN_OR_RETURN(ReconcileReport r, ReconcileRecords(tx));
      if (!r.ok()) return Internal("the bench database does not reconcile");
      rows += r.rows;
      events += r.events;
      return Status::Ok();
    });
    if (!st.ok()) return state.SkipWithError(st.message().c_str());
  }
  state.SetItemsProcessed(rows);
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReconcileSqlite)->Arg(5000)->Unit(benchmark::kMillisecond)->UseRealTime();

// One durable transaction per row (WAL, synchronous=FULL: the pragmas of the
// SQLite store), single writer: what a client waiting for its commit gets
// without group commit. Arg: rows per transaction.
void BM_RawSqliteDurableInsert(benchmark::State& state) {
  const char* env = std::getenv("CL_ROW_BYTES");
  const size_t bytes = env ? static_cast<size_t>(std::atol(env)) : 3000;
  const int64_t per_tx = state.range(0);
  testing::TempDir dir;
  sqlite3* db = nullptr;
  sqlite3_open(dir.File("raw.db").c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
               "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t (body) VALUES (?)", -1, &insert, nullptr);
  std::string body(bytes, 'x');
  for (auto _ : state) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (int64_t i = 0; i < per_tx; ++i) {
      sqlite3_bind_text(insert, 1, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
      sqlite3_step(insert);
      sqlite3_reset(insert);
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) state.SkipWithError("commit failed");
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations() * per_tx);
  state.counters["row_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RawSqliteDurableInsert)->Arg(1)->Arg(100)->UseRealTime();

}  // namespace
}  // namespace cl
