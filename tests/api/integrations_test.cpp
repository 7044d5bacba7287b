// GitHub/GitLab webhooks as evidence, and the whole pipeline story end to
// end (G1 acceptance) against the real server: a PR names CHG-n, its plan is
// attached and classified, approvals follow, the gate allows the approved
// artifact in its window, the deployment status attaches evidence, a
// different artifact is denied, and an out-of-band deployment becomes a
// finding.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/crypto.h"
#include "tests/api/change_api_fixture.h"
#include "tests/support/temp_dir.h"

namespace cl::testing {
namespace {

constexpr char kGitHubSecret[] = "gh-test-secret-0123456789";
constexpr char kGitLabToken[] = "gl-test-token-0123456789";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
std::string Fixture(const std::string& rel) { return ReadFile(std::string(CL_SOURCE_DIR) + "/tests/fixtures/" + rel); }
std::string Digest(const std::string& bytes) { return "sha256:" + crypto::ToHex(crypto::Sha256(bytes)); }
std::string Sign(const std::string& body) { return "sha256=" + crypto::ToHex(crypto::HmacSha256(kGitHubSecret, body)); }

class IntegrationTest : public ChangeApiTest {
 protected:
  void SetUp() override {
    options_.github_secret = kGitHubSecret;
    options_.gitlab_token = kGitLabToken;
    ChangeApiTest::SetUp();
    ci_ = server().CreateUser("deploy-bot", {"ci"}, UserKind::kService);
  }
  Reply GitHub(const std::string& event, const std::string& body, const std::string& delivery,
               std::optional<std::string> signature = std::nullopt) {
    std::map<std::string, std::string> h = {{"Content-Type", "application/json"},
                                            {"X-GitHub-Event", event},
                                            {"X-GitHub-Delivery", delivery},
                                            {"User-Agent", "GitHub-Hookshot/test"}};
    h["X-Hub-Signature-256"] = signature ? *signature : Sign(body);
    Reply r = http().Send("POST", "/api/v1/hooks/github", body, h);
    if (r.status == 200) {
      EXPECT_TRUE(ResponseSchemaErrors(server().api(), "POST", "/api/v1/hooks/github", r.json()).empty()) << r.body;
    }
    return r;
  }
  Reply GitLab(const std::string& event, const std::string& body, const std::string& token = kGitLabToken,
               const std::string& uuid = "") {
    std::map<std::string, std::string> h = {
        {"Content-Type", "application/json"}, {"X-Gitlab-Event", event}, {"X-Gitlab-Token", token}};
    if (!uuid.empty()) h["X-Gitlab-Event-UUID"] = uuid;
    return http().Send("POST", "/api/v1/hooks/gitlab", body, h);
  }
  Reply Gate(const nlohmann::json& artifact) {
    return http().Json("POST", "/api/v1/gate",
                       {{"service", "payments"}, {"environment", "production"}, {"artifact", artifact}}, ci_.token);
  }
  static nlohmann::json EvidenceOfKind(const nlohmann::json& change, const std::string& kind) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : change["evidence"]) {
      if (e["kind"] == kind) out.push_back(e);
    }
    return out;
  }
  TestUser ci_;
};

