// Bad input of every kind gets a 4xx problem (never a 5xx) and stores
// nothing: no user, no audit event.
#include "tests/api/api_fixture.h"

namespace cl::testing {
namespace {

struct BadBody {
  const char* name;
  std::string body;
  std::string content_type;
  long status;
  const char* slug;
  const char* pointer;  // expected first field error, or nullptr
};

std::vector<BadBody> BadUserBodies() {
  const std::string ok_prefix = R"({"username":"zed","display_name":"Zed","roles":["auditor"])";
  return {
      {"not json", "{\"username\":", "application/json", 400, "malformed-request", nullptr},
      {"trailing garbage", ok_prefix + "} x", "application/json", 400, "malformed-request", nullptr},
      {"empty body", "", "application/json", 400, "malformed-request", nullptr},
      {"whitespace body", "  \n ", "application/json", 400, "malformed-request", nullptr},
      {"array instead of object", "[]", "application/json", 422, "validation-failed", nullptr},
      {"bad utf-8", ok_prefix.substr(0, ok_prefix.size() - 1) + ",\"email\":\"\xff\xfe@x\"}", "application/json", 400,
       "malformed-request", nullptr},
      {"overlong utf-8 slash", "{\"username\":\"\xc0\xaf\"}", "application/json", 400, "malformed-request", nullptr},
      {"wrong type", R"({"username":42,"display_name":"Zed","roles":["auditor"]})", "application/json", 422,
       "validation-failed", "#/username"},
      {"wrong element type", R"({"username":"zed","display_name":"Zed","roles":[1]})", "application/json", 422,
       "validation-failed", "#/roles/0"},
      {"unknown field", ok_prefix + R"(,"is_superuser":true})", "application/json", 422, "validation-failed",
       "#/is_superuser"},
      {"unknown role", R"({"username":"zed","display_name":"Zed","roles":["root"]})", "application/json", 422,
       "validation-failed", "#/roles/0"},
      {"missing required", R"({"username":"zed"})", "application/json", 422, "validation-failed", nullptr},
      {"null value", R"({"username":null,"display_name":"Zed","roles":["auditor"]})", "application/json", 422,
       "validation-failed", "#/username"},
      {"bad username chars", R"({"username":"Zed Smith","display_name":"Zed","roles":["auditor"]})", "application/json",
       422, "validation-failed", "#/username"},
      // Refused before any tree is built (once crashed the server at 80,000 levels).
      {"deeply nested", "{\"username\":" + std::string(7000, '[') + std::string(7000, ']') + "}", "application/json",
       400, "malformed-request", nullptr},
      {"65 levels", "{\"username\":" + std::string(64, '[') + std::string(64, ']') + "}", "application/json", 400,
       "malformed-request", nullptr},
      {"NUL in a text field", R"({"username":"zed","display_name":"Z\u0000ed","roles":["auditor"]})",
       "application/json", 422, "validation-failed", "#/display_name"},
      {"escape character in a text field", R"({"username":"zed","display_name":"Z\u001b[31med","roles":["auditor"]})",
       "application/json", 422, "validation-failed", "#/display_name"},
      {"NUL in a field name", R"({"username":"zed","display_name":"Zed","roles":["auditor"],"a\u0000":1})",
       "application/json", 422, "validation-failed", "#/"},
      // Used to abort the server (nlohmann out_of_range escaped the body parser).
      {"number beyond double", R"({"username":"zed","display_name":"Zed","roles":["auditor"],"x":1e999})",
       "application/json", 400, "malformed-request", nullptr},
      {"form encoded", "username=zed", "application/x-www-form-urlencoded", 415, "unsupported-media-type", nullptr},
      {"text plain", ok_prefix + "}", "text/plain", 415, "unsupported-media-type", nullptr},
      {"too large", "{\"display_name\":\"" + std::string(20000, 'a') + "\"}", "application/json", 413,
       "payload-too-large", nullptr},
  };
}

TEST_F(ApiTest, BadBodiesAreRejectedAndNothingIsStored) {
  const std::string token = server().Admin().token;
  const int64_t users_before = server().UserCount();
  const int64_t audit_before = server().AuditCount();
  for (const BadBody& c : BadUserBodies()) {
    SCOPED_TRACE(c.name);
    Reply r = http().Send("POST", "/api/v1/users", c.body,
                          {{"Authorization", "Bearer " + token}, {"Content-Type", c.content_type}});
    EXPECT_TRUE(IsProblem(r, c.status, c.slug));
    if (c.pointer != nullptr) {
      ASSERT_TRUE(r.json().contains("errors")) << r.body;
      bool found = false;
      const nlohmann::json problem = r.json();
      for (const auto& e : problem["errors"]) found = found || e.value("pointer", "") == c.pointer;
      EXPECT_TRUE(found) << r.body;
    }
  }
  EXPECT_EQ(server().UserCount(), users_before);
  EXPECT_EQ(server().AuditCount(), audit_before);
  // The same before authentication, on the public login route: still a 400, still serving.
  Reply login = http().Send("POST", "/api/v1/session", R"({"username":1e999,"password":"x"})",
                            {{"Content-Type", "application/json"}});
  EXPECT_TRUE(IsProblem(login, 400, "malformed-request"));
  EXPECT_EQ(http().Get("/healthz").status, 200);
}

TEST_F(ApiTest, ValidationListsEveryBadField) {
  Reply r = http().Json("POST", "/api/v1/users",
                        {{"username", 1}, {"display_name", ""}, {"roles", nlohmann::json::array()}, {"x", 1}},
                        server().Admin().token);
  ASSERT_TRUE(IsProblem(r, 422, "validation-failed"));
  std::set<std::string> pointers;
  const nlohmann::json problem = r.json();
  EXPECT_EQ(problem["detail"], "4 field(s) are not valid");
  for (const auto& e : problem["errors"]) {
    pointers.insert(e["pointer"]);
    EXPECT_FALSE(e["detail"].get<std::string>().empty());
  }
  EXPECT_EQ(pointers, (std::set<std::string>{"#/username", "#/display_name", "#/roles", "#/x"}));
}

TEST_F(ApiTest, BadQueryParametersAreNamed) {
  const std::string token = server().Admin().token;
  struct Case {
    std::string query;
    std::string parameter;
  } cases[] = {{"limit=0", "limit"},
               {"limit=abc", "limit"},
               {"limit=100000", "limit"},
               {"role=root", "role"},
               {"include_disabled=maybe", "include_disabled"},
               {"colour=red", "colour"}};
  for (const Case& c : cases) {
    Reply r = http().Get("/api/v1/users?" + c.query, token);
    ASSERT_TRUE(IsProblem(r, 422, "validation-failed")) << c.query;
    EXPECT_EQ(r.json()["errors"][0]["parameter"], c.parameter) << r.body;
  }
  EXPECT_EQ(http().Get("/api/v1/users?limit=2&role=admin", token).status, 200);
}

TEST_F(ApiTest, BodiesWhereNoneIsExpectedAreRefused) {
  const std::string token = server().Admin().token;
  TestUser pat = server().CreateUser("pat", {"auditor"});
  Reply r = http().Send("POST", "/api/v1/users/" + pat.user.id + "/password-reset", R"({"password":"mine"})",
                        {{"Authorization", "Bearer " + token}});
  EXPECT_TRUE(IsProblem(r, 400, "malformed-request")) << r.body;
}

}  // namespace
}  // namespace cl::testing
