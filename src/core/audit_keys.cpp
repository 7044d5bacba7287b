#include "core/audit_keys.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/audit_checkpoint.h"
#include "core/audit_log.h"
#include "crypto/crypto.h"

namespace cl {
namespace {

constexpr std::string_view kRegistrationPrefix = R"({"action":"audit.key.register",)";

const nlohmann::json* Member(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string StringAt(const nlohmann::json& j, std::initializer_list<std::string_view> path) {
  const nlohmann::json* at = &j;
  for (std::string_view key : path) {
    at = Member(*at, key);
    if (at == nullptr) return "";
  }
  return at->is_string() ? at->get<std::string>() : "";
}

}  // namespace

std::string KeyEndorsementMessage(std::string_view key_id, const std::vector<uint8_t>& public_key) {
  return CanonicalJson({{"key_id", key_id},
                        {"public_key", crypto::ToBase64(public_key)},
                        {"type", "changeledger.audit.key.endorsement.v1"}});
}

AuditKeyRegistry::AuditKeyRegistry(std::vector<std::string> pinned) : pinned_(pinned.begin(), pinned.end()) {}

bool AuditKeyRegistry::IsRegistration(std::string_view body) { return body.starts_with(kRegistrationPrefix); }

std::optional<std::string> AuditKeyRegistry::Register(int64_t seq, std::string_view body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  const std::string id = StringAt(j, {"object", "id"});
  const auto pk = crypto::FromBase64(StringAt(j, {"changes", "public_key", "to"}));
  if (id.empty() || !pk || pk->size() != 32) {
    return fmt::format("event {} registers an audit key but does not carry its id and 32-byte public key", seq);
  }
  if (KeyIdFor(*pk) != id) {
    return fmt::format("event {} registers audit key {} with a public key that does not match the id", seq, id);
  }
  if (keys_.contains(id)) return std::nullopt;  // registered again (same id, so the same key): nothing new
  AuditKeyStatus k;
  k.key_id = id;
  k.public_key = *pk;
  k.registered_seq = seq;
  k.pinned = pinned_.contains(id);
  k.first = keys_.empty();
  const std::string endorser = StringAt(j, {"details", "endorsement", "key_id"});
  const std::string replaces = StringAt(j, {"details", "replaces"});
  if (!endorser.empty()) {
    auto by = keys_.find(endorser);
    if (by == keys_.end() || by->second.retired_seq) {
      return fmt::format("event {} registers audit key {} endorsed by {}, which is not a current registered key", seq,
                         id, endorser);
    }
    const auto sig = crypto::FromBase64(StringAt(j, {"details", "endorsement", "signature"}));
    if (!sig || !crypto::Ed25519Verify(by->second.public_key, KeyEndorsementMessage(id, *pk), *sig)) {
      return fmt::format("event {} registers audit key {} with an endorsement by {} whose signature does not verify",
                         seq, id, endorser);
    }
    k.endorsed_by = endorser;
  }
  if (!replaces.empty()) {
    // A rotation: only the key being replaced may hand over.
    if (replaces != endorser) {
      return fmt::format("event {} registers audit key {} as replacing {}, but {} did not endorse it", seq, id,
                         replaces, replaces);
    }
    keys_[replaces].retired_seq = seq;
  }
  const bool endorsed_by_trusted = !k.endorsed_by.empty() && keys_[k.endorsed_by].trusted;
  // Unpinned, a key added without endorsement (another server's) is taken
  // as the log says and reported; pinned, only the chain from a pin counts.
  k.trusted = pinning() ? (k.pinned || endorsed_by_trusted) : true;
  keys_[id] = std::move(k);
  order_.push_back(id);
  return std::nullopt;
}

std::optional<std::string> AuditKeyRegistry::Problem(const AuditCheckpoint& cp) const {
  auto it = keys_.find(cp.key_id);
  if (it == keys_.end() || it->second.registered_seq > cp.seq) {
    return fmt::format(
        "checkpoint at seq {} is signed by key {}, which no audit.key.register event before it "
        "registers: the key was added outside the log",
        cp.seq, cp.key_id);
  }
  const AuditKeyStatus& k = it->second;
  if (k.retired_seq && cp.seq > *k.retired_seq) {
    return fmt::format("checkpoint at seq {} is signed by key {}, which was replaced at seq {}", cp.seq, cp.key_id,
                       *k.retired_seq);
  }
  if (!k.trusted) {
    return fmt::format(
        "checkpoint at seq {} is signed by key {}, which is neither pinned nor endorsed by a pinned "
        "key",
        cp.seq, cp.key_id);
  }
  if (!crypto::Ed25519Verify(k.public_key, CheckpointMessage(cp), cp.signature)) {
    return fmt::format("checkpoint at seq {} has an invalid signature", cp.seq);
  }
  return std::nullopt;
}

std::optional<std::string> AuditKeyRegistry::Unregistered(const std::vector<AuditKey>& stored) const {
  for (const AuditKey& s : stored) {
    auto it = keys_.find(s.key_id);
    if (it == keys_.end()) {
      return fmt::format(
          "audit key {} is stored but no audit.key.register event registers it: it was added "
          "outside the log",
          s.key_id);
    }
    if (it->second.public_key != s.public_key) {
      return fmt::format("audit key {} does not match its public key: the key was replaced", s.key_id);
    }
  }
  return std::nullopt;
}

std::vector<AuditKeyStatus> AuditKeyRegistry::Keys() const {
  std::vector<AuditKeyStatus> out;
  out.reserve(order_.size());
  for (const std::string& id : order_) out.push_back(keys_.at(id));
  return out;
}

}  // namespace cl
