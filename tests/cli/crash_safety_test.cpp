// Crash safety: writers over the API while the server is killed with SIGKILL
// at a random moment, again and again, on SQLite and on PostgreSQL. After
// each kill the server must start again on the same database, and then:
// every write it acknowledged is there as acknowledged (created changes with
// their titles, submissions in state submitted), nothing is half-visible
// (every change in the database reads back whole and has exactly one
// change.create event in the audit log, and nothing exists that no writer
// sent), and at the end `audit verify --reconcile` passes.
//
// CL_CRASH_TRIALS sets the number of kills (default 5, as `make test` runs
// it; `make soak` runs 50). The kill moments come from CL_CRASH_SEED
// (default 1), so a failing run can be repeated.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "tests/support/change_fixture.h"
#include "tests/support/http.h"
#include "tests/support/pg_test_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace cl::testing {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

struct Acknowledged {
  std::mutex mu;
  std::map<std::string, std::string> titles;  // key -> title, for every 201
  std::set<std::string> submitted;            // keys whose submit answered 200
  std::set<std::string> sent_titles;          // every title any writer sent
};

class CrashSafetyTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      if (!PostgresWanted()) GTEST_SKIP() << "CL_TEST_BACKENDS leaves PostgreSQL out";
      pg_ = PgTestDatabase::Create();
      pg_->MigrateAndGrant();
      db_ = pg_->AppUrl();
    } else {
      db_ = dir_.File("changeledger.db");
    }
    env_ = {{"CHANGELEDGER_CONFIG_DIR", dir_.File("config")}};
  }

  std::vector<std::string> Local(std::vector<std::string> args) {
    args.insert(args.end(), {"--db", db_, "--signing-key", dir_.File("signing.key")});
    return args;
  }

  // Starts `serve`; returns its base URL ("" if it did not come up).
  std::string Serve(int n) {
    const std::string logs = dir_.File("serve-" + std::to_string(n));
    std::filesystem::create_directories(logs);
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"serve", "--db", db_, "--listen", "127.0.0.1:0", "--signing-key",
                                 dir_.File("signing.key"), "--no-access-log", "--no-bootstrap"},
        logs, env_);
    const std::string out = server_->WaitForOutput(" serving http://", 30000);
    if (out.empty()) return "";
    return WordAfter(out, " serving ");
  }

  // Every change in the database, by key -> (title, state).
  std::map<std::string, std::pair<std::string, std::string>> AllChanges(Http& http) {
    std::map<std::string, std::pair<std::string, std::string>> out;
    std::string after;
    for (;;) {
      Reply page = http.Get("/api/v1/changes?sort=number&limit=500" + (after.empty() ? "" : "&after=" + after), token_);
      if (page.status != 200) {
        ADD_FAILURE() << "list changes: " << page.status << " " << page.body;
        return out;
      }
      const nlohmann::json j = page.json();
      for (const auto& c : j["items"]) out[c["key"]] = {c["title"], c["state"]};
      if (j["next_after"].is_null()) return out;
      after = j["next_after"].get<std::string>();
    }
  }

  // change.create events per change key.
  std::map<std::string, int> CreateEvents(Http& http) {
    std::map<std::string, int> out;
    int64_t after = 0;
    for (;;) {
      Reply page =
          http.Get("/api/v1/audit/events?action=change.create&limit=1000&after=" + std::to_string(after), token_);
      if (page.status != 200) {
        ADD_FAILURE() << "audit events: " << page.status << " " << page.body;
        return out;
      }
      const nlohmann::json j = page.json();
      for (const auto& e : j["items"]) ++out[e["event"]["object"]["id"].get<std::string>()];
      if (j["next_after"].is_null()) return out;
      after = j["next_after"].get<int64_t>();
    }
  }

  TempDir dir_;
  std::unique_ptr<PgTestDatabase> pg_;
  std::string db_;
  std::string token_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<ChildProcess> server_;
};

