// `changeledger audit prove|consistency|verify-proof`: RFC 9162 Merkle
// proofs against a signed checkpoint. `prove` shows that one event is in the
// log a checkpoint signs; `consistency` that the log still extends a tree
// head an auditor kept earlier; `verify-proof` checks either offline with
// nothing but the proof file and a pinned key id (docs/audit.md).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/audit_checkpoint.h"
#include "core/json_input.h"
#include "crypto/merkle.h"
#include "server/local_app.h"

namespace cl::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kInclusionType = "changeledger.audit.inclusion-proof.v1";
constexpr std::string_view kConsistencyType = "changeledger.audit.consistency-proof.v1";

// What a proof is built from: the keys, the checkpoints and every event.
struct LogContents {
  std::vector<AuditKey> keys;
  std::vector<AuditCheckpoint> checkpoints;
  std::vector<crypto::Sha256Digest> hashes;  // hashes[i] is event i + 1's chain hash
  StoredAuditEvent wanted;                   // the event to prove, when asked for
  crypto::Sha256Digest wanted_prev{};
};

json ParseLine(std::string_view line) {
  auto j =
      ParseJsonInput(line, JsonLimits{.max_depth = 64, .max_values = 1'000'000, .refuse_control_characters = false});
  return j.ok() ? std::move(j).value() : json();
}

bool Digest(const json& j, const char* name, crypto::Sha256Digest& out) {
  auto d = HexDigestField(j, name);
  if (d) out = *d;
  return d.has_value();
}

// Every event's Merkle leaf, in one tree.
crypto::MerkleTree TreeOf(const LogContents& log) {
  std::vector<crypto::Sha256Digest> leaves;
  leaves.reserve(log.hashes.size());
  for (const auto& h : log.hashes) leaves.push_back(EventLeafHash(h));
  return crypto::MerkleTree(std::move(leaves));
}

Status AddEvent(LogContents& log, const StoredAuditEvent& e, int64_t wanted_seq) {
  if (e.seq != static_cast<int64_t>(log.hashes.size()) + 1) {
    return Status(ErrorCode::kDataLoss, fmt::format("event {} is missing; run `audit verify`", log.hashes.size() + 1));
  }
  if (e.seq == wanted_seq) {
    log.wanted = e;
    if (!log.hashes.empty()) log.wanted_prev = log.hashes.back();
  }
  log.hashes.push_back(e.hash);
  return Status::Ok();
}

Result<LogContents> ReadDb(const std::string& db, int64_t wanted_seq) {
  CL_ASSIGN_OR_RETURN(std::unique_ptr<LocalApp> app, OpenExistingReadOnly(db));
  LogContents log;
  CL_RETURN_IF_ERROR(app->store().Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(log.keys, tx.Audit().Keys());
    CL_ASSIGN_OR_RETURN(log.checkpoints, tx.Audit().Checkpoints(0, 0));
    Status added = Status::Ok();
    CL_RETURN_IF_ERROR(tx.Audit().Scan(1, 0, [&](const StoredAuditEvent& e) {
      added = AddEvent(log, e, wanted_seq);
      return added.ok();
    }));
    return added;
  }));
  return log;
}

