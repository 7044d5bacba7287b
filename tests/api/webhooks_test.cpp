// Stakeholder notification: change events reach a real HTTP receiver,
// signed with HMAC-SHA256, retried after a failure, and logged.
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "core/notifications.h"
#include "http/server.h"
#include "server/webhook_dispatcher.h"
#include "tests/api/api_fixture.h"
#include "tests/support/change_fixture.h"

namespace cl::testing {
namespace {

// A webhook receiver: records every request; answers 500 to the first
// `fail_first` requests, then 204.
class Receiver final : public http::HttpHandler {
 public:
  struct Received {
    std::string event, signature, body;
  };
  explicit Receiver(int fail_first) : fail_first_(fail_first) {
    http::ServerOptions o;
    o.port = 0;
    o.io_threads = 1;
    server_ = std::make_unique<http::HttpServer>(o, *this);
    EXPECT_TRUE(server_->Start().ok());
  }
  ~Receiver() override {
    server_->Stop();
    server_->Wait();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook"; }
  size_t BodyLimit(std::string_view, std::string_view) override { return 1 << 20; }
  void Handle(http::Request& r, std::function<void(http::Response)> respond) override {
    int n;
    {
      std::lock_guard lock(mu_);
      got_.push_back(
          {std::string(r.Header("X-Changeledger-Event")), std::string(r.Header("X-Changeledger-Signature")), r.body});
      n = static_cast<int>(got_.size());
    }
    cv_.notify_all();
    http::Response resp;
    resp.status = n <= fail_first_ ? 500 : 204;
    respond(std::move(resp));
  }
  http::Response Reject(int status, std::string_view, const http::Request&) override {
    http::Response r;
    r.status = status;
    return r;
  }
  // Waits until `n` requests arrived; returns them.
  std::vector<Received> WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return got_.size() >= n; });
    return got_;
  }

 private:
  int fail_first_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> got_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(ApiTest, ChangeEventsAreSignedDeliveredRetriedAndLogged) {
  options_.clock = &manual_clock_;
  options_.policy_yaml = kScenarioPolicy;
  options_.dispatch_webhooks = true;
  options_.webhook_allowed_networks = {"127.0.0.1"};  // the receiver listens on loopback
  ChangePeople p(server());
  Receiver receiver(/*fail_first=*/1);

  Reply bad =
      http().Json("POST", "/api/v1/webhooks", {{"url", "ftp://x"}, {"events", {"change.approvd"}}}, p.admin.token);
  EXPECT_TRUE(IsProblem(bad, 422, "validation-failed")) << bad.body;
  EXPECT_TRUE(
      IsProblem(http().Json("POST", "/api/v1/webhooks", {{"url", receiver.url()}, {"events", {"*"}}}, p.alice.token),
                403, "forbidden"));
  Reply hook = http().Json("POST", "/api/v1/webhooks",
                           {{"url", receiver.url()},
                            {"events", {"change.approved", "change.in_progress"}},
                            {"description", "payments stakeholders"}},
                           p.admin.token);
  ASSERT_EQ(hook.status, 201) << hook.body;
  const std::string secret = hook.json()["secret"];
  const std::string id = hook.json()["webhook"]["id"];
  EXPECT_EQ(secret.rfind("whsec_", 0), 0u);
  EXPECT_FALSE(Has(http().Get("/api/v1/webhooks", p.admin.token).body, secret)) << "the secret is shown once";

  Reply created = http().Json("POST", "/api/v1/changes", NormalChange("staging", false), p.alice.token);
  const std::string key = created.json()["key"];
  ASSERT_EQ(http().Json("POST", "/api/v1/changes/" + key + "/submit", nlohmann::json::object(), p.alice.token).status,
            200);
  ASSERT_EQ(http().Json("POST", "/api/v1/changes/" + key + "/approvals", {{"decision", "approve"}}, p.bob.token).status,
            201);

  // The first attempt fails (500); the retry waits for the backoff.
  auto got = receiver.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event, "change.approved");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(receiver.WaitFor(1).size(), 1u) << "no retry before the backoff";
  manual_clock_.Advance(11 * kMicrosPerSecond);
  got = receiver.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);

  // The signature verifies with the secret over "<t>.<body>".
  const std::string sig = got[1].signature;
  const size_t comma = sig.find(",v1=");
  ASSERT_EQ(sig.rfind("t=", 0), 0u) << sig;
  ASSERT_NE(comma, std::string::npos);
  const int64_t t = std::stoll(sig.substr(2, comma - 2));
  EXPECT_EQ(WebhookSignature(secret, t, got[1].body), sig);
  EXPECT_NE(WebhookSignature("whsec_wrong", t, got[1].body), sig);
  const nlohmann::json payload = nlohmann::json::parse(got[1].body);
  EXPECT_EQ(payload["change"]["key"], key);
  EXPECT_EQ(payload["change"]["state"], "approved");

  // Scheduling is not subscribed; starting is.
  ASSERT_EQ(http().Json("POST", "/api/v1/changes/" + key + "/schedule", nlohmann::json::object(), p.alice.token).status,
            200);
  ASSERT_EQ(http().Json("POST", "/api/v1/changes/" + key + "/start", nlohmann::json::object(), p.ivan.token).status,
            200);
  got = receiver.WaitFor(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].event, "change.in_progress");

  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Reply log = http().Get("/api/v1/webhooks/" + id + "/deliveries", p.alice.token);
  ASSERT_EQ(log.status, 200) << log.body;
  const nlohmann::json items = log.json()["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(ResponseSchemaErrors(server().api(), "GET", "/api/v1/webhooks/{id}/deliveries", log.json()).empty());
  EXPECT_EQ(items[1]["event"], "change.approved");
  EXPECT_EQ(items[1]["status"], "delivered");
  EXPECT_EQ(items[1]["attempts"], 2);
  EXPECT_EQ(items[0]["status"], "delivered");

  ASSERT_EQ(http().Send("DELETE", "/api/v1/webhooks/" + id, "", {{"Authorization", "Bearer " + p.admin.token}}).status,
            204);
  EXPECT_FALSE(http().Get("/api/v1/webhooks", p.admin.token).json()["items"][0]["active"].get<bool>());
  EXPECT_TRUE(Has(AuditActions(server()), "webhook.create"));
  ExpectAuditIntact(server());
}

