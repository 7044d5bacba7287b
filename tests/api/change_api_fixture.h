// ChangeApiTest: the API suite's fixture for change scenarios: the scenario
// policy, its people, a manual clock, helpers to create, act, decide and
// read (ApiTest checks the audit chain and the records after every passing test).
#pragma once

#include "tests/api/api_fixture.h"
#include "tests/support/change_fixture.h"

namespace cl::testing {

class ChangeApiTest : public ApiTest {
 protected:
  void SetUp() override {
    options_.clock = &manual_clock_;
    options_.policy_yaml = kScenarioPolicy;
    people_ = std::make_unique<ChangePeople>(server());
  }
  ChangePeople& p() { return *people_; }
  Reply Act(const std::string& key, const std::string& action, const TestUser& who,
            nlohmann::json body = nlohmann::json::object()) {
    return http().Json("POST", "/api/v1/changes/" + key + "/" + action, body, who.token);
  }
  Reply Decide(const std::string& key, const TestUser& who, const std::string& decision = "approve",
               nlohmann::json extra = nlohmann::json::object()) {
    extra["decision"] = decision;
    return http().Json("POST", "/api/v1/changes/" + key + "/approvals", extra, who.token);
  }
  nlohmann::json Get(const std::string& key) {
    Reply r = http().Get("/api/v1/changes/" + key, p().admin.token);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(ResponseSchemaErrors(server().api(), "GET", "/api/v1/changes/{key}", r.json()).empty());
    return r.json();
  }
  std::string Create(nlohmann::json fields, const TestUser* who = nullptr) {
    Reply r = http().Json("POST", "/api/v1/changes", fields, (who ? *who : p().alice).token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("key", "");
  }
  // Runs and tests are attached as successful unless `outcome` says otherwise.
  void Evidence(const std::string& key, const std::string& kind, const std::string& outcome = "success") {
    nlohmann::json body = {{"kind", kind}, {"url", "https://ci.example.com/runs/42"}};
    if (kind == "test_result" || kind == "pipeline_run") body["outcome"] = outcome;
    Reply r = http().Json("POST", "/api/v1/changes/" + key + "/evidence", body, p().alice.token);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  std::unique_ptr<ChangePeople> people_;
};

}  // namespace cl::testing
