// Pipeline storage on every backend (G1): IaC attachments, deployments and
// their filters, deploy candidates by service and environment, artifact
// links, freezes (active, lifted) and inbound deliveries recorded once.
#include "tests/storage/store_fixture.h"

namespace cl::testing {
namespace {

TEST_P(StoreTest, DeploymentsAndCandidatesFilterByServiceAndEnvironment) {
  const Change a = InsertChange(store(), "payments", Now());  // 1: production
  const Change b = InsertChange(store(), "payments", Now());  // 2: staging
  InsertChange(store(), "ledger", Now());                     // 3: production
  Status s = store().Write([&](Tx& tx) -> Status {
    for (int i = 0; i < 3; ++i) {
      Deployment d;
      d.id = "dep_" + std::to_string(i);
      d.kind = i == 2 ? "reported" : "gate";
      d.service = "payments";
      d.environment = "production";
      d.artifact.commit_sha = "abcdef" + std::to_string(i);
      d.change_id = i == 0 ? a.id : "";
      d.change_number = i == 0 ? a.number : 0;
      d.decision = i == 0 ? "allow" : "deny";
      d.reasons = {{{"code", "no_change"}, {"message", "none"}}};
      d.flags = {"commit_not_linked"};
      d.source = "api";
      d.actor_id = "usr_ci";
      d.actor = "deploy-bot";
      d.created_at = Timestamp{Now().micros + i};
      CL_RETURN_IF_ERROR(tx.Pipeline().InsertDeployment(d));
    }
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.message();
  s = store().Read([&](Tx& tx) -> Status {
    DeploymentQuery q;
    CL_ASSIGN_OR_RETURN(std::vector<Deployment> all, tx.Pipeline().Deployments(q));
    EXPECT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].id, "dep_2") << "newest first";
    EXPECT_EQ(all[2].reasons[0]["code"], "no_change");
    EXPECT_EQ(all[2].flags, std::vector<std::string>{"commit_not_linked"});
    q.change_id = a.id;
    CL_ASSIGN_OR_RETURN(std::vector<Deployment> of_a, tx.Pipeline().Deployments(q));
    EXPECT_EQ(of_a.size(), 1u);
    EXPECT_EQ(of_a[0].artifact.commit_sha, "abcdef0");
    q = DeploymentQuery{};
    q.kind = "reported";
    CL_ASSIGN_OR_RETURN(std::vector<Deployment> reported, tx.Pipeline().Deployments(q));
    EXPECT_EQ(reported.size(), 1u);
    CL_ASSIGN_OR_RETURN(std::vector<Change> prod, tx.Changes().DeployCandidates("payments", "production"));
    EXPECT_EQ(prod.size(), 1u);
    EXPECT_EQ(prod[0].number, a.number);
    CL_ASSIGN_OR_RETURN(std::vector<Change> staging, tx.Changes().DeployCandidates("payments", "staging"));
    EXPECT_EQ(staging.size(), 1u);
    EXPECT_EQ(staging[0].number, b.number);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.message();
}

TEST_P(StoreTest, ArtifactLinksAndIacAttachmentsBelongToTheirChange) {
  const Change a = InsertChange(store(), "payments", Now());
  const Change b = InsertChange(store(), "payments", Now());
  Status s = store().Write([&](Tx& tx) -> Status {
    CL_RETURN_IF_ERROR(tx.Pipeline().LinkArtifact({a.id, "commit", "1111", "github", Now()}));
    CL_RETURN_IF_ERROR(tx.Pipeline().LinkArtifact({a.id, "commit", "1111", "github", Now()}));  // again: no-op
    CL_RETURN_IF_ERROR(tx.Pipeline().LinkArtifact({b.id, "commit", "1111", "gitlab", Now()}));
    CL_RETURN_IF_ERROR(tx.Pipeline().LinkArtifact({a.id, "plan", "sha256:aa", "plan", Now()}));
    IacAttachment att;
    att.id = "iac_1";
    att.change_id = a.id;
    att.format = "terraform-plan";
    att.digest = "sha256:aa";
    att.sha256 = "aa";
    att.size = 10;
    att.categories = {"identity", "destructive"};
    att.impact_raised = {"identity_access"};
    att.report = {{"resources_changed", 3}};
    att.content_version = 2;
    att.evidence_id = "evd_1";
    att.added_by_id = "usr_1";
    att.added_by = "alice";
    att.created_at = Now();
    return tx.Pipeline().InsertIac(att);
  });
  ASSERT_TRUE(s.ok()) << s.message();
  s = store().Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::vector<ArtifactLink> links, tx.Pipeline().ArtifactsOf(a.id));
    EXPECT_EQ(links.size(), 2u);
    CL_ASSIGN_OR_RETURN(std::vector<int64_t> with, tx.Pipeline().ChangesWithArtifact("commit", "1111"));
    EXPECT_EQ(with, (std::vector<int64_t>{a.number, b.number}));
    CL_ASSIGN_OR_RETURN(std::vector<int64_t> none, tx.Pipeline().ChangesWithArtifact("image", "1111"));
    EXPECT_TRUE(none.empty());
    CL_ASSIGN_OR_RETURN(std::vector<IacAttachment> iac, tx.Pipeline().IacOf(a.id));
    EXPECT_EQ(iac.size(), 1u);
    if (!iac.empty()) {
      EXPECT_EQ(iac[0].categories, (std::vector<std::string>{"identity", "destructive"}));
      EXPECT_EQ(iac[0].report["resources_changed"], 3);
      EXPECT_EQ(iac[0].content_version, 2);
    }
    CL_ASSIGN_OR_RETURN(std::vector<IacAttachment> of_b, tx.Pipeline().IacOf(b.id));
    EXPECT_TRUE(of_b.empty());
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.message();
}

TEST_P(StoreTest, ControlEpochAdvancesWithWhatTheGateDecidesOnOnly) {
  auto epoch = [&] {
    int64_t n = -1;
    EXPECT_TRUE(store()
                    .Read([&](Tx& tx) -> Status {
                      CL_ASSIGN_OR_RETURN(n, tx.Pipeline().ControlEpoch());
                      return Status::Ok();
                    })
                    .ok());
    return n;
  };
  const int64_t start = epoch();
  ASSERT_GE(start, 0);
  const Change c = InsertChange(store(), "payments", Now());
  const int64_t after_change = epoch();
  EXPECT_GT(after_change, start);
  // What the gate itself writes (its decisions, audit events) leaves it alone.
  Deployment d;
  d.id = "dep_epoch";
  d.kind = "gate";
  d.service = "payments";
  d.environment = "production";
  d.decision = "allow";
  d.created_at = Now();
  ASSERT_TRUE(store().Write([&](Tx& tx) { return tx.Pipeline().InsertDeployment(d); }).ok());
  EXPECT_EQ(epoch(), after_change);
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) {
                    return tx.Pipeline().LinkArtifact({c.id, "commit", "abc1234", "api", Now()});
                  })
                  .ok());
  const int64_t after_link = epoch();
  EXPECT_GT(after_link, after_change);
  Freeze f;
  f.id = "frz_epoch";
  f.description = "Quarter end";
  f.start = Now();
  f.end = Timestamp{Now().micros + kMicrosPerSecond};
  f.created_at = Now();
  ASSERT_TRUE(store().Write([&](Tx& tx) { return tx.Pipeline().InsertFreeze(f); }).ok());
  const int64_t after_freeze = epoch();
  EXPECT_GT(after_freeze, after_link);
  ASSERT_TRUE(store().Write([&](Tx& tx) { return tx.Pipeline().LiftFreeze(f.id, Now(), "carol"); }).ok());
  EXPECT_GT(epoch(), after_freeze);
  // A backend that follows the epoch knows the committed value without asking.
  if (const std::optional<int64_t> known = store().KnownControlEpoch()) {
    EXPECT_EQ(*known, epoch());
  }
}