Result<LogContents> ReadExport(const std::string& dir, int64_t wanted_seq) {
  LogContents log;
  std::ifstream keys_in(fs::path(dir) / "keys.json");
  std::string text((std::istreambuf_iterator<char>(keys_in)), std::istreambuf_iterator<char>());
  const json keys = ParseLine(text);
  for (const auto& k : keys.is_array() ? keys : json::array()) {
    auto pk = k.is_object() && k.contains("public_key") && k["public_key"].is_string()
                  ? crypto::FromBase64(k["public_key"].get<std::string>())
                  : std::nullopt;
    if (pk && k.contains("key_id") && k["key_id"].is_string()) log.keys.push_back({k["key_id"], *pk, {}});
  }
  std::ifstream cps(fs::path(dir) / "checkpoints.jsonl");
  std::string line;
  while (std::getline(cps, line)) {
    CL_ASSIGN_OR_RETURN(AuditCheckpoint cp, ParseCheckpointJson(ParseLine(line)));
    log.checkpoints.push_back(std::move(cp));
  }
  std::ifstream events(fs::path(dir) / "events.jsonl", std::ios::binary);
  if (!events) return NotFound(dir + " has no events.jsonl");
  while (std::getline(events, line)) {
    const json j = ParseLine(line);
    StoredAuditEvent e;
    if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_integer() || !j.contains("body") ||
        !j["body"].is_string() || !Digest(j, "hash", e.hash)) {
      return Malformed(fmt::format("events.jsonl line {} is malformed", log.hashes.size() + 1));
    }
    e.seq = j["seq"].get<int64_t>();
    e.body = j["body"].get<std::string>();
    CL_RETURN_IF_ERROR(AddEvent(log, e, wanted_seq));
  }
  return log;
}

Result<LogContents> ReadLog(const std::string& db, const std::string& dir, int64_t wanted_seq) {
  if (db.empty() == dir.empty()) return InvalidArgument("give one of --db or --export");
  return db.empty() ? ReadExport(dir, wanted_seq) : ReadDb(db, wanted_seq);
}

// The checkpoint to prove against: `at` if given, else the newest version 2
// one; it must cover `min_seq` and sign the root of the log as read.
Result<AuditCheckpoint> ChooseCheckpoint(const LogContents& log, int64_t at, int64_t min_seq,
                                         const crypto::MerkleTree& tree) {
  const AuditCheckpoint* chosen = nullptr;
  for (const AuditCheckpoint& cp : log.checkpoints) {
    if (cp.version >= 2 && (at == 0 || cp.seq == at)) chosen = &cp;
  }
  if (chosen == nullptr) {
    return NotFound(at == 0
                        ? std::string("no version 2 checkpoint signs a Merkle root yet; wait a second after a write")
                        : fmt::format("no version 2 checkpoint at seq {}", at));
  }
  if (chosen->seq < min_seq) {
    return FailedPrecondition(fmt::format("the newest checkpoint signs seq {}, before seq {}: wait a second and retry",
                                          chosen->seq, min_seq));
  }
  if (chosen->seq > tree.size() || tree.Root(chosen->seq) != chosen->root) {
    return Status(ErrorCode::kDataLoss,
                  fmt::format("the events do not match the root signed at seq {}: run `audit verify`", chosen->seq));
  }
  return *chosen;
}

json KeyJson(const LogContents& log, const std::string& key_id) {
  for (const AuditKey& k : log.keys) {
    if (k.key_id == key_id) return {{"key_id", k.key_id}, {"public_key", crypto::ToBase64(k.public_key)}};
  }
  return nullptr;
}

json HexList(const std::vector<crypto::Sha256Digest>& v) {
  json out = json::array();
  for (const auto& d : v) out.push_back(crypto::ToHex(d));
  return out;
}

Result<json> Prove(const LogContents& log, int64_t seq, int64_t at) {
  if (seq < 1 || seq > static_cast<int64_t>(log.hashes.size())) {
    return NotFound(fmt::format("the log has no event {}", seq));
  }
  const crypto::MerkleTree tree = TreeOf(log);
  CL_ASSIGN_OR_RETURN(AuditCheckpoint cp, ChooseCheckpoint(log, at, seq, tree));
  return json{{"type", kInclusionType},
              {"event", {{"seq", seq}, {"hash", crypto::ToHex(log.wanted.hash)}, {"body", log.wanted.body}}},
              {"prev_hash", crypto::ToHex(log.wanted_prev)},
              {"leaf_index", seq - 1},
              {"tree_size", cp.seq},
              {"path", HexList(tree.InclusionProof(seq - 1, cp.seq))},
              {"checkpoint", CheckpointJson(cp)},
              {"key", KeyJson(log, cp.key_id)}};
}