TEST_P(CrashSafetyTest, KilledServerLosesNoAcknowledgedWriteAndShowsNothingHalfDone) {
  if (GetParam() == "sqlite") {
    ProcessResult m = RunCli({"migrate", "--db", db_}, "", env_);
    ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  }
  ProcessResult user =
      RunCli(Local({"user", "add", "writer", "--service", "--role", "implementer", "--role", "auditor"}), "", env_);
  ASSERT_EQ(user.exit_code, 0) << user.out << user.err;
  ProcessResult tok = RunCli(Local({"token", "create", "--user", "writer", "--name", "crash", "--scope",
                                    "changes:write", "--scope", "changes:read", "--scope", "audit:read", "-o", "json"}),
                             "", env_);
  ASSERT_EQ(tok.exit_code, 0) << tok.out << tok.err;
  token_ = nlohmann::json::parse(tok.out)["secret"];

  const int trials = EnvInt("CL_CRASH_TRIALS", 5);
  const int seed = EnvInt("CL_CRASH_SEED", 1);
  std::mt19937 random(static_cast<uint32_t>(seed));
  std::uniform_int_distribution<int> kill_after_ms(50, 900);
  constexpr int kWriters = 4;
  Acknowledged acked;
  int64_t acknowledged_before = 0;

  for (int trial = 0; trial <= trials; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial) + " of " + std::to_string(trials) +
                 ", CL_CRASH_SEED=" + std::to_string(seed));
    const std::string url = Serve(trial);
    ASSERT_FALSE(url.empty()) << "the server did not start again after a kill: " << server_->Stderr();
    Http http(url);

    // What the server acknowledged before the last kill is all there.
    const auto changes = AllChanges(http);
    const auto creates = CreateEvents(http);
    {
      std::lock_guard lock(acked.mu);
      for (const auto& [key, title] : acked.titles) {
        auto it = changes.find(key);
        ASSERT_TRUE(it != changes.end()) << "acknowledged " << key << " is gone";
        EXPECT_EQ(it->second.first, title) << key;
      }
      for (const std::string& key : acked.submitted) {
        EXPECT_EQ(changes.at(key).second, "submitted") << "acknowledged submit of " << key << " is gone";
      }
      for (const auto& [key, c] : changes) {
        // Nothing half-done: one create event per change, each change whole,
        // and nothing in the database that no writer sent.
        EXPECT_EQ(creates.count(key) ? creates.at(key) : 0, 1) << key;
        EXPECT_TRUE(acked.sent_titles.count(c.first)) << key << " " << c.first;
        if (!acked.titles.count(key)) {
          Reply whole = http.Get("/api/v1/changes/" + key, token_);
          EXPECT_EQ(whole.status, 200) << "unacknowledged but committed " << key << ": " << whole.body;
        }
      }
      EXPECT_EQ(creates.size(), changes.size()) << "an event for a change that is not there";
    }
    if (trial == trials) break;

    // Writers, then a SIGKILL at a random moment while they write.
    std::atomic<bool> down{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        Http client(url);
        for (int i = 0; !down.load(); ++i) {
          nlohmann::json body = NormalChange("staging", false);
          const std::string title = "t" + std::to_string(trial) + " w" + std::to_string(w) + " n" + std::to_string(i);
          body["title"] = title;
          body.erase("implementer");
          body["success_criteria"] = "p99 below 300 ms";
          body["failure_conditions"] = "error rate above 1%";
          body["monitoring_plan"] = "Watch the checkout dashboard";
          body["responsibility"] = {{"owner", "customer"}, {"contact", "payments on-call"}};
          {
            std::lock_guard lock(acked.mu);
            acked.sent_titles.insert(title);
          }
          Reply r = client.Json("POST", "/api/v1/changes", body, token_);
          if (r.status <= 0) return;  // the server is gone
          if (r.status != 201) {
            ADD_FAILURE() << "create answered " << r.status << " " << r.body;
            return;
          }
          const std::string key = r.json()["key"];
          {
            std::lock_guard lock(acked.mu);
            acked.titles[key] = title;
          }
          if (i % 3 != 0) continue;
          Reply s = client.Json("POST", "/api/v1/changes/" + key + "/submit", nlohmann::json::object(), token_);
          if (s.status <= 0) return;
          if (s.status != 200) {
            ADD_FAILURE() << "submit answered " << s.status << " " << s.body;
            return;
          }
          std::lock_guard lock(acked.mu);
          acked.submitted.insert(key);
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(random)));
    server_->Signal(SIGKILL);
    down = true;
    server_->Wait();
    for (auto& t : writers) t.join();
    std::lock_guard lock(acked.mu);
    const auto now = static_cast<int64_t>(acked.titles.size());
    EXPECT_GT(now, acknowledged_before) << "the writers got nothing done before the kill";
    acknowledged_before = now;
  }

  server_->Signal(SIGTERM);
  EXPECT_EQ(server_->Wait(), 0) << server_->Stderr();
  // Nothing half-done anywhere: each record is the state its newest event
  // recorded (a row written without its event, or the reverse, would show).
  ProcessResult v = RunCli({"audit", "verify", "--db", db_, "--reconcile", "-o", "json"}, "", env_);
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(nlohmann::json::parse(v.out)["ok"], true) << v.out;
  EXPECT_EQ(nlohmann::json::parse(v.out)["reconcile"]["problem_count"], 0) << v.out;
  std::printf(
      "%d kills on %s: %zu acknowledged creates and %zu submits all present; audit verified and records "
      "reconciled\n",
      trials, GetParam().c_str(), acked.titles.size(), acked.submitted.size());
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashSafetyTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace cl::testing
