// Micro-benchmarks for the audit chain: chained SHA-256, verifying a chain
// of 1M realistic events in memory, and `audit verify` over 1M events in a
// real SQLite file (the figure the F1 acceptance names: >= 1M events/s).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "core/audit_log.h"
#include "core/audit_verify.h"
#include "crypto/crypto.h"
#include "crypto/merkle.h"
#include "server/signing_key.h"
#include "server/system.h"
#include "storage/sqlite/sqlite_store.h"
#include "tests/support/temp_dir.h"

namespace cl {
namespace {

// A body shaped like a real user.update event (about 600 bytes).
std::string EventBody(int64_t i) {
  nlohmann::json e = {{"action", "user.update"},
                      {"actor",
                       {{"id", "usr_01JD3Z5M8X2Q7W4E6R9T0Y1U2I"},
                        {"name", "alice"},
                        {"via", "token"},
                        {"credential_id", "tok_01JD3Z5M8X2Q7W4E6R9T0Y1U2J"}}},
                      {"object", {{"type", "user"}, {"id", fmt::format("usr_{:026d}", i % 5000)}}},
                      {"at", "2026-11-23T10:00:00.123456Z"},
                      {"request_id", fmt::format("req-{:016x}", i)},
                      {"client_ip", "10.1.2.3"},
                      {"before_digest", std::string(64, 'a')},
                      {"after_digest", std::string(64, 'b')},
                      {"changes", {{"roles", {{"from", {"approver"}}, {"to", {"approver", "auditor"}}}}}},
                      {"details", nlohmann::json::object()}};
  return CanonicalJson(e);
}

struct Chain {
  std::vector<std::string> bodies;
  std::vector<crypto::Sha256Digest> hashes;
  // Signed every kAuditCheckpointEvery events, as a writer does.
  std::vector<AuditKey> keys;
  std::vector<AuditCheckpoint> checkpoints;
};

const Chain& MillionEvents() {
  static const Chain chain = [] {
    Chain c;
    crypto::Sha256Hasher h;
    crypto::Sha256Digest prev{};
    for (int64_t i = 1; i <= 1'000'000; ++i) {
      c.bodies.push_back(EventBody(i));
      prev = h.Hash2(prev, c.bodies.back());
      c.hashes.push_back(prev);
    }
    const crypto::Ed25519KeyPair kp = crypto::GenerateEd25519KeyPair();
    c.keys.push_back({KeyIdFor(kp.public_key), kp.public_key, Timestamp{0}});
    // Version 2, as the writer signs them: chained, with the Merkle root.
    crypto::MerkleFrontier tree;
    crypto::Sha256Digest prev_checkpoint{};
    for (int64_t seq = 1; seq <= 1'000'000; ++seq) {
      tree.Append(EventLeafHash(c.hashes[static_cast<size_t>(seq - 1)]));
      if (seq % kAuditCheckpointEvery != 0) continue;
      AuditCheckpoint cp;
      cp.seq = seq;
      cp.hash = c.hashes[static_cast<size_t>(seq - 1)];
      cp.signed_at = Timestamp{seq};
      cp.key_id = c.keys[0].key_id;
      cp.version = 2;
      cp.root = tree.Root();
      cp.prev = prev_checkpoint;
      cp.signature = crypto::Ed25519Sign(kp.secret_key, CheckpointMessage(cp));
      prev_checkpoint = CheckpointDigest(cp);
      c.checkpoints.push_back(std::move(cp));
    }
    return c;
  }();
  return chain;
}

void BM_Sha256Chain1KB(benchmark::State& state) {
  const std::string record(1024, 'x');
  crypto::Sha256Hasher h;
  crypto::Sha256Digest prev{};
  for (auto _ : state) {
    prev = h.Hash2(prev, record);
    benchmark::DoNotOptimize(prev);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 1024);
}
BENCHMARK(BM_Sha256Chain1KB);

void BM_CanonicalJsonEvent(benchmark::State& state) {
  int64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(EventBody(++i));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CanonicalJsonEvent);

void BM_VerifyChainInMemory1M(benchmark::State& state) {
  const Chain& c = MillionEvents();
  for (auto _ : state) {
    AuditVerifier v(c.keys, c.checkpoints);
    for (size_t i = 0; i < c.bodies.size(); ++i) v.Add(static_cast<int64_t>(i + 1), c.hashes[i], c.bodies[i]);
    AuditVerifyResult r = v.Finish();
    if (!r.ok) state.SkipWithError(r.problem.c_str());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(c.bodies.size()));
}
BENCHMARK(BM_VerifyChainInMemory1M)->Unit(benchmark::kMillisecond);

// Merkle leaf + node hashing alone, per event (the extra cost of tree heads).
void BM_MerkleAppend(benchmark::State& state) {
  crypto::MerkleFrontier tree;
  crypto::Sha256Digest h{};
  for (auto _ : state) {
    h[0]++;
    tree.Append(EventLeafHash(h));
  }
  benchmark::DoNotOptimize(tree.Root());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MerkleAppend);

// `audit prove` without the reading: the whole tree over 1M event hashes,
// then 1000 inclusion proofs and one consistency proof, each verified.
void BM_MerkleProofs1M(benchmark::State& state) {
  const Chain& c = MillionEvents();
  for (auto _ : state) {
    std::vector<crypto::Sha256Digest> leaves;
    leaves.reserve(c.hashes.size());
    for (const auto& h : c.hashes) leaves.push_back(EventLeafHash(h));
    const crypto::MerkleTree tree(std::move(leaves));
    const int64_t n = tree.size();
    const crypto::Sha256Digest root = tree.Root(n);
    for (int64_t i = 0; i < 1000; ++i) {
      const int64_t index = (i * 999'983) % n;
      const auto path = tree.InclusionProof(index, n);
      if (!crypto::VerifyMerkleInclusion(index, n, EventLeafHash(c.hashes[static_cast<size_t>(index)]), path, root)) {
        state.SkipWithError("an inclusion proof failed");
      }
    }
    if (!crypto::VerifyMerkleConsistency(123'457, n, tree.Root(123'457), root, tree.ConsistencyProof(123'457, n))) {
      state.SkipWithError("the consistency proof failed");
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(c.hashes.size()));
}
BENCHMARK(BM_MerkleProofs1M)->Unit(benchmark::kMillisecond);

// The whole `audit verify --db` path: scan 1M rows from SQLite, re-hash, check
// the signed checkpoints (one every 1000 events).
// 1M events written by the real writer into a real SQLite file, once.
struct MillionEventDb {
  testing::TempDir dir;
  SystemClock clock;
  std::unique_ptr<Store> store;
  std::string error;
};

MillionEventDb& SqliteMillion() {
  static const std::unique_ptr<MillionEventDb> db = [] {
    auto holder = std::make_unique<MillionEventDb>();
    MillionEventDb& d = *holder;
    sql::SqliteStoreOptions o;
    o.path = d.dir.File("bench.db");
    auto store = sql::SqliteStore::Open(o, d.clock);
    auto signer = FileSigner::LoadOrCreate(d.dir.File("bench.key"));
    if (!store.ok() || !signer.ok()) {
      d.error = "cannot open the store";
      return holder;
    }
    d.store = std::move(*store);
    AuditLog log(d.clock, signer->get(), 1000);
    const AuditContext ctx{{"usr_1", "alice", "token", "tok_1"}, "req", "10.1.2.3"};
    Status reg = d.store->Write([&](Tx& tx) { return log.RegisterSigningKey(tx, ctx); });
    for (int batch = 0; batch < 1000 && reg.ok(); ++batch) {
      reg = d.store->Write([&](Tx& tx) -> Status {
        for (int i = 0; i < 1000; ++i) {
          AuditRecord r;
          r.action = "user.update";
          r.object_type = "user";
          r.object_id = fmt::format("usr_{:026d}", i);
          r.before = {{"roles", {"approver"}}};
          r.after = {{"roles", {"approver", "auditor"}}};
          CL_RETURN_IF_ERROR(log.Append(tx, ctx, r).status());
        }
        return Status::Ok();
      });
    }
    if (!reg.ok()) d.error = reg.message();
    return holder;
  }();
  return *db;
}

// The raw read `audit verify --db` cannot beat: every row, nothing checked.
void BM_ScanSqlite1M(benchmark::State& state) {
  MillionEventDb& db = SqliteMillion();
  if (!db.error.empty()) {
    state.SkipWithError(db.error.c_str());
    return;
  }
  int64_t events = 0;
  for (auto _ : state) {
    Status s = db.store->Read([&](Tx& tx) {
      return tx.Audit().Scan(1, 0, [&](const StoredAuditEvent& e) {
        benchmark::DoNotOptimize(e.body.data());
        ++events;
        return true;
      });
    });
    if (!s.ok()) state.SkipWithError("scan failed");
  }
  state.SetItemsProcessed(events);
}
BENCHMARK(BM_ScanSqlite1M)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// The whole `audit verify --db` path: scan 1M rows from SQLite, re-hash,
// rebuild the Merkle tree, check the signed, chained checkpoints (one every
// 1000 events). Wall-clock time: the scan and the hashing run on two threads.
void BM_VerifySqlite1M(benchmark::State& state) {
  MillionEventDb& db = SqliteMillion();
  if (!db.error.empty()) {
    state.SkipWithError(db.error.c_str());
    return;
  }
  int64_t events = 0;
  for (auto _ : state) {
    AuditVerifyResult r;
    Status s = db.store->Read([&](Tx& tx) {
      r = VerifyAuditLog(tx);
      return Status::Ok();
    });
    if (!s.ok() || !r.ok) state.SkipWithError("verification failed");
    events += r.events_checked;
    state.counters["checkpoints"] = static_cast<double>(r.checkpoints_verified);
  }
  state.SetItemsProcessed(events);
}
BENCHMARK(BM_VerifySqlite1M)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace
}  // namespace cl

BENCHMARK_MAIN();