Result<json> Consistency(const LogContents& log, int64_t size, const crypto::Sha256Digest& root, int64_t at) {
  if (size < 1 || size > static_cast<int64_t>(log.hashes.size())) {
    return Status(ErrorCode::kDataLoss, fmt::format("the log has {} events, fewer than the {} of the kept head: "
                                                    "events were cut",
                                                    log.hashes.size(), size));
  }
  const crypto::MerkleTree tree = TreeOf(log);
  if (tree.Root(size) != root) {
    return Status(ErrorCode::kDataLoss,
                  fmt::format("the log no longer extends the kept head: its tree of {} events has root {}, not {}; "
                              "events up to seq {} were rewritten",
                              size, crypto::ToHex(tree.Root(size)), crypto::ToHex(root), size));
  }
  CL_ASSIGN_OR_RETURN(AuditCheckpoint cp, ChooseCheckpoint(log, at, size, tree));
  return json{{"type", kConsistencyType},
              {"first", {{"tree_size", size}, {"root", crypto::ToHex(root)}}},
              {"second", {{"tree_size", cp.seq}, {"root", crypto::ToHex(cp.root)}}},
              {"path", HexList(tree.ConsistencyProof(size, cp.seq))},
              {"checkpoint", CheckpointJson(cp)},
              {"key", KeyJson(log, cp.key_id)}};
}

// Checks a proof file offline; returns the problem, or "" when it holds.
std::string CheckProof(const json& proof, const std::vector<std::string>& trusted) {
  if (!proof.is_object() || !proof.contains("type") || !proof["type"].is_string()) return "not a proof file";
  const std::string type = proof["type"];
  auto cp = ParseCheckpointJson(proof.contains("checkpoint") ? proof["checkpoint"] : json());
  if (!cp.ok()) return "its checkpoint is malformed: " + cp.status().message();
  if (cp->version < 2) return "its checkpoint signs no Merkle root (version 1)";
  const json key = proof.contains("key") ? proof["key"] : json();
  auto pk = key.is_object() && key.contains("public_key") && key["public_key"].is_string()
                ? crypto::FromBase64(key["public_key"].get<std::string>())
                : std::nullopt;
  if (!pk || KeyIdFor(*pk) != cp->key_id) return "its key is missing or does not match the checkpoint's key id";
  if (!trusted.empty() && std::find(trusted.begin(), trusted.end(), cp->key_id) == trusted.end()) {
    return fmt::format("the checkpoint is signed by {}, which is not a trusted key", cp->key_id);
  }
  if (!crypto::Ed25519Verify(*pk, CheckpointMessage(*cp), cp->signature))
    return "the checkpoint's signature is invalid";
  std::vector<crypto::Sha256Digest> path;
  for (const auto& p : proof.contains("path") && proof["path"].is_array() ? proof["path"] : json::array()) {
    auto d = HexDigest(p);
    if (!d) return "its path is malformed";
    path.push_back(*d);
  }
  if (type == kInclusionType) {
    const json& e = proof.contains("event") ? proof["event"] : json();
    crypto::Sha256Digest hash{}, prev{};
    if (!e.is_object() || !e.contains("seq") || !e["seq"].is_number_integer() || !e.contains("body") ||
        !e["body"].is_string() || !Digest(e, "hash", hash) || !Digest(proof, "prev_hash", prev)) {
      return "its event is malformed";
    }
    const int64_t seq = e["seq"].get<int64_t>();
    crypto::Sha256Hasher hasher;
    if (hasher.Hash2(prev, e["body"].get_ref<const std::string&>()) != hash) {
      return fmt::format("event {} does not match its hash", seq);
    }
    if (!crypto::VerifyMerkleInclusion(seq - 1, cp->seq, EventLeafHash(hash), path, cp->root)) {
      return fmt::format("event {} is not in the tree of {} events the checkpoint signs", seq, cp->seq);
    }
    return "";
  }
  if (type == kConsistencyType) {
    const json& first = proof.contains("first") ? proof["first"] : json();
    crypto::Sha256Digest root{};
    if (!first.is_object() || !first.contains("tree_size") || !first["tree_size"].is_number_integer() ||
        !Digest(first, "root", root)) {
      return "its first tree head is malformed";
    }
    if (!crypto::VerifyMerkleConsistency(first["tree_size"].get<int64_t>(), cp->seq, root, cp->root, path)) {
      return fmt::format("the tree of {} events the checkpoint signs does not extend the kept head", cp->seq);
    }
    return "";
  }
  return "unknown proof type " + type;
}

