#include "server/audit_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/audit_log.h"
#include "core/json_input.h"
#include "crypto/crypto.h"

namespace cl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kVerifyMd = R"(# Verifying this Changeledger audit export

Everything needed is in this directory; no access to the Changeledger server
or database is required.

Files
- events.jsonl: one JSON object per line: {"seq": n, "hash": "<hex>", "body": "<string>"}.
  `body` is the event itself, as canonical JSON (sorted keys, no whitespace,
  UTF-8), stored as a JSON string so its exact bytes survive.
- checkpoints.jsonl: {"seq", "hash", "signed_at", "key_id", "signature"}, and
  for version 2 also {"version": 2, "root", "prev"}: Ed25519 signatures over
  the log at `seq`.
- keys.json: the Ed25519 public keys (base64, raw 32 bytes); keys/*.pem hold
  the same keys as PEM for `openssl`.
- manifest.json: counts, the head, the SHA-256 of every other file, and the
  seal: an audit key's signature over the head when it was exported.

Algorithm
1. h_0 = 32 zero bytes. For each line of events.jsonl in order, seq must be
   exactly one more than the previous seq (the first is 1), and
   hash_n = SHA-256(h_{n-1} || UTF-8 bytes of body_n) must equal `hash`.
2. For each checkpoint, the signed message is the canonical JSON (keys
   sorted, no spaces) of, for version 1 (no "version" field):
   {"hash":"<hex>","key_id":"<id>","seq":<n>,"signed_at":"<RFC 3339>","type":"changeledger.audit.checkpoint.v1"}
   and for version 2:
   {"hash":"<hex>","key_id":"<id>","prev":"<hex>","root":"<hex>","seq":<n>,"signed_at":"<RFC 3339>","type":"changeledger.audit.checkpoint.v2"}
   with every value exactly as in the line. The signature (base64, 64 bytes)
   must verify with the key named by key_id, and `hash` must equal the chain
   hash of event `seq`.
   Version 2 checkpoints chain and sign a Merkle tree head:
   - `prev` is the hex SHA-256 of the previous checkpoint's signed message
     (by seq; 64 zeros for the first checkpoint); a missing or replaced
     checkpoint in between breaks it. No version 1 checkpoint may follow a
     version 2 one.
   - `root` is the RFC 9162 Merkle Tree Hash over the leaves 1..seq, where
     leaf n is SHA-256(0x00 || hash_n) (the 32 raw bytes of event n's chain
     hash) and an interior node is SHA-256(0x01 || left || right); the tree
     of n leaves splits at the largest power of two below n.
3. A key's id is "ed25519:" + base64url (no padding) of the first 16 bytes of
   SHA-256(public key); every key in keys.json must match its id (a key that
   does not was replaced). Check the key id against one you obtained out of
   band (the server prints it at first start; GET /api/v1/audit/keys).
   Keys are registered in the chain itself: an event whose body has
   "action":"audit.key.register" carries the key id as object.id and the
   base64 public key as changes.public_key.to (it must match the id). A
   checkpoint may be signed only by a key registered at or before its seq,
   with the public key the registration names. A rotation's registration
   also has details.replaces (the old key id) and details.endorsement
   {"key_id","signature"}: the old key's base64 Ed25519 signature over the
   canonical JSON
   {"key_id":"<new id>","public_key":"<base64>","type":"changeledger.audit.key.endorsement.v1"};
   the endorser must be the key replaced and must be current (not itself
   retired), and the replaced key signs no checkpoint after that event.
   Every key in keys.json must be registered so (one that is not was added
   outside the log). Trust: with a pinned key id, only that key and the keys
   endorsed from it, transitively, are trusted; with none, the first key
   registered (trust on first use) and those the log registers after it.
4. No checkpoint may name a seq beyond the last event (that means events were
   cut off the end).
5. Every event whose seq is a multiple of 1000 is signed as it is written:
   a checkpoint for each such seq must be present (a missing one means
   checkpoints were deleted, hiding a rewrite of the events before it).
6. manifest.json must agree with the files: "events" and "head_seq" with the
   number of events and the last seq, "head_hash" with the last event's hash,
   "checkpoints" with the number of checkpoint lines, and "sha256" with the
   SHA-256 (hex) of every file it names (a cut events.jsonl is consistent in
   itself; only the manifest shows it is shorter).
7. manifest.json's "seal" {"type","head_seq","head_hash","exported_at",
   "key_id","signature"} must name the same head_seq and head_hash, and its
   signature (base64 Ed25519) must verify over the canonical JSON
   {"exported_at":"<RFC 3339>","head_hash":"<hex>","head_seq":<n>,"key_id":"<id>","type":"changeledger.audit.export.v1"}
   (values exactly as in the seal) with a key registered in the log, trusted
   as in step 3, and not replaced at or before head_seq. Whoever cuts the
   tail and rewrites the manifest to match cannot sign it again.
8. Time-stamps (when the server had an RFC 3161 authority): an event whose
   body has "action":"audit.timestamp" carries details.checkpoint_seq (a
   checkpoint before it) and details.token, a base64 DER TimeStampToken over
   the SHA-256 of that checkpoint's signed message (step 2). With the
   authority's CA certificate, each token must verify:
     openssl ts -verify -digest <hex SHA-256 of the message> -in token.der
       -token_in -CAfile ca.pem
   and every checkpoint from the first time-stamped one on (except one that
   signs only a time-stamp record, and those of the export's last hour) must
   have a token at or after its seq whose genTime is within an hour of its
   signed_at: someone holding the key cannot re-sign a rewritten log with old
   times and get tokens dated then.

`changeledger audit verify --export <dir> [--trusted-key-id <id>] [--tsa-ca
<ca.pem>]` does all of this and names the first bad sequence number.
)";

Status WriteFile(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) return Unavailable("cannot write " + path.string());
  return Status::Ok();
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("missing " + path.string());
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

Result<std::string> FileDigest(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("missing " + path.string());
  crypto::Sha256Stream hash;
  std::string chunk(1 << 20, '\0');
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    hash.Update(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
  }
  return crypto::ToHex(hash.Final());
}

std::string SafeName(const std::string& key_id) {
  std::string out = key_id;
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  }
  return out;
}

bool ParseDigest(const json& j, crypto::Sha256Digest& out) {
  if (!j.is_string()) return false;
  auto bytes = crypto::FromHex(j.get<std::string>());
  if (!bytes || bytes->size() != out.size()) return false;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return true;
}

// An export is outside input (anyone may have written it): the request
// limits apply, and a line that fails them reads as null (malformed).
json ParseUntrusted(std::string_view text) {
  Result<json> j =
      ParseJsonInput(text, JsonLimits{.max_depth = 64, .max_values = 1'000'000, .refuse_control_characters = false});
  return j.ok() ? std::move(j).value() : json();
}

// A string member of outside JSON, or "" when it is absent or not a string
// (nlohmann's value() throws on a wrong type).
std::string TextField(const json& j, const char* name) {
  return j.is_object() && j.contains(name) && j[name].is_string() ? j[name].get<std::string>() : "";
}

}  // namespace

Result<std::unique_ptr<AuditExportWriter>> AuditExportWriter::Create(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return AlreadyExists(fmt::format("{} exists and is not empty; choose a new directory", dir));
  }
  fs::create_directories(fs::path(dir) / "keys", ec);
  if (ec) return Unavailable(fmt::format("cannot create {}: {}", dir, ec.message()));
  std::unique_ptr<AuditExportWriter> w(new AuditExportWriter(dir));
  w->events_.open(fs::path(dir) / "events.jsonl", std::ios::binary);
  w->checkpoints_.open(fs::path(dir) / "checkpoints.jsonl", std::ios::binary);
  if (!w->events_ || !w->checkpoints_) return Unavailable("cannot write into " + dir);
  return w;
}

Status AuditExportWriter::AddEvent(const StoredAuditEvent& e) {
  events_ << json{{"seq", e.seq}, {"hash", crypto::ToHex(e.hash)}, {"body", e.body}}.dump(
                 -1, ' ', false, json::error_handler_t::replace)
          << '\n';
  ++event_count_;
  head_seq_ = e.seq;
  head_hash_ = e.hash;
  return events_ ? Status::Ok() : Unavailable("cannot write events.jsonl");
}

Status AuditExportWriter::AddCheckpoint(const AuditCheckpoint& cp) {
  checkpoints_ << CheckpointJson(cp).dump() << '\n';
  ++checkpoint_count_;
  return checkpoints_ ? Status::Ok() : Unavailable("cannot write checkpoints.jsonl");
}

void AuditExportWriter::AddKey(const AuditKey& key) { keys_.push_back(key); }

Result<json> AuditExportWriter::Finish(const std::string& source, const AuditExportSeal* seal) {
  if (seal != nullptr && (seal->head_seq != head_seq_ || seal->head_hash != head_hash_)) {
    return Internal(fmt::format("the export's seal names seq {}, the export ends at {}", seal->head_seq, head_seq_));
  }
  events_.close();
  checkpoints_.close();
  const fs::path dir(dir_);
  json keys = json::array();
  std::vector<std::string> files = {"events.jsonl", "checkpoints.jsonl", "keys.json", "VERIFY.md"};
  for (const AuditKey& k : keys_) {
    keys.push_back({{"key_id", k.key_id},
                    {"algorithm", "ed25519"},
                    {"public_key", crypto::ToBase64(k.public_key)},
                    {"created_at", FormatRfc3339(k.created_at)}});
    const std::string pem_name = "keys/" + SafeName(k.key_id) + ".pem";
    CL_RETURN_IF_ERROR(WriteFile(dir / pem_name, crypto::Ed25519PublicKeyPem(k.public_key)));
    files.push_back(pem_name);
  }
  CL_RETURN_IF_ERROR(WriteFile(dir / "keys.json", keys.dump(2) + "\n"));
  CL_RETURN_IF_ERROR(WriteFile(dir / "VERIFY.md", kVerifyMd));
  json digests = json::object();
  for (const std::string& f : files) {
    CL_ASSIGN_OR_RETURN(digests[f], FileDigest(dir / f));
  }
  json manifest = {{"format", kExportFormat}, {"source", source},
                   {"events", event_count_},  {"checkpoints", checkpoint_count_},
                   {"head_seq", head_seq_},   {"head_hash", crypto::ToHex(head_hash_)},
                   {"sha256", digests}};
  if (seal != nullptr) manifest["seal"] = ExportSealJson(*seal);
  CL_RETURN_IF_ERROR(WriteFile(dir / "manifest.json", manifest.dump(2) + "\n"));
  return manifest;
}

AuditVerifyOptions VerifyOptions::Core() const {
  return AuditVerifyOptions{.pinned_key_ids = trusted_key_ids,
                            .witnessed = witnessed,
                            .expected_hash = expected_hash,
                            .timestamps = timestamps};
}

Result<AuditVerifyResult> VerifyExport(const std::string& dir_name, const VerifyOptions& o) {
  const fs::path dir(dir_name);
  CL_ASSIGN_OR_RETURN(std::string manifest_text, ReadFile(dir / "manifest.json"));
  const json manifest = ParseUntrusted(manifest_text);
  if (!manifest.is_object() || !manifest.contains("format") || manifest["format"] != kExportFormat) {
    return Malformed(dir_name + " is not a " + std::string(kExportFormat) + " export");
  }
  AuditVerifyResult failed;
  failed.ok = false;
  if (manifest.contains("sha256") && manifest["sha256"].is_object()) {
    for (const auto& [file, digest] : manifest["sha256"].items()) {
      if (file == "events.jsonl") continue;  // checked event by event below, with positions
      auto actual = FileDigest(dir / file);
      if (!actual.ok() || *actual != digest) {
        failed.problem = fmt::format("{} does not match the manifest's digest", file);
        return failed;
      }
    }
  }
  CL_ASSIGN_OR_RETURN(std::string keys_text, ReadFile(dir / "keys.json"));
  const json keys_json = ParseUntrusted(keys_text);
  std::vector<AuditKey> keys;
  for (const auto& k : keys_json.is_array() ? keys_json : json::array()) {
    auto pk = crypto::FromBase64(TextField(k, "public_key"));
    if (pk) keys.push_back({TextField(k, "key_id"), *pk, {}});
  }
  std::vector<AuditCheckpoint> checkpoints;
  {
    std::ifstream in(dir / "checkpoints.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      Result<AuditCheckpoint> cp = ParseCheckpointJson(ParseUntrusted(line));
      if (!cp.ok()) {
        failed.problem = "checkpoints.jsonl has a malformed line: " + cp.status().message();
        return failed;
      }
      checkpoints.push_back(std::move(cp).value());
    }
  }
  AuditVerifier verifier(keys, checkpoints);
  AuditVerifyOptions core = o.Core();
  if (core.timestamps && !checkpoints.empty()) {
    // The export ends where it was taken: its newest checkpoints were still
    // waiting for their time-stamps then.
    Timestamp newest = checkpoints.front().signed_at;
    for (const AuditCheckpoint& cp : checkpoints) newest = std::max(newest, cp.signed_at);
    core.timestamps->now = std::min(core.timestamps->now, newest);
  }
  if (!core.ApplyTo(verifier)) return verifier.Finish();
  std::ifstream in(dir / "events.jsonl", std::ios::binary);
  if (!in) return NotFound("missing events.jsonl");
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const json j = ParseUntrusted(line);
    crypto::Sha256Digest hash{};
    if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_integer() || !j.contains("body") ||
        !j["body"].is_string() || !ParseDigest(j["hash"], hash)) {
      failed.problem = fmt::format("events.jsonl line {} is malformed", line_no);
      failed.first_bad_seq = line_no;
      return failed;
    }
    if (!verifier.Add(j["seq"].get<int64_t>(), hash, j["body"].get_ref<const std::string&>())) break;
  }
  AuditVerifyResult result = verifier.Finish();
  if (!result.ok) return result;
  // The events are a consistent chain; they must also be all the manifest
  // promised: a tail cut from events.jsonl leaves a shorter, equally
  // consistent chain.
  const auto mismatch = [&](std::string problem) {
    result.ok = false;
    result.first_bad_seq = result.head_seq + 1;
    result.problem = std::move(problem);
    return result;
  };
  // The manifest is outside input: a field of the wrong type counts as absent.
  const auto integer = [&](const char* name) {
    return manifest.contains(name) && manifest[name].is_number_integer() ? manifest[name].get<int64_t>() : -1;
  };
  const int64_t promised_events = integer("events");
  const int64_t promised_head = integer("head_seq");
  if (promised_events != result.events_checked || promised_head != result.head_seq) {
    return mismatch(
        fmt::format("events.jsonl ends at seq {} with {} events, but the manifest promises {} "
                    "events up to seq {}: events were cut or added",
                    result.head_seq, result.events_checked, promised_events, promised_head));
  }
  if (!manifest.contains("head_hash") || manifest["head_hash"] != crypto::ToHex(result.head_hash)) {
    return mismatch(fmt::format("the chain head at seq {} differs from the manifest's head hash", result.head_seq));
  }
  if (integer("checkpoints") != static_cast<int64_t>(checkpoints.size())) {
    return mismatch("checkpoints.jsonl does not hold the number of checkpoints the manifest names");
  }
  const json& digests = manifest.contains("sha256") ? manifest["sha256"] : json::object();
  auto events_digest = FileDigest(dir / "events.jsonl");
  if (!digests.contains("events.jsonl") || !events_digest.ok() || *events_digest != digests["events.jsonl"]) {
    return mismatch("events.jsonl does not match the manifest's digest");
  }
  // The counts and digests above are only as good as the manifest: its seal
  // says who vouched for the head, and when.
  if (!manifest.contains("seal")) {
    if (!o.require_seal) return result;
    return mismatch(
        "the manifest is not sealed: nothing signs the head it names, so a tail cut together with a "
        "rewritten manifest would pass (export again with this release)");
  }
  Result<AuditExportSeal> seal = ParseExportSealJson(manifest["seal"]);
  if (!seal.ok()) return mismatch("the manifest's seal is malformed: " + seal.status().message());
  if (seal->head_seq != result.head_seq || seal->head_hash != result.head_hash) {
    return mismatch(fmt::format("the manifest's seal names seq {}, not the head the files end at", seal->head_seq));
  }
  const auto key = std::ranges::find(result.keys, seal->key_id, &AuditKeyStatus::key_id);
  if (key == result.keys.end()) {
    return mismatch(fmt::format("the manifest is sealed by key {}, which the log never registers", seal->key_id));
  }
  if (!key->trusted) return mismatch(fmt::format("the manifest is sealed by untrusted key {}", seal->key_id));
  if (key->retired_seq && *key->retired_seq <= seal->head_seq) {
    return mismatch(
        fmt::format("the manifest is sealed by key {}, replaced at seq {}", seal->key_id, *key->retired_seq));
  }
  if (!crypto::Ed25519Verify(key->public_key, ExportSealMessage(*seal), seal->signature)) {
    return mismatch(
        fmt::format("the manifest's seal does not verify with key {}: the manifest was edited", seal->key_id));
  }
  result.sealed_at = seal->exported_at;
  result.sealed_by = seal->key_id;
  return result;
}

}  // namespace cl
