// Which keys may sign checkpoints, decided from the log itself: every key is
// registered by an `audit.key.register` event in the hash chain before it
// signs; a rotated key's registration is endorsed (signed) by the key it
// replaces, which is retired from that event on. Keys pinned outside the
// database (server configuration, --trusted-key-id) narrow trust to
// themselves and the keys they endorse. Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/audit_types.h"

namespace cl {

// What the log says about one signing key.
struct AuditKeyStatus {
  std::string key_id;
  std::vector<uint8_t> public_key;
  int64_t registered_seq = 0;
  std::string endorsed_by;             // the key that signed its registration, if any
  std::optional<int64_t> retired_seq;  // registration of the key that replaced it
  bool pinned = false;                 // named outside the database
  bool first = false;                  // the log's first key (trusted on first use when nothing is pinned)
  bool trusted = false;                // may sign checkpoints
};

// The message a key signs to endorse another: canonical JSON
// {"key_id","public_key"(base64),"type":"changeledger.audit.key.endorsement.v1"}.
std::string KeyEndorsementMessage(std::string_view key_id, const std::vector<uint8_t>& public_key);

class AuditKeyRegistry {
 public:
  // `pinned`: key ids trusted from outside the database; empty: the first
  // registered key and the keys endorsed from it, and (reported as
  // unendorsed) further keys registered without endorsement, e.g. another
  // PostgreSQL server's.
  explicit AuditKeyRegistry(std::vector<std::string> pinned = {});

  // Whether an event body (canonical JSON) is a key registration; cheap.
  static bool IsRegistration(std::string_view body);
  // Records the registration in event `seq`; a problem (one sentence) when
  // the event is malformed, names a key that does not match its public
  // key, or carries an endorsement that does not verify.
  std::optional<std::string> Register(int64_t seq, std::string_view body);

  // Why checkpoint `cp` may not be trusted: its key is unregistered (at
  // that seq), retired, not trusted under the pins, or the signature fails
  // with the registered public key.
  std::optional<std::string> Problem(const AuditCheckpoint& cp) const;
  // A key present in the database (or keys.json) that the log never
  // registered, or registered with another public key: inserted or replaced
  // outside the log.
  std::optional<std::string> Unregistered(const std::vector<AuditKey>& stored) const;

  // Every registered key, in registration order.
  std::vector<AuditKeyStatus> Keys() const;
  bool pinning() const { return !pinned_.empty(); }

 private:
  std::set<std::string> pinned_;
  std::map<std::string, AuditKeyStatus> keys_;
  std::vector<std::string> order_;
};

}  // namespace cl