TEST_F(IntegrationTest, PipelineStoryFromPullRequestToFinding) {
  // 1. The requestor raises the change; the PR names it in its branch and title.
  nlohmann::json fields = NormalChange("production", /*iam=*/false);
  fields["category"] = "iac";
  const std::string key = Create(fields);
  ASSERT_EQ(key, "CHG-1");
  Reply opened = GitHub("pull_request", Fixture("webhooks/github-pull_request-opened.json"), "d-1");
  ASSERT_EQ(opened.status, 200) << opened.body;
  EXPECT_EQ(opened.json()["result"]["changes"], nlohmann::json({"CHG-1"}));

  // 2. The Terraform plan is attached by the pipeline and classified high risk.
  const std::string plan = Fixture("iac/payments-iam-sg.plan.json");
  Reply up = http().Send("POST", "/api/v1/changes/CHG-1/plans", plan,
                         {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + ci_.token}});
  ASSERT_EQ(up.status, 201) << up.body;
  Reply submitted = Act(key, "submit", p().alice);
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  EXPECT_EQ(submitted.json()["risk"], "high");

  // 3. Approvals: service owner and security.
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  ASSERT_EQ(Decide(key, p().sam).status, 201);
  ASSERT_EQ(Get(key)["state"], "approved");

  // 4. Peer review and merge arrive as evidence; CI runs on the merge commit.
  ASSERT_EQ(GitHub("pull_request_review", Fixture("webhooks/github-pull_request_review-approved.json"), "d-2").status,
            200);
  ASSERT_EQ(GitHub("pull_request", Fixture("webhooks/github-pull_request-merged.json"), "d-3").status, 200);
  Reply ci = GitHub("workflow_run", Fixture("webhooks/github-workflow_run-completed.json"), "d-4");
  ASSERT_EQ(ci.status, 200) << ci.body;
  EXPECT_EQ(ci.json()["result"]["changes"], nlohmann::json({"CHG-1"})) << "found by the linked merge commit";
  nlohmann::json c = Get(key);
  const nlohmann::json prs = EvidenceOfKind(c, "pull_request");
  ASSERT_EQ(prs.size(), 2u) << c["evidence"].dump(2);
  int reviews = 0, merges = 0;
  for (const auto& e : prs) {
    EXPECT_EQ(e["status"], "valid");
    reviews += Has(e["note"], "approved by bob (author alice)");
    merges += Has(e["note"], "merged by bob");
  }
  EXPECT_EQ(reviews, 1) << prs.dump(2);
  EXPECT_EQ(merges, 1) << prs.dump(2);
  EXPECT_EQ(EvidenceOfKind(c, "pipeline_run").size(), 1u);
  EXPECT_EQ(c["artifacts"].size(), 3u);  // head commit, merge commit, plan

  // 5. The gate allows the approved artifact in its window.
  const nlohmann::json artifact = {{"commit_sha", "2222222222222222222222222222222222222222"},
                                   {"plan_digest", Digest(plan)}};
  Reply early = Gate(artifact);
  EXPECT_EQ(early.json()["decision"], "deny");
  manual_clock_.Set(*ParseRfc3339("2026-09-22T06:30:00Z"));
  Reply allowed = Gate(artifact);
  ASSERT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(allowed.json()["decision"], "allow") << allowed.body;
  EXPECT_TRUE(allowed.json()["flags"].empty()) << "commit and plan are both bound to the change";

  // 6. GitHub reports the deployment: recorded on the change, with evidence.
  Reply deployed = GitHub("deployment_status", Fixture("webhooks/github-deployment_status-success.json"), "d-5");
  ASSERT_EQ(deployed.status, 200) << deployed.body;
  EXPECT_EQ(deployed.json()["result"]["decision"], "authorized") << deployed.body;
  c = Get(key);
  EXPECT_EQ(EvidenceOfKind(c, "pipeline_run").size(), 2u);

  // 7. A second deploy of a different artifact is denied.
  Reply other = Gate({{"commit_sha", "9999999999999999999999999999999999999999"}});
  EXPECT_EQ(other.json()["decision"], "deny");
  EXPECT_EQ(other.json()["reasons"][0]["code"], "no_change") << other.body;
  EXPECT_TRUE(Has(other.json()["reasons"][0]["message"], "is not one of the commits linked to CHG-1")) << other.body;
  Reply other_plan = Gate({{"commit_sha", "2222222"}, {"plan_digest", Digest(plan + " ")}});
  EXPECT_EQ(other_plan.json()["decision"], "deny");

  // 8. An out-of-band deployment (GitLab, no change) becomes a finding.
  Reply rogue = GitLab("Deployment Hook", Fixture("webhooks/gitlab-deployment-success.json"));
  ASSERT_EQ(rogue.status, 200) << rogue.body;
  EXPECT_EQ(rogue.json()["result"]["decision"], "unauthorized");
  Reply findings = http().Get("/api/v1/findings?kind=unauthorized_change", p().admin.token);
  ASSERT_EQ(findings.json()["items"].size(), 1u) << findings.body;
  EXPECT_EQ(findings.json()["items"][0]["severity"], "high");
  EXPECT_TRUE(Has(findings.json()["items"][0]["summary"], "ledger was deployed to production"));

  // Every decision and delivery is in the audit log.
  const std::string actions = AuditActions(server());
  for (const char* a : {"webhook.github", "webhook.gitlab", "change.iac_attach", "gate.allow", "gate.deny",
                        "deployment.report", "finding.raise", "change.artifact_link"}) {
    EXPECT_TRUE(Has(actions, a)) << a;
  }
}