// Chat channels: Slack and Microsoft Teams incoming webhooks get a message
// in their own format (text and blocks; an Adaptive Card), through the same
// signed, retried, logged delivery.
TEST_F(ApiTest, ChatWebhooksGetSlackAndTeamsMessages) {
  options_.policy_yaml = kScenarioPolicy;
  options_.dispatch_webhooks = true;
  options_.webhook_allowed_networks = {"127.0.0.1"};
  ChangePeople p(server());
  Receiver slack(/*fail_first=*/0), teams(/*fail_first=*/0);
  Reply bad = http().Json("POST", "/api/v1/webhooks", {{"url", slack.url()}, {"events", {"*"}}, {"format", "irc"}},
                          p.admin.token);
  EXPECT_TRUE(IsProblem(bad, 422, "validation-failed")) << bad.body;
  for (auto [r, format] : {std::pair{&slack, "slack"}, std::pair{&teams, "teams"}}) {
    Reply hook = http().Json("POST", "/api/v1/webhooks",
                             {{"url", r->url()}, {"events", {"change.submitted"}}, {"format", format}}, p.admin.token);
    ASSERT_EQ(hook.status, 201) << hook.body;
    EXPECT_EQ(hook.json()["webhook"]["format"], format);
  }
  nlohmann::json in = NormalChange("staging", false);
  in["title"] = "Raise <pool> & restart";
  Reply created = http().Json("POST", "/api/v1/changes", in, p.alice.token);
  const std::string key = created.json()["key"];
  ASSERT_EQ(http().Json("POST", "/api/v1/changes/" + key + "/submit", nlohmann::json::object(), p.alice.token).status,
            200);
  const auto s = slack.WaitFor(1);
  ASSERT_EQ(s.size(), 1u);
  const nlohmann::json sj = nlohmann::json::parse(s[0].body);
  EXPECT_EQ(sj["text"], key + " is submitted: Raise <pool> & restart");
  EXPECT_EQ(sj["blocks"][0]["text"]["type"], "mrkdwn");
  EXPECT_EQ(sj["blocks"][0]["text"]["text"], "*" + key + " is submitted: Raise &lt;pool&gt; &amp; restart*");
  EXPECT_TRUE(Has(sj["blocks"][1]["text"]["text"], "*Requested by:* alice")) << sj.dump(2);
  const auto t = teams.WaitFor(1);
  ASSERT_EQ(t.size(), 1u);
  const nlohmann::json tj = nlohmann::json::parse(t[0].body);
  EXPECT_EQ(tj["type"], "message");
  const nlohmann::json card = tj["attachments"][0];
  EXPECT_EQ(card["contentType"], "application/vnd.microsoft.card.adaptive");
  EXPECT_EQ(card["content"]["type"], "AdaptiveCard");
  EXPECT_EQ(card["content"]["body"][0]["text"], key + " is submitted: Raise <pool> & restart");
  EXPECT_EQ(card["content"]["body"][1]["facts"][0]["title"], "Type");
  ExpectAuditIntact(server());
}

