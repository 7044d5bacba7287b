// Time-stamps of the audit log by an RFC 3161 authority (docs/audit.md,
// "Time-stamps"). A server with --audit-tsa asks the authority to time-stamp
// the digest of its newest checkpoint (SHA-256 of the checkpoint message as
// signed) every few minutes and records the token in an audit.timestamp
// event. Someone holding the signing key can re-sign a rewritten log with
// the old times, but cannot get a token dated in the past: with the
// authority's certificate, verification requires every checkpoint to be
// time-stamped within a bound of when it says it was signed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/audit_log.h"
#include "core/audit_types.h"
#include "crypto/timestamp.h"

namespace cl {

inline constexpr std::string_view kAuditTimestampAction = "audit.timestamp";
// How late a checkpoint's time-stamp may be, unless the verifier says
// otherwise: the server asks every 5 minutes, so this rides out an authority
// outage of most of an hour.
inline constexpr int64_t kDefaultTimestampMaxDelaySeconds = 3600;

// The event recording `token_der` from authority `tsa` over checkpoint `cp`.
AuditRecord AuditTimestampRecord(const AuditCheckpoint& cp, const std::string& tsa, const std::string& token_der,
                                 const crypto::TimestampInfo& info);

// What a verifier requires of time-stamps.
struct AuditTimestampPolicy {
  crypto::TimestampAnchors anchors;  // the authority's CA (or its certificate)
  int64_t max_delay_micros = kDefaultTimestampMaxDelaySeconds * kMicrosPerSecond;
  // Checkpoints signed within max_delay of this are still waiting for theirs.
  Timestamp now;
  // Checkpoints signed at or after this must be time-stamped; without it,
  // those from the first time-stamped one on.
  std::optional<Timestamp> required_since;
};

// Follows the audit.timestamp events of a log as the verifier reads it.
class AuditTimestampChecker {
 public:
  explicit AuditTimestampChecker(std::optional<AuditTimestampPolicy> policy) : policy_(std::move(policy)) {}
  static bool IsTimestamp(std::string_view body);
  bool checking() const { return policy_.has_value(); }

  // Event `seq` (`is_timestamp`: an audit.timestamp event); `checkpoint_here`
  // when a checkpoint signs it.
  void NoteEvent(int64_t seq, bool is_timestamp, bool checkpoint_here);
  // The audit.timestamp event `seq`, naming a checkpoint in `checkpoints`
  // (already verified: it precedes the event): the problem, if any.
  std::optional<std::string> Add(int64_t seq, std::string_view body,
                                 const std::map<int64_t, AuditCheckpoint>& checkpoints);
  // The first checkpoint that should be time-stamped by now but is not (seq
  // and problem), once every event was read.
  std::optional<std::pair<int64_t, std::string>> Uncovered(const std::map<int64_t, AuditCheckpoint>& checkpoints) const;

  int64_t count() const { return count_; }
  int64_t latest_seq() const { return stamps_.empty() ? 0 : stamps_.rbegin()->first; }
  std::optional<Timestamp> latest_time() const;

 private:
  std::optional<AuditTimestampPolicy> policy_;
  std::map<int64_t, Timestamp> stamps_;  // checkpoint seq -> the earliest authority time for it
  std::set<int64_t> only_stamps_;        // checkpoints whose events since the one before are all audit.timestamp
  bool window_has_other_ = false;
  int64_t count_ = 0;
};

}  // namespace cl
