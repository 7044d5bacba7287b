// The audit log on every backend: appends under concurrency keep one
// unbroken chain, and tampering done directly in the database (UPDATE,
// DELETE, reorder, truncate, consistent rewrite, forged checkpoint) is
// detected with the first bad sequence number.
#include <fmt/format.h>

#include <thread>

#include "core/audit_verify.h"
#include "tests/storage/store_fixture.h"

namespace cl::testing {
namespace {

// The attacker's rewrite: event `seq` edited (alice becomes mallory) and every
// hash from there on recomputed, so the chain stays consistent in itself.
// `events` gets the whole rewritten chain; returns the SQL that stores it.
std::string RewriteFrom(Store& store, StoreHarness& harness, int64_t seq, std::vector<StoredAuditEvent>& events) {
  events.clear();
  EXPECT_TRUE(store
                  .Read([&](Tx& tx) {
                    return tx.Audit().Scan(1, 0, [&](const StoredAuditEvent& e) {
                      events.push_back(e);
                      return true;
                    });
                  })
                  .ok());
  crypto::Sha256Digest prev{};
  std::string script;
  for (StoredAuditEvent& e : events) {
    if (e.seq == seq) e.body = std::string(e.body).replace(e.body.find("alice"), 5, "mallory");
    e.hash = crypto::Sha256(std::string(prev.begin(), prev.end()) + e.body);
    prev = e.hash;
    if (e.seq >= seq) {
      script += fmt::format("UPDATE audit_events SET hash = {}, body = '{}' WHERE seq = {};",
                            harness.BlobLiteral(crypto::ToHex(e.hash)), e.body, e.seq);
    }
  }
  return script;
}

TEST_P(StoreTest, AnIntactLogVerifiesWithItsCheckpoints) {
  Audit(/*interval=*/10);
  AppendEvents(25);
  const AuditVerifyResult r = Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.head_seq, 26);  // 25 events + the key registration
  EXPECT_EQ(r.events_checked, 26);
  EXPECT_EQ(r.checkpoints_verified, 2);  // at 10 and 20
  EXPECT_EQ(r.last_signed_seq, 20);
}

TEST_P(StoreTest, AnEventCommitsOnlyWithItsChange) {
  const AuditLog& log = Audit();
  const Status s = store().Write([&](Tx& tx) -> Status {
    AuditRecord r;
    r.action = "user.create";
    r.object_type = "user";
    r.object_id = "usr_x";
    CL_RETURN_IF_ERROR(log.Append(tx, AuditContext{{"u", "u", "token", ""}, "req", ""}, r).status());
    return InvalidArgument("the change itself failed");
  });
  ASSERT_FALSE(s.ok());
  int64_t count = -1;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(count, tx.Audit().Count());
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(count, 1);  // only the key registration
}

TEST_P(StoreTest, ConcurrentWritersKeepOneUnbrokenChain) {
  const AuditLog& log = Audit(/*interval=*/100);
  constexpr int kThreads = 16, kPerThread = 40;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Status s = store().Write([&](Tx& tx) -> Status {
          AuditRecord r;
          r.action = "test.concurrent";
          r.object_type = "thread";
          r.object_id = std::to_string(t);
          r.after = {{"i", i}};
          return log.Append(tx, AuditContext{{"u", "u", "token", ""}, "", ""}, r).status();
        });
        if (!s.ok()) ++errors;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  const AuditVerifyResult r = Verify();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.head_seq, 1 + kThreads * kPerThread);
  EXPECT_EQ(r.checkpoints_verified, (1 + kThreads * kPerThread) / 100);
}

TEST_P(StoreTest, ListFiltersEventsByObjectAndActor) {
  AppendEvents(5);
  std::vector<StoredAuditEvent> for_object;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    AuditQuery q;
                    q.object_type = "thing";
                    q.object_id = "thing-3";
                    CL_ASSIGN_OR_RETURN(for_object, tx.Audit().List(q));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(for_object.size(), 1u);
  EXPECT_NE(for_object[0].body.find("\"thing-3\""), std::string::npos);
}

