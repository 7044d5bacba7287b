// Regression tests for defects found by attacking the server (R1): deep
// JSON that crashed it, database errors that reached clients, control
// characters PostgreSQL cannot store, lenient numbers in paths, and edits
// without If-Match. Each of these failed before its fix. The suite runs on
// SQLite (api.*) and PostgreSQL (api_pg.*).
#include <set>

#include "tests/api/change_api_fixture.h"

namespace cl::testing {
namespace {

// A change whose template parameters nest `depth` arrays: the body's own
// depth is depth + 3 (body, template, parameters).
std::string ChangeWithNesting(int depth) {
  std::string body = NormalChange("staging", false).dump();
  body.pop_back();  // the closing brace
  return body + R"(,"template":{"id":"restart","parameters":{"p":)" + std::string(depth, '[') +
         std::string(depth, ']') + "}}}";
}

class HardeningTest : public ChangeApiTest {
 protected:
  Reply Post(const std::string& path, const std::string& body) {
    return http().Send("POST", path, body,
                       {{"Authorization", "Bearer " + p().alice.token}, {"Content-Type", "application/json"}});
  }
  Reply Patch(const std::string& path, const std::string& body, const std::string& if_match, const std::string& token) {
    std::map<std::string, std::string> h = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
    if (!if_match.empty()) h["If-Match"] = if_match;
    return http().Send("PATCH", path, body, h);
  }
  void ExpectServing() { EXPECT_EQ(http().Get("/healthz").status, 200) << "the server is still up"; }
};

TEST_F(HardeningTest, DeeplyNestedJsonIsRefusedBeforeAnyTreeIsBuilt) {
  const std::string key = Create(NormalChange("staging", false));
  const std::string etag = http().Get("/api/v1/changes/" + key, p().alice.token).Header("etag");
  const int64_t audit = server().AuditCount();
  // 80,000 levels crashed the process (stack overflow); 2,500-50,000 got a
  // 500 with the database's "malformed JSON" or "stack depth limit exceeded".
  for (int depth : {62, 2'500, 50'000, 80'000}) {
    SCOPED_TRACE(depth);
    const std::string body = ChangeWithNesting(depth);
    ASSERT_LT(body.size(), 256u * 1024) << "fits the body limit, as the attack did";
    Reply created = Post("/api/v1/changes", body);
    EXPECT_TRUE(IsProblem(created, 400, "malformed-request")) << created.body.substr(0, 300);
    EXPECT_TRUE(Has(created.body, "deeper than 64 levels")) << created.body.substr(0, 300);
    Reply edited = Patch("/api/v1/changes/" + key, body, etag, p().alice.token);
    EXPECT_TRUE(IsProblem(edited, 400, "malformed-request")) << edited.body.substr(0, 300);
    ExpectServing();
  }
  EXPECT_EQ(server().AuditCount(), audit) << "nothing was stored";
  // At the limit itself the body is read, stored and audited as usual.
  Reply at_limit = Post("/api/v1/changes", ChangeWithNesting(61));
  ASSERT_EQ(at_limit.status, 201) << at_limit.body;
  const std::string deep_key = at_limit.json()["key"];
  EXPECT_EQ(Get(deep_key)["content"]["template"]["parameters"]["p"].dump().size(), 122u);
}

TEST_F(HardeningTest, BodiesWithTooManyValuesAreRefused) {
  std::string body = NormalChange("staging", false).dump();
  body.pop_back();
  std::string many = "[0";
  for (int i = 0; i < 100'000; ++i) many += ",0";
  body += R"(,"template":{"id":"restart","parameters":{"p":)" + many + "]}}}";
  const int64_t audit = server().AuditCount();
  Reply r = Post("/api/v1/changes", body);
  EXPECT_TRUE(IsProblem(r, 400, "malformed-request")) << r.body.substr(0, 300);
  EXPECT_TRUE(Has(r.body, "more than 100000 JSON values")) << r.body.substr(0, 300);
  EXPECT_EQ(server().AuditCount(), audit);
  ExpectServing();
}

TEST_F(HardeningTest, ControlCharactersAreRefusedAlikeOnEveryBackend) {
  const int64_t audit = server().AuditCount();
  // PostgreSQL cannot store NUL at all: it used to answer with its own error text.
  for (const char* bad : {"\\u0000", "\\u0007", "\\u001b[2J", "\\u007f", "\\u0085", "a\\rb"}) {
    SCOPED_TRACE(bad);
    nlohmann::json change = NormalChange("staging", false);
    std::string body = change.dump();
    const std::string title = "\"title\":\"";
    body.insert(body.find(title) + title.size(), bad);
    Reply r = Post("/api/v1/changes", body);
    EXPECT_TRUE(IsProblem(r, 422, "validation-failed")) << r.body;
    ASSERT_TRUE(r.json().contains("errors")) << r.body;
    EXPECT_EQ(r.json()["errors"][0]["pointer"], "#/title") << r.body;
    EXPECT_TRUE(Has(r.body, "control character U+")) << r.body;
    EXPECT_FALSE(Has(r.body, "invalid byte sequence")) << r.body;
  }
  // In free-form JSON too, and in a field name.
  std::string nested = NormalChange("staging", false).dump();
  nested.pop_back();
  Reply in_params = Post("/api/v1/changes", nested + R"(,"template":{"id":"x","parameters":{"k\u0000":"v"}}})");
  EXPECT_TRUE(IsProblem(in_params, 422, "validation-failed")) << in_params.body;
  EXPECT_EQ(in_params.json()["errors"][0]["pointer"], "#/template/parameters") << in_params.body;
  // Query and path parameters.
  EXPECT_TRUE(IsProblem(http().Get("/api/v1/changes?service=pay%00ments", p().alice.token), 422, "validation-failed"));
  EXPECT_TRUE(IsProblem(http().Get("/api/v1/users/%00", server().Admin().token), 400, "malformed-request"));
  EXPECT_TRUE(IsProblem(http().Get("/api/v1/changes/CHG-1%00", p().alice.token), 400, "malformed-request"));
  EXPECT_EQ(server().AuditCount(), audit);
  // Tab, line feed and CRLF line breaks are text.
  nlohmann::json fine = NormalChange("staging", false);
  fine["description"] = "Steps:\r\n\t1. drain\n\t2. restart";
  const std::string key = Create(fine);
  EXPECT_EQ(Get(key)["content"]["description"], "Steps:\r\n\t1. drain\n\t2. restart");
}

TEST_F(HardeningTest, NumbersInPathsAreParsedStrictly) {
  const std::string key = Create(NormalChange("staging", false));
  ASSERT_EQ(key, "CHG-1");
  const std::string token = p().alice.token;
  EXPECT_EQ(http().Get("/api/v1/policy/versions/1", token).status, 200);
  EXPECT_EQ(http().Get("/api/v1/changes/CHG-1", token).status, 200);
  EXPECT_EQ(http().Get("/api/v1/changes/1", token).status, 200);
  // Each of these used to name version 1 or CHG-1.
  for (const char* v :
       {"1abc", "+1", "01", "1%27%20OR%20%271%27=%271", "-1", "0", "1.0", "%201", "1e0", "99999999999999999999"}) {
    SCOPED_TRACE(v);
    EXPECT_TRUE(IsProblem(http().Get(std::string("/api/v1/policy/versions/") + v, token), 404, "not-found"));
    EXPECT_TRUE(IsProblem(http().Get(std::string("/api/v1/changes/CHG-") + v, token), 404, "not-found"));
  }
}

TEST_F(HardeningTest, EditsNeedIfMatchAndEditsThatChangeNothingStoreNothing) {
  const std::string key = Create(NormalChange("staging", false));
  const std::string path = "/api/v1/changes/" + key;
  const nlohmann::json before = Get(key);
  const std::string etag = http().Get(path, p().alice.token).Header("etag");
  int64_t audit = server().AuditCount();

  Reply blind = Patch(path, R"({"title":"Overwrites whatever is there"})", "", p().alice.token);
  EXPECT_TRUE(IsProblem(blind, 428, "precondition-required")) << blind.body;
  EXPECT_TRUE(Has(blind.body, "If-Match")) << blind.body;
  EXPECT_EQ(Get(key)["title"], before["title"]);

  // An empty PATCH, and one that repeats what is stored, are no-ops.
  for (const std::string& body : {std::string("{}"), nlohmann::json{{"title", before["title"]}}.dump()}) {
    SCOPED_TRACE(body);
    Reply same = Patch(path, body, etag, p().alice.token);
    ASSERT_EQ(same.status, 200) << same.body;
    EXPECT_EQ(same.Header("etag"), etag);
    EXPECT_EQ(same.json()["content_version"], before["content_version"]);
  }
  EXPECT_EQ(Get(key)["versions"].size(), before["versions"].size());
  EXPECT_EQ(server().AuditCount(), audit) << "no event for an edit that changed nothing";
  Reply real = Patch(path, R"({"title":"Raise the pool to 14"})", etag, p().alice.token);
  ASSERT_EQ(real.status, 200) << real.body;
  EXPECT_NE(real.Header("etag"), etag);

  // Users: the same rules.
  const std::string user = "/api/v1/users/" + p().bob.user.id;
  const std::string admin = server().Admin().token;
  const std::string user_etag = http().Get(user, admin).Header("etag");
  audit = server().AuditCount();
  EXPECT_TRUE(IsProblem(Patch(user, R"({"display_name":"Bobby"})", "", admin), 428, "precondition-required"));
  Reply same_user = Patch(user, nlohmann::json{{"display_name", p().bob.user.display_name}}.dump(), user_etag, admin);
  ASSERT_EQ(same_user.status, 200) << same_user.body;
  EXPECT_EQ(same_user.Header("etag"), user_etag);
  EXPECT_EQ(server().AuditCount(), audit);

  // Evidence: If-Match is the status the judgement was made from.
  Reply ev = http().Json("POST", path + "/evidence",
                         {{"kind", "test_result"}, {"outcome", "success"}, {"url", "https://ci.example.com/r/7"}},
                         p().alice.token);
  ASSERT_EQ(ev.status, 201) << ev.body;
  const std::string judge = path + "/evidence/" + ev.json()["id"].get<std::string>();
  const std::string verdict = R"({"status":"superseded","reason":"wrong run"})";
  audit = server().AuditCount();
  EXPECT_TRUE(IsProblem(Patch(judge, verdict, "", p().bob.token), 428, "precondition-required"));
  EXPECT_TRUE(IsProblem(Patch(judge, verdict, "\"not_verifiable\"", p().bob.token), 409, "conflict"));
  EXPECT_TRUE(IsProblem(Patch(judge, verdict, "\"7\"", p().bob.token), 400, "malformed-request"));
  EXPECT_EQ(server().AuditCount(), audit);
  Reply judged = Patch(judge, verdict, "\"valid\"", p().bob.token);
  ASSERT_EQ(judged.status, 200) << judged.body;
  EXPECT_EQ(judged.Header("etag"), "\"superseded\"");
  EXPECT_TRUE(
      IsProblem(Patch(judge, R"({"status":"valid","reason":"re-run"})", "\"valid\"", p().bob.token), 409, "conflict"))
      << "a second judge working from the old status is refused";
}

TEST_F(HardeningTest, ChangeBodiesAreCheckedOnceByTheCoreReaderAgainstTheDocumentedLimits) {
  const int64_t audit = server().AuditCount();
  // Every problem named at once, by the one reader (not a schema pass first).
  nlohmann::json bad = NormalChange("staging", false);
  bad["title"] = 7;
  bad["bogus"] = true;
  bad["template"] = {{"parameters", nlohmann::json::object()}};
  Reply r = Post("/api/v1/changes", bad.dump());
  ASSERT_TRUE(IsProblem(r, 422, "validation-failed")) << r.body;
  std::set<std::string> pointers;
  const nlohmann::json problem = r.json();  // not a temporary: the loop reads into it
  for (const auto& e : problem["errors"]) pointers.insert(e["pointer"].get<std::string>());
  EXPECT_EQ(pointers, (std::set<std::string>{"#/title", "#/bogus", "#/template/id"})) << r.body;
  EXPECT_EQ(server().AuditCount(), audit);
  // maxLength counts characters, as the OpenAPI document says: 200 two-byte
  // characters fit, 201 do not.
  std::string title;
  for (int i = 0; i < 200; ++i) title += "\u00e9";
  nlohmann::json fits = NormalChange("staging", false);
  fits["title"] = title;
  EXPECT_EQ(Post("/api/v1/changes", fits.dump()).status, 201);
  fits["title"] = fits["title"].get<std::string>() + "e";
  Reply over = Post("/api/v1/changes", fits.dump());
  ASSERT_TRUE(IsProblem(over, 422, "validation-failed")) << over.body;
  EXPECT_TRUE(Has(over.body, "at most 200 characters")) << over.body;
}

}  // namespace
}  // namespace cl::testing