struct ProofOpts {
  std::string db, export_dir, head;
  int64_t seq = 0, checkpoint = 0;
};

void AddSourceOptions(CLI::App* cmd, ProofOpts& o) {
  cmd->add_option("--db", o.db, "The database (SQLite file or postgres:// URL)");
  cmd->add_option("--export", o.export_dir, "An export directory instead of a database");
  cmd->add_option("--checkpoint", o.checkpoint, "Prove against the checkpoint at this seq (default: the newest)");
}

}  // namespace

void AddAuditProofCommands(CLI::App* audit, int& exit) {
  {
    auto o = std::make_shared<ProofOpts>();
    CLI::App* cmd = audit->add_subcommand(
        "prove", "Print an RFC 9162 inclusion proof (JSON) that event SEQ is in the log a checkpoint signs");
    cmd->add_option("--seq", o->seq, "The event")->required();
    AddSourceOptions(cmd, *o);
    cmd->callback([o, &exit] {
      auto log = ReadLog(o->db, o->export_dir, o->seq);
      auto proof = log.ok() ? Prove(*log, o->seq, o->checkpoint) : Result<json>(log.status());
      if (!proof.ok()) {
        exit = Fail(proof.status());
        return;
      }
      PrintJson(*proof);
      exit = kExitOk;
    });
  }
  {
    auto o = std::make_shared<ProofOpts>();
    CLI::App* cmd =
        audit->add_subcommand("consistency",
                              "Print an RFC 9162 consistency proof (JSON) that the log still extends a tree head kept "
                              "earlier; exit 1 if it does not");
    cmd->add_option("--from", o->head, "SIZE:ROOT of the kept tree head (a checkpoint's seq and root)")->required();
    AddSourceOptions(cmd, *o);
    cmd->callback([o, &exit] {
      auto head = ParseSeqAndDigest(o->head, "--from must be SIZE:ROOT, a tree size and its 64-digit hex Merkle root");
      if (!head.ok()) {
        Fail(head.status());
        exit = kExitError;
        return;
      }
      auto log = ReadLog(o->db, o->export_dir, 0);
      auto proof = log.ok() ? Consistency(*log, head->first, head->second, o->checkpoint) : Result<json>(log.status());
      if (!proof.ok()) {
        exit = Fail(proof.status());
        return;
      }
      PrintJson(*proof);
      exit = kExitOk;
    });
  }
  {
    struct Opts {
      std::string file;
      std::vector<std::string> trusted;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = audit->add_subcommand(
        "verify-proof", "Check a proof from `audit prove` or `audit consistency` offline; exit 1 if it fails");
    cmd->add_option("file", o->file, "The proof (JSON)")->required();
    cmd->add_option("--trusted-key-id", o->trusted, "Accept only checkpoints signed by this key id; repeat");
    cmd->callback([o, &exit] {
      std::ifstream in(o->file, std::ios::binary);
      if (!in) {
        exit = Fail(NotFound("cannot read " + o->file));
        return;
      }
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const std::string problem = CheckProof(ParseLine(text), o->trusted);
      if (!problem.empty()) {
        std::cout << "FAILED: " << problem << "\n";
        exit = kExitRefused;
        return;
      }
      std::cout << "OK: the proof holds for the checkpoint it carries\n";
      exit = kExitOk;
    });
  }
}

}  // namespace cl::cli
