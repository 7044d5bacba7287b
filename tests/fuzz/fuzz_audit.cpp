// libFuzzer target: what an audit verifier reads from outside — checkpoint
// lines (witness files, exports, the server's answers) and Merkle proofs
// with hostile indexes, sizes and paths — must never crash or misbehave.
// The input is a checkpoint JSON line, a key registration or time-stamp
// event body, and a time-stamp authority's answer or a stored token (DER);
// its first bytes also drive a proof.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/audit_checkpoint.h"
#include "core/audit_keys.h"
#include "core/audit_timestamps.h"
#include "core/audit_verify.h"
#include "core/json_input.h"
#include "crypto/merkle.h"
#include "crypto/timestamp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cl;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto j = ParseJsonInput(text, JsonLimits{.max_depth = 4, .max_values = 64});
  if (j.ok()) {
    auto cp = ParseCheckpointJson(*j);
    if (cp.ok()) {
      (void)CheckpointMessage(*cp);
      // A witnessed checkpoint against an empty, keyless log: it must fail, cleanly.
      AuditVerifier v({}, {});
      if (v.AddWitnessed(*cp, "fuzz")) __builtin_trap();
      (void)v.Finish();
      (void)CheckpointJson(*cp).dump();
    }
  }
  {
    // A key registration event: registering twice, then a checkpoint
    // claiming that key, must never crash; a checkpoint with an all-zero
    // signature never verifies.
    AuditKeyRegistry registry;
    (void)AuditKeyRegistry::IsRegistration(text);
    (void)registry.Register(1, text);
    (void)registry.Register(2, text);
    for (const AuditKeyStatus& k : registry.Keys()) {
      AuditCheckpoint cp;
      cp.seq = 3;
      cp.key_id = k.key_id;
      cp.signature.assign(64, 0);
      if (!registry.Problem(cp)) __builtin_trap();
    }
  }
  {
    // An authority's answer and a stored token, as DER: without a trusted
    // certificate nothing may pass; a time-stamp record naming a checkpoint
    // the log holds must be refused cleanly.
    static const crypto::Sha256Digest digest = crypto::Sha256("checkpoint");
    static const crypto::TimestampRequest request = crypto::MakeTimestampRequest(digest);
    const crypto::TimestampAnchors none{""};
    if (crypto::ReadTimestampResponse(text, request, digest, none).ok()) __builtin_trap();
    if (crypto::VerifyTimestampToken(text, digest, none).ok()) __builtin_trap();
    AuditTimestampPolicy policy;
    policy.anchors = none;
    AuditTimestampChecker stamps(policy);
    std::map<int64_t, AuditCheckpoint> held;
    held[1].seq = 1;
    if (!stamps.Add(2, text, held)) __builtin_trap();
    stamps.NoteEvent(2, AuditTimestampChecker::IsTimestamp(text), true);
    (void)stamps.Uncovered(held);
  }
  if (size >= 16) {
    int64_t index = 0, tree_size = 0;
    std::memcpy(&index, data, 8);
    std::memcpy(&tree_size, data + 8, 8);
    std::vector<crypto::Sha256Digest> path((size - 16) / 32);
    for (size_t i = 0; i < path.size(); ++i) std::memcpy(path[i].data(), data + 16 + 32 * i, 32);
    const crypto::Sha256Digest leaf = path.empty() ? crypto::Sha256Digest{} : path.front();
    (void)crypto::VerifyMerkleInclusion(index, tree_size, leaf, path, leaf);
    (void)crypto::VerifyMerkleConsistency(index, tree_size, leaf, leaf, path);
    auto frontier = crypto::MerkleFrontier::Parse(std::span(data, size));
    if (frontier) (void)frontier->Root();
  }
  return 0;
}
