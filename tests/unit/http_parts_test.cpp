#include <gtest/gtest.h>

#include <set>

#include "http/message.h"
#include "http/problem.h"
#include "http/route.h"

namespace cl::http {
namespace {

TEST(QueryTest, DecodesRepeatsAndEscapes) {
  auto q = ParseQuery("a=1&a=2&b=x%20y+z&flag&c=%C3%A9");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->count("a"), 2u);
  EXPECT_EQ(q->find("b")->second, "x y z");
  EXPECT_EQ(q->find("flag")->second, "");
  EXPECT_EQ(q->find("c")->second, "é");
  EXPECT_FALSE(ParseQuery("a=%zz").has_value());
  EXPECT_FALSE(ParseQuery("a=%C3").has_value()) << "truncated UTF-8";
  EXPECT_FALSE(ParseQuery("a=%").has_value());
}

TEST(CookieTest, FindsOneCookieAmongMany) {
  EXPECT_EQ(CookieValue("a=1; cl_session=cls_x; b=2", "cl_session"), "cls_x");
  EXPECT_EQ(CookieValue("cl_session_old=1", "cl_session"), "");
  EXPECT_EQ(CookieValue("", "cl_session"), "");
}

TEST(Utf8Test, RejectsOverlongsSurrogatesAndTruncation) {
  EXPECT_TRUE(IsValidUtf8("plain é 漢字 🙂"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_FALSE(IsValidUtf8("abc\xE2\x82"));       // truncated
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

Router SmallRouter() {
  Router r;
  r.Add(Route{.method = "GET", .pattern = "/api/v1/users"});
  r.Add(Route{.method = "POST", .pattern = "/api/v1/users"});
  r.Add(Route{.method = "GET", .pattern = "/api/v1/users/{id}"});
  r.Add(Route{.method = "PATCH", .pattern = "/api/v1/users/{id}"});
  return r;
}

TEST(RouterTest, MatchesPatternsAndDecodesParams) {
  const Router r = SmallRouter();
  Match m = r.Find("GET", "/api/v1/users/al%20ice");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/users/{id}");
  EXPECT_EQ(m.params["id"], "al ice");
  EXPECT_EQ(r.Find("HEAD", "/api/v1/users").route->method, "GET");
  EXPECT_EQ(r.Find("GET", "/api/v1/users/").route, nullptr) << "no empty parameters";
  EXPECT_EQ(r.Find("GET", "/api/v1/nothing").route, nullptr);
  EXPECT_TRUE(r.Find("GET", "/api/v1/users/%zz").bad_encoding);
}

TEST(RouterTest, ReportsAllowedMethodsForAKnownPath) {
  const Router r = SmallRouter();
  const Match m = r.Find("DELETE", "/api/v1/users/x");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET", "PATCH", "HEAD"}));
}

TEST(RouterTest, RefusesDuplicateRoutes) {
  Router r = SmallRouter();
  EXPECT_THROW(r.Add(Route{.method = "GET", .pattern = "/api/v1/users"}), std::logic_error);
}

TEST(ProblemTest, EveryErrorCodeHasAStableDistinctProblemType) {
  std::set<std::string_view> slugs;
  for (int c = 1; c <= static_cast<int>(ErrorCode::kInternal); ++c) {
    const ProblemType& t = ProblemFor(static_cast<ErrorCode>(c));
    EXPECT_EQ(t.code, static_cast<ErrorCode>(c)) << ErrorCodeName(static_cast<ErrorCode>(c));
    EXPECT_GE(t.status, 400);
    slugs.insert(t.slug);
  }
  EXPECT_EQ(slugs.size(), static_cast<size_t>(ErrorCode::kInternal));
}

TEST(ProblemTest, InternalErrorsDoNotLeakDetails) {
  Request req;
  req.path = "/x";
  req.request_id = "rid-1";
  const Response r = ProblemResponse(Internal("sqlite said: disk I/O error at /secret/path"), req);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(r.body.find("/secret/path"), std::string::npos);
  EXPECT_NE(r.body.find("rid-1"), std::string::npos);
}

TEST(ProblemTest, FieldErrorsBecomePointersOrParameters) {
  Request req;
  const Response r = ProblemResponse(InvalidArgument("bad", {{"/roles/0", "unknown"}, {"?limit", "too big"}}), req);
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["status"], 422);
  EXPECT_EQ(j["type"], "/problems/validation-failed");
  EXPECT_EQ(j["errors"][0]["pointer"], "#/roles/0");
  EXPECT_EQ(j["errors"][1]["parameter"], "limit");
}

}  // namespace
}  // namespace cl::http