TEST_P(StoreTest, StoredBodiesAreCanonicalWhetherPreparedOrNot) {
  const AuditLog& log = Audit();
  AuditRecord r;
  r.action = "gate.allow";
  r.object_type = "deployment";
  r.object_id = "dep_1";
  r.before = {{"state", "approved"}};
  r.after = {{"state", "in_progress"}, {"note", "quote \" and ünïcode"}};
  r.details = {{"reasons", nlohmann::json::array()}, {"zeta", 1}, {"alpha", {{"b", 2}, {"a", 1}}}};
  const AuditContext ctx{{"usr_1", "deploy-bot", "token", "tok_1"}, "req-9", "10.0.0.7"};
  Result<PreparedAuditEvent> prepared = log.Prepare(ctx, r);
  ASSERT_TRUE(prepared.ok()) << prepared.status().message();
  ASSERT_TRUE(store()
                  .Write([&](Tx& tx) -> Status {
                    CL_RETURN_IF_ERROR(log.Append(tx, ctx, r).status());
                    return log.Append(tx, *prepared).status();
                  })
                  .ok());
  std::vector<StoredAuditEvent> events;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    AuditQuery q;
                    q.object_id = "dep_1";
                    CL_ASSIGN_OR_RETURN(events, tx.Audit().List(q));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(events.size(), 2u);
  for (const StoredAuditEvent& e : events) {
    const nlohmann::json body = nlohmann::json::parse(e.body);
    EXPECT_EQ(CanonicalJson(body), e.body);
    EXPECT_EQ(body["seq"], e.seq);
    EXPECT_EQ(body["v"], 1);
    EXPECT_EQ(body["action"], "gate.allow");
    EXPECT_EQ(body["actor"]["name"], "deploy-bot");
    EXPECT_EQ(body["request_id"], "req-9");
    EXPECT_EQ(body["changes"]["state"]["to"], "in_progress");
    EXPECT_EQ(body["details"]["alpha"]["a"], 1);
    EXPECT_TRUE(ParseRfc3339(body["time"].get<std::string>()).has_value());
  }
  EXPECT_TRUE(Verify().ok);
}

TEST_P(StoreTest, AppendOnlyTriggersRefuseNaiveUpdateAndDelete) {
  AppendEvents(3);
  EXPECT_NE(harness().ExecRaw("UPDATE audit_events SET body = '{}' WHERE seq = 2"), "");
  EXPECT_NE(harness().ExecRaw("DELETE FROM audit_events WHERE seq = 2"), "");
  EXPECT_TRUE(Verify().ok);
}

// Where the database has roles, the serving role cannot rewrite the audit
// tables even with the triggers gone: it holds no UPDATE, DELETE or TRUNCATE
// grant on them (migrations run as a separate owner role).
TEST_P(StoreTest, ServingRoleHasNoGrantToRewriteTheAuditTables) {
  AppendEvents(3);
  if (!harness().ExecAsServingRole("SELECT 1")) GTEST_SKIP() << "this backend has no roles";
  EXPECT_EQ(*harness().ExecAsServingRole("SELECT count(*) FROM audit_events"), "");
  ASSERT_EQ(harness().ExecRaw(harness().DropAppendOnlyTriggersSql()), "");
  for (const char* sql :
       {"UPDATE audit_events SET body = '{}' WHERE seq = 2", "DELETE FROM audit_events WHERE seq = 2",
        "TRUNCATE audit_events", "UPDATE audit_checkpoints SET seq = 0", "DELETE FROM audit_checkpoints",
        "TRUNCATE audit_checkpoints", "DELETE FROM audit_keys", "UPDATE audit_keys SET key_id = 'x'",
        "DROP TABLE audit_events", "ALTER TABLE audit_events DISABLE TRIGGER ALL", "DELETE FROM schema_version"}) {
    const std::string err = *harness().ExecAsServingRole(sql);
    EXPECT_TRUE(err.find("permission denied") != std::string::npos || err.find("must be owner") != std::string::npos)
        << sql << ": " << err;
  }
  EXPECT_TRUE(Verify().ok);
  EXPECT_EQ(AppendEvents(1), 5) << "appending still works";
}

TEST_P(StoreTest, UpdatedEventIsNamed) {
  AppendEvents(20);
  ASSERT_EQ(harness().ExecRaw(harness().DropAppendOnlyTriggersSql()), "");
  ASSERT_EQ(harness().ExecRaw("UPDATE audit_events SET body = replace(body, 'alice', 'mallory') "
                              "WHERE seq = 7"),
            "");
  const AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 7) << r.problem;
}

