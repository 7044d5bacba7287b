// The permits in a change's representation (what the web UI offers) against
// what the API then does for each user.
#include <algorithm>

#include "tests/api/change_api_fixture.h"

namespace cl::testing {
namespace {

// The permits in a change's representation are what the web UI offers; each
// one must match what the API then does for that user.
TEST_F(ChangeApiTest, PermitsOfferExactlyWhatTheApiAcceptsFromEachUser) {
  const std::string key = Create(NormalChange("production", /*iam=*/true));
  auto permits = [&](const TestUser& who) {
    Reply r = http().Get("/api/v1/changes/" + key, who.token);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["permits"];
  };
  auto has = [](const nlohmann::json& list, const char* action) {
    return std::find(list.begin(), list.end(), action) != list.end();
  };
  nlohmann::json draft_alice = permits(p().alice);
  EXPECT_TRUE(draft_alice["edit"].get<bool>());
  EXPECT_TRUE(has(draft_alice["actions"], "submit")) << draft_alice;
  EXPECT_TRUE(has(draft_alice["actions"], "cancel")) << draft_alice;
  EXPECT_FALSE(has(draft_alice["actions"], "start")) << draft_alice;
  nlohmann::json draft_bob = permits(p().bob);
  EXPECT_FALSE(draft_bob["edit"].get<bool>());
  EXPECT_TRUE(draft_bob["actions"].empty()) << draft_bob;
  EXPECT_FALSE(draft_bob["approve"].get<bool>()) << "a draft takes no decisions";
  EXPECT_TRUE(IsProblem(Act(key, "submit", p().bob), 403, "forbidden")) << "bob may not submit alice's change";
  // Attaching a plan: the requestor may, an approver without evidence:write may not.
  EXPECT_TRUE(draft_alice["attach_plan"].get<bool>()) << draft_alice;
  EXPECT_FALSE(draft_bob["attach_plan"].get<bool>()) << draft_bob;
  const std::string plan = R"({"format_version":"1.2","resource_changes":[]})";
  auto attach = [&](const TestUser& who) {
    return http().Send("POST", "/api/v1/changes/" + key + "/plans", plan,
                       {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + who.token}});
  };
  EXPECT_TRUE(IsProblem(attach(p().bob), 403, "forbidden")) << "the API refuses what the permit withholds";

  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  // carol approves, but not as owner or security of payments: no button, 403.
  nlohmann::json carol = permits(p().carol);
  EXPECT_FALSE(carol["approve"].get<bool>()) << carol;
  EXPECT_TRUE(carol["approver_roles"].empty()) << carol;
  EXPECT_EQ(Decide(key, p().carol).status, 403);
  // ivan owns payments but implements this change: he may reject, not approve alone.
  nlohmann::json ivan = permits(p().ivan);
  EXPECT_FALSE(ivan["approve"].get<bool>()) << ivan;
  EXPECT_TRUE(ivan["reject"].get<bool>()) << ivan;
  EXPECT_TRUE(IsProblem(Decide(key, p().ivan), 403, "segregation-of-duties"))
      << "the API refuses what the permit withholds";
  // bob is the owner: the permit and the API agree.
  nlohmann::json bob = permits(p().bob);
  EXPECT_TRUE(bob["approve"].get<bool>()) << bob;
  EXPECT_EQ(bob["approver_roles"], nlohmann::json({"service_owner"})) << bob;
  auto pending = [&](const TestUser& who) {
    Reply r = http().Get("/api/v1/me/pending-approvals", who.token);
    EXPECT_EQ(r.status, 200) << r.body;
    const nlohmann::json body = r.json();  // kept: a range-for over r.json()["items"] would dangle
    std::vector<std::string> keys;
    for (const auto& c : body["items"]) keys.push_back(c["key"]);
    return keys;
  };
  EXPECT_EQ(pending(p().bob), std::vector<std::string>{key}) << "the owner's list";
  EXPECT_TRUE(pending(p().carol).empty()) << "not carol's to decide";
  EXPECT_EQ(pending(p().ivan), std::vector<std::string>{key}) << "ivan may still reject";
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  EXPECT_FALSE(permits(p().bob)["approve"].get<bool>()) << "one decision per approver and version";
  EXPECT_TRUE(pending(p().bob).empty()) << "decided: off bob's list";
  // An independent approval exists now: ivan may add his.
  EXPECT_TRUE(permits(p().ivan)["approve"].get<bool>());
  // The auditor-like admin view: every permit is a boolean or a list.
  nlohmann::json admin = permits(p().admin);
  for (const char* field :
       {"edit", "approve", "approve_with_compensating_control", "reject", "add_evidence", "judge_evidence"}) {
    EXPECT_TRUE(admin[field].is_boolean()) << field;
  }
  EXPECT_TRUE(admin["reviews"].empty()) << "nothing to review before implementation";
}

}  // namespace
}  // namespace cl::testing
