// The browser UI served by the binary: pages for browsers, JSON for API
// clients, caching by content hash and ETag, SPA fallback that never hides
// an API 404, and the UI's strict security headers.
#include "tests/api/api_fixture.h"

namespace cl::testing {
namespace {

const std::map<std::string, std::string> kBrowser = {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}};

TEST_F(ApiTest, BrowsersGetThePageApiClientsGetTheServiceDescription) {
  Reply page = http().Send("GET", "/", "", kBrowser);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<div id=\"app\"></div>"), std::string::npos);
  EXPECT_NE(page.Header("vary").find("Accept"), std::string::npos) << page.Header("vary");
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
  // No inline script for the CSP to forbid: every <script> is empty and has a src.
  // (Plain searches: GCC 12's <regex> trips -Wmaybe-uninitialized under ASan.)
  for (size_t at = page.body.find("<script"); at != std::string::npos; at = page.body.find("<script", at + 1)) {
    const size_t end = page.body.find('>', at);
    ASSERT_NE(end, std::string::npos);
    const std::string tag = page.body.substr(at, end - at);
    EXPECT_NE(tag.find(" src=\""), std::string::npos) << tag;
    EXPECT_EQ(page.body.compare(end + 1, 9, "</script>"), 0) << "inline script after " << tag;
  }
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

  const size_t src = page.body.find("src=\"/assets/");
  ASSERT_NE(src, std::string::npos) << page.body;
  const size_t from = src + 5;
  const std::string script_path = page.body.substr(from, page.body.find('"', from) - from);
  ASSERT_TRUE(script_path.ends_with(".js")) << script_path;
  Reply script = http().Get(script_path);
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

namespace cl::testing {
namespace {

TEST_F(ApiTest, TextAssetsGoGzippedToClientsThatAcceptIt) {
  Reply plain = http().Send("GET", "/", "", kBrowser);
  ASSERT_EQ(plain.status, 200);
  EXPECT_TRUE(plain.Header("content-encoding").empty());
  auto headers = kBrowser;
  headers["Accept-Encoding"] = "gzip, deflate, br";
  Reply gz = http().Send("GET", "/", "", headers);
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.Header("content-encoding"), "gzip");
  ASSERT_GE(gz.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz.body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz.body[1]), 0x8b);
  EXPECT_LT(gz.body.size(), plain.body.size());
  EXPECT_NE(gz.Header("etag"), plain.Header("etag")) << "each encoding is its own representation";
  EXPECT_NE(gz.Header("vary").find("Accept-Encoding"), std::string::npos);
  headers["If-None-Match"] = gz.Header("etag");
  EXPECT_EQ(http().Send("GET", "/", "", headers).status, 304);
  headers.erase("If-None-Match");
  headers["Accept-Encoding"] = "gzip;q=0, identity";
  EXPECT_TRUE(http().Send("GET", "/", "", headers).Header("content-encoding").empty()) << "q=0 refuses gzip";
}

}  // namespace
}  // namespace cl::testing