// A failed run is evidence of a failure, not of a test (C2): kept with its
// outcome, it satisfies nothing and blocks completing until a run passes.
TEST_F(IntegrationTest, AFailedPipelineRunIsKeptAsAFailureAndBlocksCompletion) {
  const std::string key = Create(NormalChange("staging", false));
  ASSERT_EQ(Act(key, "submit", p().alice).status, 200);
  ASSERT_EQ(Decide(key, p().bob).status, 201);
  ASSERT_EQ(Act(key, "schedule", p().alice).status, 200);
  ASSERT_EQ(Act(key, "start", p().ivan).status, 200);
  nlohmann::json run = nlohmann::json::parse(Fixture("webhooks/github-workflow_run-completed.json"));
  run["workflow_run"]["head_branch"] = "chg-1-worker-pool";
  run["workflow_run"]["conclusion"] = "failure";
  Reply failed = GitHub("workflow_run", run.dump(), "d-fail");
  ASSERT_EQ(failed.status, 200) << failed.body;
  ASSERT_EQ(failed.json()["result"]["evidence"].size(), 1u) << failed.body;
  EXPECT_EQ(failed.json()["result"]["evidence"][0]["outcome"], "failure");
  nlohmann::json c = Get(key);
  const nlohmann::json runs = EvidenceOfKind(c, "pipeline_run");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["outcome"], "failure");
  EXPECT_FALSE(runs[0]["satisfies"].get<bool>());
  Reply complete = Act(key, "complete", p().ivan);
  EXPECT_TRUE(IsProblem(complete, 409, "requirements-not-met")) << complete.body;
  EXPECT_TRUE(Has(complete.body, "the latest pipeline_run")) << complete.body;

  // A cancelled run neither passes nor fails: unknown, and the failure stays the latest outcome.
  manual_clock_.Advance(kMicrosPerSecond);
  run["workflow_run"]["conclusion"] = "cancelled";
  ASSERT_EQ(GitHub("workflow_run", run.dump(), "d-cancel").status, 200);
  c = Get(key);
  EXPECT_EQ(EvidenceOfKind(c, "pipeline_run")[1]["outcome"], "unknown");
  EXPECT_TRUE(IsProblem(Act(key, "complete", p().ivan), 409, "requirements-not-met"));
  manual_clock_.Advance(kMicrosPerSecond);
  run["workflow_run"]["conclusion"] = "success";
  ASSERT_EQ(GitHub("workflow_run", run.dump(), "d-pass").status, 200);
  c = Get(key);
  EXPECT_TRUE(EvidenceOfKind(c, "pipeline_run")[2]["satisfies"].get<bool>());
  EXPECT_EQ(Act(key, "complete", p().ivan).status, 200);
}