// Every server on a shared database runs a dispatcher: each delivery is
// claimed by one of them and sent once.
TEST_F(ApiTest, SeveralDispatchersOnOneDatabaseSendEachDeliveryOnce) {
  options_.policy_yaml = kScenarioPolicy;
  options_.dispatch_webhooks = true;
  options_.webhook_allowed_networks = {"127.0.0.1"};  // the receiver listens on loopback
  ChangePeople p(server());
  Receiver receiver(/*fail_first=*/0);
  WebhookDispatcher second(server().app().store(), server().app().clock(), server().app().outbound(),
                           std::chrono::milliseconds(1));
  WebhookDispatcher third(server().app().store(), server().app().clock(), server().app().outbound(),
                          std::chrono::milliseconds(1));
  second.Start();
  third.Start();
  Reply hook = http().Json("POST", "/api/v1/webhooks", {{"url", receiver.url()}, {"events", {"change.submitted"}}},
                           p.admin.token);
  ASSERT_EQ(hook.status, 201) << hook.body;
  constexpr size_t kChanges = 8;
  for (size_t i = 0; i < kChanges; ++i) {
    Reply created = http().Json("POST", "/api/v1/changes", NormalChange("staging", false), p.alice.token);
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string key = created.json()["key"];
    ASSERT_EQ(http().Json("POST", "/api/v1/changes/" + key + "/submit", nlohmann::json::object(), p.alice.token).status,
              200);
  }
  ASSERT_EQ(receiver.WaitFor(kChanges).size(), kChanges);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  second.Stop();
  third.Stop();
  const auto got = receiver.WaitFor(kChanges);
  EXPECT_EQ(got.size(), kChanges) << "no delivery was sent twice";
  std::set<std::string> bodies;
  for (const auto& r : got) bodies.insert(r.body);
  EXPECT_EQ(bodies.size(), kChanges);
}

// SSRF: a change manager could register receivers on loopback, the cloud
// metadata address and private networks; the server posted to them and
// showed the status to every reader. Now refused unless the operator allows
// the network (serve --webhook-allow-network).
TEST_F(ApiTest, WebhooksToInternalAddressesAreRefused) {
  options_.policy_yaml = kScenarioPolicy;
  ChangePeople p(server());
  const int64_t audit = server().AuditCount();
  for (const char* url :
       {"http://127.0.0.1:9/hook", "http://localhost/hook", "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/", "http://192.168.0.10/", "http://172.20.0.1/", "http://100.64.0.1/", "http://0.0.0.0:8080/",
        "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1]/", "http://[fd00::1]/", "http://2130706433/",
        "http://0x7f.0.0.1/", "http://224.0.0.1/", "https://user:secret@hooks.example.com/x"}) {
    SCOPED_TRACE(url);
    Reply r = http().Json("POST", "/api/v1/webhooks", {{"url", url}, {"events", {"*"}}}, p.admin.token);
    ASSERT_TRUE(IsProblem(r, 422, "validation-failed")) << r.body;
    EXPECT_EQ(r.json()["errors"][0]["pointer"], "#/url") << r.body;
  }
  EXPECT_EQ(server().AuditCount(), audit) << "nothing registered";
  EXPECT_TRUE(http().Get("/api/v1/webhooks", p.admin.token).json()["items"].empty());
}

// What registration accepted is checked again at every delivery, against the
// addresses the name has then, and the connection is pinned to them (a name
// that resolves elsewhere later, DNS rebinding, is refused at send time).
TEST_F(ApiTest, DeliveriesAreCheckedAgainWhenSent) {
  options_.policy_yaml = kScenarioPolicy;
  options_.webhook_allowed_networks = {"127.0.0.1/32"};  // registration may use loopback here
  ChangePeople p(server());
  Receiver receiver(/*fail_first=*/0);
  Reply hook = http().Json("POST", "/api/v1/webhooks", {{"url", receiver.url()}, {"events", {"*"}}}, p.admin.token);
  ASSERT_EQ(hook.status, 201) << hook.body;
  const std::string id = hook.json()["webhook"]["id"];
  Reply created = http().Json("POST", "/api/v1/changes", NormalChange("staging", false), p.alice.token);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key = created.json()["key"];
  ASSERT_EQ(http().Json("POST", "/api/v1/changes/" + key + "/submit", nlohmann::json::object(), p.alice.token).status,
            200);
  // A dispatcher whose client allows nothing internal, as a receiver whose
  // name now points inward would meet.
  const OutboundHttp strict;
  WebhookDispatcher dispatcher(server().app().store(), server().app().clock(), strict, std::chrono::milliseconds(5));
  EXPECT_EQ(dispatcher.RunOnce(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(receiver.WaitFor(0).empty()) << "nothing reached the loopback receiver";
  const nlohmann::json items = http().Get("/api/v1/webhooks/" + id + "/deliveries", p.alice.token).json()["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["last_status"], 0);
  EXPECT_TRUE(Has(items[0]["last_error"], "refused: 127.0.0.1 is a loopback address")) << items.dump();
  // The server's own client, which allows the network, delivers it.
  const OutboundHttp allowing({ParseIpNetwork("127.0.0.1").value()});
  EXPECT_EQ(allowing.Post(receiver.url(), {"Content-Type: application/json"}, "{}").error, "");
  EXPECT_EQ(receiver.WaitFor(1).size(), 1u);
}

}  // namespace
}  // namespace cl::testing
