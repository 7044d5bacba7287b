// Evidence given as a link keeps what the link showed (C2): a link to a pull
// request is fetched through the configured GitHub token from a real HTTP
// server standing where the GitHub API is (GitHub Enterprise's address is
// configurable), stored content-addressed with when it was fetched; a link
// the server cannot read is marked link only.
#include <mutex>

#include "http/server.h"
#include "server/source_snapshots.h"
#include "tests/api/change_api_fixture.h"
#include "tests/support/http.h"

namespace cl::testing {
namespace {

// Answers GET /api/v3/repos/acme/payments/pulls/7 with a pull request when
// the token is right; 404 for anything else.
class FakeGithubApi final : public http::HttpHandler {
 public:
  FakeGithubApi() {
    http::ServerOptions o;
    o.port = 0;
    o.io_threads = 1;
    server_ = std::make_unique<http::HttpServer>(o, *this);
    EXPECT_TRUE(server_->Start().ok());
  }
  ~FakeGithubApi() override {
    server_->Stop();
    server_->Wait();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/api/v3"; }
  size_t BodyLimit(std::string_view, std::string_view) override { return 1 << 16; }
  void Handle(http::Request& r, std::function<void(http::Response)> respond) override {
    {
      std::lock_guard lock(mu_);
      paths_.push_back(std::string(r.path));
    }
    http::Response resp;
    if (r.path == "/api/v3/repos/acme/payments/pulls/7" && r.Header("Authorization") == "Bearer ghp_test") {
      resp.status = 200;
      resp.content_type = "application/json";
      resp.body =
          R"({"number":7,"state":"closed","merged":true,"title":"Raise the worker pool","user":{"login":"alice"}})";
    } else {
      resp.status = 404;
    }
    respond(std::move(resp));
  }
  http::Response Reject(int status, std::string_view, const http::Request&) override {
    http::Response r;
    r.status = status;
    return r;
  }
  std::vector<std::string> paths() {
    std::lock_guard lock(mu_);
    return paths_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> paths_;
  std::unique_ptr<http::HttpServer> server_;
};

class SnapshotTest : public ChangeApiTest {
 protected:
  void SetUp() override {
    options_.snapshots.github_url = "https://github.example.com";
    options_.snapshots.github_api_url = api_.base();
    options_.snapshots.github_token = "ghp_test";
    options_.webhook_allowed_networks = {"127.0.0.1"};  // the stand-in API listens on loopback
    ChangeApiTest::SetUp();
  }
  nlohmann::json Add(const std::string& key, const std::string& url) {
    Reply r = http().Json("POST", "/api/v1/changes/" + key + "/evidence",
                          {{"kind", "other"}, {"url", url}, {"note", "review thread"}}, p().alice.token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  FakeGithubApi api_;
};

TEST_F(SnapshotTest, ALinkToAPullRequestKeepsWhatItShowedAndOtherLinksSayLinkOnly) {
  const std::string key = Create(NormalChange("staging", false));
  const nlohmann::json pr = Add(key, "https://github.example.com/acme/payments/pull/7");
  EXPECT_EQ(pr["retained"], "snapshot") << pr.dump(2);
  EXPECT_FALSE(pr["snapshot_at"].is_null());
  EXPECT_EQ(pr["content_type"], "application/json");
  ASSERT_TRUE(pr["file_url"].is_string()) << pr.dump(2);
  Reply file = http().Get(pr["file_url"].get<std::string>(), p().alice.token);
  ASSERT_EQ(file.status, 200) << file.body;
  EXPECT_TRUE(Has(file.body, "\"merged\":true")) << file.body;
  EXPECT_EQ(pr["sha256"], crypto::ToHex(crypto::Sha256(file.body))) << "content-addressed";

  // Another repository's pull request the token cannot read, a page on another host, a query trick: links only.
  EXPECT_EQ(Add(key, "https://github.example.com/acme/other/pull/8")["retained"], "link_only");
  EXPECT_EQ(Add(key, "https://ci.example.com/runs/42")["retained"], "link_only");
  EXPECT_EQ(Add(key, "https://github.example.com/acme/..%2F..%2Fuser/pull/7")["retained"], "link_only");
  const std::vector<std::string> asked = api_.paths();
  EXPECT_EQ(asked.size(), 2u) << "only links it can map are fetched";
  // The change page lists what was kept of each.
  const nlohmann::json c = Get(key);
  ASSERT_EQ(c["evidence"].size(), 4u);
  for (const auto& e : c["evidence"]) {
    const bool the_pr = e["url"] == "https://github.example.com/acme/payments/pull/7";
    EXPECT_EQ(e["retained"], the_pr ? "snapshot" : "link_only") << e.dump(2);
    EXPECT_EQ(e["snapshot_at"].is_null(), !the_pr) << "stored, not only answered";
  }
  ExpectAuditIntact(server());
}

TEST(SnapshotRequestTest, LinksMapToTheirApiAndNothingElseDoes) {
  SourceSnapshotOptions o;
  o.github_token = "t";
  o.gitlab_token = "g";
  o.gitlab_url = "https://gitlab.example.com/";
  EXPECT_EQ(SnapshotRequestFor(o, "https://github.com/acme/app/pull/12").api_url,
            "https://api.github.com/repos/acme/app/pulls/12");
  EXPECT_EQ(SnapshotRequestFor(o, "https://github.com/acme/app/pull/12").auth_header, "Authorization: Bearer t");
  EXPECT_EQ(SnapshotRequestFor(o, "https://github.com/acme/app/actions/runs/99?check_suite_focus=true").api_url,
            "https://api.github.com/repos/acme/app/actions/runs/99");
  EXPECT_EQ(SnapshotRequestFor(o, "https://github.com/acme/app/commit/0a1b2c").api_url,
            "https://api.github.com/repos/acme/app/commits/0a1b2c");
  EXPECT_EQ(SnapshotRequestFor(o, "https://gitlab.example.com/team/sub/app/-/merge_requests/5").api_url,
            "https://gitlab.example.com/api/v4/projects/team%2Fsub%2Fapp/merge_requests/5");
  EXPECT_EQ(SnapshotRequestFor(o, "https://gitlab.example.com/team/app/-/pipelines/77").auth_header,
            "PRIVATE-TOKEN: g");
  for (const char* bad : {"https://github.com/acme/app/pull/x", "https://github.com/acme/app/issues/3",
                          "https://github.com.evil.test/acme/app/pull/1", "https://github.com/../app/pull/1",
                          "https://github.com/acme/app%2F..%2F/pull/1", "https://gitlab.example.com/-/pipelines/1",
                          "https://gitlab.example.com/a/-/jobs/1", "http://github.com/acme/app/pull/1"}) {
    EXPECT_TRUE(SnapshotRequestFor(o, bad).api_url.empty()) << bad;
  }
  o.github_token.clear();
  EXPECT_TRUE(SnapshotRequestFor(o, "https://github.com/acme/app/pull/12").api_url.empty()) << "no token, no fetch";
}

}  // namespace
}  // namespace cl::testing