TEST_F(IntegrationTest, UnsignedForgedAndReplayedDeliveriesChangeNothing) {
  Create(NormalChange("production", false));
  const std::string body = Fixture("webhooks/github-pull_request-opened.json");
  const int64_t audit = server().AuditCount();
  EXPECT_TRUE(IsProblem(GitHub("pull_request", body, "x-1", ""), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(GitHub("pull_request", body, "x-2", Sign(body + " ")), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(GitHub("pull_request", body, "x-3", "sha256=" + std::string(64, '0')), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(GitLab("Push Hook", "{}", "wrong-token"), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(GitLab("Push Hook", "{}", ""), 401, "unauthenticated"));
  EXPECT_EQ(server().AuditCount(), audit);
  // Signed but not JSON: read only after the signature held.
  EXPECT_TRUE(IsProblem(GitHub("pull_request", "not json", "x-4"), 400, "malformed-request"));

  Reply first = GitHub("pull_request", body, "same-delivery");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_FALSE(first.json()["replayed"].get<bool>());
  const int64_t after_first = server().AuditCount();
  Reply again = GitHub("pull_request", body, "same-delivery");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(again.json()["replayed"].get<bool>());
  EXPECT_EQ(again.json()["outcome"], first.json()["outcome"]);
  EXPECT_EQ(server().AuditCount(), after_first);
  // X-GitHub-Delivery is not covered by the signature: a captured delivery
  // re-sent under fresh ids is still the same signed body, so a replay (one
  // review once became three evidence items this way).
  const size_t evidence = Get("CHG-1")["evidence"].size();
  for (const char* fresh : {"fresh-1", "fresh-2"}) {
    Reply renamed = GitHub("pull_request", body, fresh);
    ASSERT_EQ(renamed.status, 200) << renamed.body;
    EXPECT_TRUE(renamed.json()["replayed"].get<bool>()) << renamed.body;
  }
  EXPECT_EQ(server().AuditCount(), after_first);
  EXPECT_EQ(Get("CHG-1")["evidence"].size(), evidence);
  const std::string gl = Fixture("webhooks/gitlab-merge_request-merge.json");
  ASSERT_EQ(GitLab("Merge Request Hook", gl, kGitLabToken, "uuid-1").status, 200);
  EXPECT_TRUE(GitLab("Merge Request Hook", gl, kGitLabToken, "uuid-1").json()["replayed"].get<bool>());
  EXPECT_TRUE(GitLab("Merge Request Hook", gl, kGitLabToken, "uuid-2").json()["replayed"].get<bool>());
}

TEST_F(IntegrationTest, SelfApprovedPullRequestIsNotPeerReview) {
  const std::string key = Create(NormalChange("production", false));
  nlohmann::json review = nlohmann::json::parse(Fixture("webhooks/github-pull_request_review-approved.json"));
  review["review"]["user"]["login"] = "alice";  // the PR's author
  Reply r = GitHub("pull_request_review", review.dump(), "self-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Has(r.json()["outcome"], "not counted as review")) << r.body;
  const nlohmann::json prs = EvidenceOfKind(Get(key), "pull_request");
  ASSERT_EQ(prs.size(), 1u);
  EXPECT_EQ(prs[0]["status"], "not_verifiable");
  EXPECT_TRUE(Has(prs[0]["status_reason"], "self-approval is not peer review")) << prs[0].dump();
}

TEST_F(IntegrationTest, GitLabMergeRequestAndPipelineAttachEvidence) {
  const std::string key = Create(NormalChange("production", false));
  Reply merged = GitLab("Merge Request Hook", Fixture("webhooks/gitlab-merge_request-merge.json"));
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(merged.json()["result"]["changes"], nlohmann::json({key}));
  const nlohmann::json c = Get(key);
  ASSERT_EQ(EvidenceOfKind(c, "pull_request").size(), 1u);
  EXPECT_TRUE(Has(EvidenceOfKind(c, "pull_request")[0]["note"], "MR !12"));
}

// Every real payload in ../shared/data/webhooks goes through the receivers:
// none is refused or breaks the server, and each does what its event means.
TEST_F(IntegrationTest, SharedPayloadsAreAcceptedAndUnderstood) {
  const std::string dir = SharedData("webhooks");
  if (dir.empty()) GTEST_SKIP() << "../shared/data is not in this clone";
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/github")) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".json")) continue;
    const std::string event = name.substr(0, name.find('.'));
    Reply r = GitHub(event, ReadFile(entry.path().string()), "shared-" + name);
    EXPECT_EQ(r.status, 200) << name << ": " << r.body;
    ++n;
  }
  const std::map<std::string, std::string> gitlab_events = {{"deployment", "Deployment Hook"},
                                                            {"job", "Job Hook"},
                                                            {"merge_request", "Merge Request Hook"},
                                                            {"note", "Note Hook"},
                                                            {"pipeline", "Pipeline Hook"},
                                                            {"push", "Push Hook"},
                                                            {"tag_push", "Tag Push Hook"}};
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/gitlab")) {
    const std::string name = entry.path().filename().string();
    const std::string kind = name.substr(0, name.find('.'));
    Reply r = GitLab(gitlab_events.at(kind), ReadFile(entry.path().string()), kGitLabToken, "shared-" + name);
    EXPECT_EQ(r.status, 200) << name << ": " << r.body;
    ++n;
  }
  EXPECT_GE(n, 35);
  // The octokit deployment_status (Hello-World to production) matches no
  // change: an unauthorized change, high severity. The two GitLab staging
  // deployments: medium.
  Reply findings = http().Get("/api/v1/findings?kind=unauthorized_change", p().admin.token);
  std::map<std::string, int> by_severity;
  const nlohmann::json items = findings.json()["items"];
  for (const auto& f : items) by_severity[f["severity"]]++;
  EXPECT_EQ(by_severity["high"], 1) << findings.body;
  EXPECT_EQ(by_severity["medium"], 2) << findings.body;

  // The captured merged PR names no change; renamed to CHG-1 it becomes evidence.
  const std::string key = Create(NormalChange("production", false));
  nlohmann::json pr = nlohmann::json::parse(ReadFile(dir + "/github/pull_request.closed.merged.json"));
  pr["pull_request"]["title"] = key + ": " + pr["pull_request"]["title"].get<std::string>();
  Reply merged = GitHub("pull_request", pr.dump(), "shared-renamed");
  ASSERT_EQ(merged.status, 200) << merged.body;
  const nlohmann::json ev = EvidenceOfKind(Get(key), "pull_request");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["url"], "https://github.com/ailisp/gcbapp-buildconfig-example/pull/3");
  EXPECT_TRUE(Has(ev[0]["note"], "merged by ailisp"));
  // The same push body under a new delivery id is a replay (the id is not
  // signed): answered as before, nothing done again.
  const std::string push_body = ReadFile(dir + "/github/push.branch-master.json");
  Reply replayed = GitHub("push", push_body, "shared-push-again");
  EXPECT_TRUE(replayed.json()["replayed"].get<bool>()) << replayed.body;
  EXPECT_EQ(replayed.json()["result"]["changes"], nlohmann::json::array()) << replayed.body;
  // A new push of the merge commit (another body) is recognised by its commit.
  nlohmann::json next_push = nlohmann::json::parse(push_body);
  next_push["pusher"]["name"] = "someone-else";
  Reply push = GitHub("push", next_push.dump(), "shared-push-new");
  EXPECT_FALSE(push.json()["replayed"].get<bool>()) << push.body;
  EXPECT_EQ(push.json()["result"]["changes"], nlohmann::json({key})) << push.body;
}

}  // namespace
}  // namespace cl::testing