TEST_P(StoreTest, DeletedEventIsNamed) {
  AppendEvents(20);
  ASSERT_EQ(harness().ExecRaw(harness().DropAppendOnlyTriggersSql()), "");
  ASSERT_EQ(harness().ExecRaw("DELETE FROM audit_events WHERE seq = 12"), "");
  const AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 12) << r.problem;
  EXPECT_NE(r.problem.find("missing"), std::string::npos) << r.problem;
}

TEST_P(StoreTest, ReorderedEventsAreNamed) {
  AppendEvents(20);
  ASSERT_EQ(harness().ExecRaw(harness().DropAppendOnlyTriggersSql()), "");
  // Swap the positions of events 9 and 10, each keeping its own stored hash.
  ASSERT_EQ(harness().ExecRaw("UPDATE audit_events SET seq = -9 WHERE seq = 9;"
                              "UPDATE audit_events SET seq = 9 WHERE seq = 10;"
                              "UPDATE audit_events SET seq = 10 WHERE seq = -9;"),
            "");
  const AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 9) << r.problem;
}

TEST_P(StoreTest, TruncatedTailIsNamed) {
  Audit(/*interval=*/10);
  AppendEvents(29);  // head 30, checkpoints at 10, 20, 30
  ASSERT_EQ(harness().ExecRaw(harness().DropAppendOnlyTriggersSql()), "");
  ASSERT_EQ(harness().ExecRaw("DELETE FROM audit_events WHERE seq > 24"), "");
  const AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 25) << r.problem;
  EXPECT_NE(r.problem.find("truncated"), std::string::npos) << r.problem;
}

// An attacker who rewrites an event and recomputes every later hash keeps
// the chain consistent; the signed checkpoints catch it.
TEST_P(StoreTest, ConsistentlyRewrittenChainIsCaughtByCheckpoints) {
  Audit(/*interval=*/10);
  AppendEvents(29);
  ASSERT_EQ(harness().ExecRaw(harness().DropAppendOnlyTriggersSql()), "");
  std::vector<StoredAuditEvent> events;
  const std::string script = RewriteFrom(store(), harness(), 15, events);
  ASSERT_EQ(events.size(), 30u);
  ASSERT_EQ(harness().ExecRaw(script), "");
  const AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 11) << r.problem;  // first event after the last good checkpoint
  EXPECT_NE(r.problem.find("rewritten"), std::string::npos) << r.problem;
}

TEST_P(StoreTest, ForgedCheckpointSignatureIsNamed) {
  Audit(/*interval=*/10);
  AppendEvents(19);
  ASSERT_EQ(harness().ExecRaw(harness().DropAppendOnlyTriggersSql()), "");
  ASSERT_EQ(harness().ExecRaw("UPDATE audit_checkpoints SET signature = " +
                              harness().BlobLiteral(std::string(128, '0')) + " WHERE seq = 10"),
            "");
  const AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 10) << r.problem;
  EXPECT_NE(r.problem.find("signature"), std::string::npos) << r.problem;
}

TEST_P(StoreTest, CheckpointBySwappedInKeyFailsWhenTheKeyIsPinned) {
  Audit(/*interval=*/10);
  AppendEvents(19);
  AuditVerifyResult r;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) {
                    AuditVerifyOptions pinned;
                    pinned.pinned_key_ids = {"ed25519:someone-else"};
                    r = VerifyAuditLog(tx, pinned);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 10) << r.problem;
  EXPECT_NE(r.problem.find("neither pinned nor endorsed"), std::string::npos) << r.problem;
}

// The attack that used to pass: rewrite an event, recompute every later
// hash, and delete every checkpoint from there on. The checkpoint written
// with every 1000th event is missing, and verification names it.
TEST_P(StoreTest, CheckpointsDeletedAfterARewriteAreNamed) {
  Audit(/*interval=*/100);
  AppendEvents(1199);  // head 1200, checkpoints at 100, 200, ..., 1200
  ASSERT_EQ(harness().ExecRaw(harness().DropAppendOnlyTriggersSql()), "");
  std::vector<StoredAuditEvent> events;
  ASSERT_EQ(harness().ExecRaw("DELETE FROM audit_checkpoints WHERE seq >= 450;" +
                              RewriteFrom(store(), harness(), 450, events)),
            "");
  const AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 1000) << r.problem;
  EXPECT_NE(r.problem.find("missing (deleted)"), std::string::npos) << r.problem;
  EXPECT_NE(r.problem.find("since seq 401"), std::string::npos) << r.problem;
}

