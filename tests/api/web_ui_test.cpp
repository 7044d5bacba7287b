// The browser UI served by the binary: pages for browsers, JSON for API
// clients, caching by content hash and ETag, SPA fallback that never hides
// an API 404, and the UI's strict security headers.
#include <regex>

#include "tests/api/api_fixture.h"

namespace cl::testing {
namespace {

const std::map<std::string, std::string> kBrowser = {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}};

TEST_F(ApiTest, BrowsersGetThePageApiClientsGetTheServiceDescription) {
  Reply page = http().Send("GET", "/", "", kBrowser);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<div id=\"app\"></div>"), std::string::npos);
  EXPECT_EQ(page.Header("vary"), "Accept");
  Reply json = http().Get("/");
  ASSERT_EQ(json.status, 200);
  EXPECT_EQ(json.json()["name"], "changeledger") << json.body;
}

TEST_F(ApiTest, PagesCarryAStrictContentSecurityPolicy) {
  Reply page = http().Send("GET", "/changes/CHG-1", "", kBrowser);
  ASSERT_EQ(page.status, 200) << "an SPA route falls back to index.html";
  const std::string csp = page.Header("content-security-policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("object-src 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << csp;
  EXPECT_EQ(page.Header("x-frame-options"), "DENY");
  EXPECT_EQ(page.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(page.Header("referrer-policy"), "same-origin");
  // No inline script for the CSP to forbid: every script is a file of ours.
  EXPECT_EQ(page.body.find("<script>"), std::string::npos) << page.body;
  EXPECT_EQ(std::regex_search(page.body, std::regex("<script[^>]*>[^<]+</script>")), false) << page.body;
}

TEST_F(ApiTest, HashedAssetsAreCachedForeverAndThePageIsRevalidated) {
  Reply page = http().Send("GET", "/", "", kBrowser);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("cache-control"), "no-cache");
  const std::string etag = page.Header("etag");
  ASSERT_FALSE(etag.empty());
  auto headers = kBrowser;
  headers["If-None-Match"] = etag;
  Reply again = http().Send("GET", "/", "", headers);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());

  std::smatch m;
  ASSERT_TRUE(std::regex_search(page.body, m, std::regex("src=\"(/assets/[^\"]+\\.js)\""))) << page.body;
  Reply script = http().Get(m[1].str());
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(script.Header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_GT(script.body.size(), 1000u);
}

TEST_F(ApiTest, UnknownFilesAndApiPathsStayProblemsEvenForBrowsers) {
  for (const char* path : {"/assets/missing.js", "/robots.txt", "/api/v1/nope"}) {
    Reply r = http().Send("GET", path, "", kBrowser);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json") << path << " " << r.body;
  }
  // Writes never reach the page.
  Reply post = http().Send("POST", "/changes", "{}", kBrowser);
  EXPECT_EQ(post.status, 404) << post.body;
}

}  // namespace
}  // namespace cl::testing
