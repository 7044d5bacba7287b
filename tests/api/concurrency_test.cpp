// Races between people on one change: edits against edits, edits against
// approvals. On every backend (this suite also runs as api_pg.*) the loser
// gets 409 problem+json and nothing is overwritten or approved unseen.
#include <atomic>
#include <thread>

#include "tests/api/change_api_fixture.h"

namespace cl::testing {
namespace {

Reply Patch(TestServer& server, const std::string& key, const nlohmann::json& body, const TestUser& who,
            int64_t row_version) {
  return Http(server.url())
      .Send("PATCH", "/api/v1/changes/" + key, body.dump(),
            {{"Authorization", "Bearer " + who.token},
             {"Content-Type", "application/json"},
             {"If-Match", "\"" + std::to_string(row_version) + "\""}});
}

TEST_F(ChangeApiTest, ApprovingWhatYouDidNotReviewIsRefused) {
  const std::string key = Create(NormalChange("staging", false));
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  const nlohmann::json reviewed = Get(key);
  const int64_t version = reviewed["content_version"];
  const std::string hash = reviewed["material_sha256"];

  Reply edit =
      http().Edit("/api/v1/changes/" + key, {{"rollback_plan", "Fail over to the old region"}}, p().alice.token);
  ASSERT_EQ(edit.status, 200) << edit.body;
  const int64_t audit_before = server().AuditCount();
  Reply stale = Decide(key, p().bob, "approve", {{"content_version", version}});
  EXPECT_TRUE(IsProblem(stale, 409, "conflict")) << stale.body;
  EXPECT_TRUE(Has(stale.body, "changed since you reviewed it")) << stale.body;
  Reply stale_hash = Decide(key, p().bob, "approve", {{"material_sha256", hash}});
  EXPECT_TRUE(IsProblem(stale_hash, 409, "conflict")) << stale_hash.body;
  EXPECT_EQ(server().AuditCount(), audit_before) << "a refused decision records nothing";
  EXPECT_TRUE(Get(key)["approvals"].empty());

  const nlohmann::json now = Get(key);
  Reply fresh = Decide(key, p().bob, "approve",
                       {{"content_version", now["content_version"]}, {"material_sha256", now["material_sha256"]}});
  ASSERT_EQ(fresh.status, 201) << fresh.body;
  EXPECT_EQ(Get(key)["state"], "approved");
}

TEST_F(ChangeApiTest, RacingEditsAndApprovalsNeverOverwriteOrApproveUnseenContent) {
  for (int round = 0; round < 3; ++round) {
    const std::string key = Create(NormalChange("staging", false));
    ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
    const nlohmann::json seen = Get(key);
    const int64_t row_version = seen["row_version"];
    const int64_t content_version = seen["content_version"];

    std::atomic<int> edits_ok{0}, edits_conflict{0}, approvals_ok{0}, approvals_conflict{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        Reply r = Patch(server(), key, {{"rollback_plan", "Plan " + std::to_string(i)}}, p().alice, row_version);
        if (r.status == 200) {
          ++edits_ok;
        } else if (IsProblem(r, 409, "conflict")) {
          ++edits_conflict;
        } else {
          ++other;
          ADD_FAILURE() << r.status << " " << r.body;
        }
      });
    }
    for (const TestUser* approver : {&p().bob}) {  // the one payments owner who is not involved
      threads.emplace_back([&, approver] {
        Reply r = Http(server().url())
                      .Json("POST", "/api/v1/changes/" + key + "/approvals",
                            {{"decision", "approve"}, {"content_version", content_version}}, approver->token);
        if (r.status == 201) {
          ++approvals_ok;
        } else if (r.status == 409) {
          ++approvals_conflict;
        } else {
          ++other;
          ADD_FAILURE() << r.status << " " << r.body;
        }
      });
    }
    for (auto& t : threads) t.join();

    EXPECT_EQ(other.load(), 0);
    // Both edits were based on one row version: at most one wins (none if an
    // approval moved the change on first), the other gets 409.
    EXPECT_LE(edits_ok.load(), 1);
    EXPECT_EQ(edits_ok.load() + edits_conflict.load(), 2);
    EXPECT_EQ(approvals_ok.load() + approvals_conflict.load(), 1);

    const nlohmann::json after = Get(key);
    const std::string plan = after["content"]["rollback_plan"];
    if (edits_ok.load() == 1) {
      EXPECT_EQ(after["content_version"], content_version + 1);
      EXPECT_TRUE(plan == "Plan 0" || plan == "Plan 1") << plan;
      EXPECT_EQ(after["state"], "submitted") << "the edit needs approval again";
    } else {
      EXPECT_EQ(after["content_version"], content_version);
      EXPECT_EQ(plan, seen["content"]["rollback_plan"]);
    }
    // Whatever the order, no valid approval covers content its approver did not see.
    for (const nlohmann::json& a : after["approvals"]) {
      EXPECT_EQ(a["content_version"], content_version) << a.dump();
      if (a["status"] == "valid") {
        EXPECT_EQ(after["content_version"], content_version) << a.dump();
      }
    }
  }
}

}  // namespace
}  // namespace cl::testing