TEST_P(StoreTest, FreezesEndOrAreLiftedAndDeliveriesAreRecordedOnce) {
  const Timestamp now = Now();
  const int64_t hour = 3600 * kMicrosPerSecond;
  Status s = store().Write([&](Tx& tx) -> Status {
    Freeze f;
    f.id = "frz_1";
    f.description = "Black Friday";
    f.environments = {"production"};
    f.start = Timestamp{now.micros - hour};
    f.end = Timestamp{now.micros + hour};
    f.allow_types = {ChangeType::kEmergency};
    f.created_by = "carol";
    f.created_at = now;
    CL_RETURN_IF_ERROR(tx.Pipeline().InsertFreeze(f));
    f.id = "frz_2";
    f.end = Timestamp{now.micros - 1};  // over
    CL_RETURN_IF_ERROR(tx.Pipeline().InsertFreeze(f));
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.message();
  auto active = [&] {
    std::vector<Freeze> out;
    EXPECT_TRUE(store()
                    .Read([&](Tx& tx) -> Status {
                      CL_ASSIGN_OR_RETURN(out, tx.Pipeline().Freezes(now));
                      return Status::Ok();
                    })
                    .ok());
    return out;
  };
  ASSERT_EQ(active().size(), 1u);
  EXPECT_EQ(active()[0].allow_types, std::vector<ChangeType>{ChangeType::kEmergency});
  s = store().Write([&](Tx& tx) { return tx.Pipeline().LiftFreeze("frz_1", now, "carol"); });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(active().empty());
  s = store().Write([&](Tx& tx) { return tx.Pipeline().LiftFreeze("frz_1", now, "carol"); });
  EXPECT_EQ(s.code(), ErrorCode::kNotFound) << "a freeze is lifted once";

  InboundDelivery d{"github", "abc-123", "push", "", "linked", {{"changes", {"CHG-1"}}}, now, "d1gest"};
  bool first = false, second = true, new_id_same_body = true;
  s = store().Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(first, tx.Pipeline().InsertDeliveryIfNew(d));
    CL_ASSIGN_OR_RETURN(second, tx.Pipeline().InsertDeliveryIfNew(d));
    InboundDelivery replay = d;
    replay.delivery_id = "fresh-id";  // a captured body re-sent under a new id
    CL_ASSIGN_OR_RETURN(new_id_same_body, tx.Pipeline().InsertDeliveryIfNew(replay));
    d.source = "gitlab";  // the same id from another source is another delivery
    CL_ASSIGN_OR_RETURN(bool other, tx.Pipeline().InsertDeliveryIfNew(d));
    EXPECT_TRUE(other);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
  EXPECT_FALSE(new_id_same_body) << "one delivery per source and body";
  s = store().Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(std::optional<InboundDelivery> found, tx.Pipeline().FindDelivery("github", "abc-123"));
    EXPECT_TRUE(found.has_value());
    if (found) {
      EXPECT_EQ(found->result["changes"][0], "CHG-1");
      EXPECT_EQ(found->content_digest, "d1gest");
    }
    CL_ASSIGN_OR_RETURN(std::optional<InboundDelivery> by_body,
                        tx.Pipeline().FindDelivery("github", "other", "d1gest"));
    EXPECT_TRUE(by_body.has_value() && by_body->delivery_id == "abc-123");
    CL_ASSIGN_OR_RETURN(std::optional<InboundDelivery> neither, tx.Pipeline().FindDelivery("github", "other", "x"));
    EXPECT_FALSE(neither.has_value());
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.message();
}

}  // namespace
}  // namespace cl::testing