// What a writing process checks at start-up: the newest checkpoint and the
// chain after it, and that the unsigned tail spans no more than the server's
// signing delay allows. A rewrite hidden by deleting the checkpoints after it
// leaves a tail that spans the time since the rewritten event.
TEST_P(StoreTest, TheStartUpCheckFindsCheckpointsDeletedToHideARewrite) {
  const AuditLog& log = Audit(/*interval=*/1000);
  auto sign = [&] { ASSERT_TRUE(store().Write([&](Tx& tx) { return log.Checkpoint(tx).status(); }).ok()); };
  auto tail = [&] {
    AuditVerifyResult r;
    EXPECT_TRUE(store()
                    .Read([&](Tx& tx) {
                      r = VerifyAuditTail(tx);
                      return Status::Ok();
                    })
                    .ok());
    return r;
  };
  AppendEvents(5);  // seq 2..6 after the key registration
  sign();
  harness().manual_clock().Advance(600 * kMicrosPerSecond);
  AppendEvents(1);  // 7
  sign();
  harness().manual_clock().Advance(600 * kMicrosPerSecond);
  AppendEvents(2);  // 8, 9
  sign();
  EXPECT_TRUE(tail().ok) << tail().problem;
  EXPECT_TRUE(Verify().ok);

  ASSERT_EQ(harness().ExecRaw(harness().DropAppendOnlyTriggersSql()), "");
  std::vector<StoredAuditEvent> events;
  ASSERT_EQ(
      harness().ExecRaw("DELETE FROM audit_checkpoints WHERE seq >= 7;" + RewriteFrom(store(), harness(), 7, events)),
      "");
  const AuditVerifyResult r = tail();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 7) << r.problem;
  EXPECT_NE(r.problem.find("span 600 s"), std::string::npos) << r.problem;
}

// An attacker who rewrites an event, recomputes the chain after it and
// re-signs every checkpoint with a key of their own, swapped into audit_keys
// under the original key id: the append-only trigger refuses the swap, and
// with the triggers gone the key no longer matches its id.
TEST_P(StoreTest, KeyReplacedInPlaceIsNamed) {
  Audit(/*interval=*/10);
  AppendEvents(19);
  const crypto::Ed25519KeyPair mallory = crypto::GenerateEd25519KeyPair();
  const std::string swap =
      "UPDATE audit_keys SET public_key = " + harness().BlobLiteral(crypto::ToHex(mallory.public_key));
  EXPECT_NE(harness().ExecRaw(swap), "") << "audit_keys is append-only";
  EXPECT_NE(harness().ExecRaw("DELETE FROM audit_keys"), "") << "audit_keys is append-only";
  EXPECT_TRUE(Verify().ok);

  ASSERT_EQ(harness().ExecRaw(harness().DropAppendOnlyTriggersSql()), "");
  std::vector<AuditCheckpoint> checkpoints;
  ASSERT_TRUE(store()
                  .Read([&](Tx& tx) -> Status {
                    CL_ASSIGN_OR_RETURN(checkpoints, tx.Audit().Checkpoints(0, 0));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(checkpoints.size(), 2u);  // at 10 and 20
  std::vector<StoredAuditEvent> events;
  std::string script = swap + ";" + RewriteFrom(store(), harness(), 5, events);
  for (AuditCheckpoint& cp : checkpoints) {
    cp.hash = events[static_cast<size_t>(cp.seq - 1)].hash;
    cp.signature = crypto::Ed25519Sign(mallory.secret_key, CheckpointMessage(cp));
    script += fmt::format("UPDATE audit_checkpoints SET hash = {}, signature = {} WHERE seq = {};",
                          harness().BlobLiteral(crypto::ToHex(cp.hash)),
                          harness().BlobLiteral(crypto::ToHex(cp.signature)), cp.seq);
  }
  ASSERT_EQ(harness().ExecRaw(script), "");
  const AuditVerifyResult r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 10) << r.problem;
  EXPECT_NE(r.problem.find("replaced"), std::string::npos) << r.problem;
}

}  // namespace
}  // namespace cl::testing
