#include "core/audit_timestamps.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/audit_checkpoint.h"

namespace cl {
namespace {

// Canonical bodies sort their keys, so the action comes first.
constexpr std::string_view kTimestampPrefix = R"({"action":"audit.timestamp",)";

}  // namespace

AuditRecord AuditTimestampRecord(const AuditCheckpoint& cp, const std::string& tsa, const std::string& token_der,
                                 const crypto::TimestampInfo& info) {
  AuditRecord rec{std::string(kAuditTimestampAction), "audit_checkpoint", std::to_string(cp.seq)};
  rec.details = {{"checkpoint_seq", cp.seq},
                 {"checkpoint_digest", crypto::ToHex(CheckpointDigest(cp))},
                 {"tsa", tsa},
                 {"gen_time", FormatRfc3339(Timestamp{info.gen_time_micros})},
                 {"serial", info.serial},
                 {"policy", info.policy},
                 {"token", crypto::ToBase64(std::vector<uint8_t>(token_der.begin(), token_der.end()))}};
  return rec;
}

bool AuditTimestampChecker::IsTimestamp(std::string_view body) { return body.starts_with(kTimestampPrefix); }

void AuditTimestampChecker::NoteEvent(int64_t seq, bool is_timestamp, bool checkpoint_here) {
  window_has_other_ = window_has_other_ || !is_timestamp;
  if (!checkpoint_here) return;
  if (!window_has_other_) only_stamps_.insert(seq);
  window_has_other_ = false;
}

std::optional<std::string> AuditTimestampChecker::Add(int64_t seq, std::string_view body,
                                                      const std::map<int64_t, AuditCheckpoint>& checkpoints) {
  ++count_;
  if (!policy_) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  const nlohmann::json* details = j.is_object() && j.contains("details") ? &j["details"] : nullptr;
  if (details == nullptr || !details->is_object() || !details->contains("checkpoint_seq") ||
      !(*details)["checkpoint_seq"].is_number_integer() || !details->contains("token") ||
      !(*details)["token"].is_string()) {
    return fmt::format("event {} records a time-stamp but not the checkpoint and token it is for", seq);
  }
  const int64_t n = (*details)["checkpoint_seq"].get<int64_t>();
  auto cp = checkpoints.find(n);
  if (n >= seq || cp == checkpoints.end()) {
    return fmt::format(
        "event {} records a time-stamp of a checkpoint at seq {}, which the log does not hold "
        "before it",
        seq, n);
  }
  const auto token = crypto::FromBase64((*details)["token"].get<std::string>());
  if (!token) return fmt::format("event {} records a time-stamp token that is not base64", seq);
  const crypto::TimestampCheck check =
      crypto::VerifyTimestampToken(std::string_view(reinterpret_cast<const char*>(token->data()), token->size()),
                                   CheckpointDigest(cp->second), policy_->anchors);
  if (!check.ok()) {
    return fmt::format("the time-stamp in event {} does not hold for the checkpoint at seq {}: {}", seq, n,
                       check.error);
  }
  const Timestamp at{check.info.gen_time_micros};
  auto [it, inserted] = stamps_.emplace(n, at);
  if (!inserted) it->second = std::min(it->second, at);
  return std::nullopt;
}

std::optional<Timestamp> AuditTimestampChecker::latest_time() const {
  if (stamps_.empty()) return std::nullopt;
  return stamps_.rbegin()->second;
}

std::optional<std::pair<int64_t, std::string>> AuditTimestampChecker::Uncovered(
    const std::map<int64_t, AuditCheckpoint>& checkpoints) const {
  if (!policy_) return std::nullopt;
  // For each time-stamped seq, the earliest authority time at it or after:
  // what bounds when every checkpoint up to it existed.
  std::vector<std::pair<int64_t, Timestamp>> bound(stamps_.begin(), stamps_.end());
  for (size_t i = bound.size(); i-- > 1;) bound[i - 1].second = std::min(bound[i - 1].second, bound[i].second);
  const int64_t delay = policy_->max_delay_micros;
  for (const auto& [seq, cp] : checkpoints) {
    if (policy_->now - cp.signed_at < delay) continue;  // still waiting for its time-stamp
    if (only_stamps_.contains(seq)) continue;           // signs only a time-stamp record
    if (policy_->required_since ? cp.signed_at < *policy_->required_since
                                : (bound.empty() ? false : seq < bound.front().first)) {
      continue;  // from before time-stamping began
    }
    auto it = std::lower_bound(bound.begin(), bound.end(), seq, [](const auto& b, int64_t s) { return b.first < s; });
    if (it == bound.end()) {
      return std::pair{seq,
                       fmt::format("the checkpoint at seq {} (signed at {}) has no time-stamp at or after it{}: "
                                   "time-stamps were removed, or the log was re-signed after the fact",
                                   seq, FormatRfc3339(cp.signed_at), bound.empty() ? " (the log holds none)" : "")};
    }
    if (it->second - cp.signed_at > delay) {
      return std::pair{
          seq, fmt::format("the checkpoint at seq {} says it was signed at {}, but the first time-stamp "
                           "covering it is from {}, more than {} s later: the log up to it was "
                           "rewritten and re-signed with old times, or the authority was unreachable "
                           "that long",
                           seq, FormatRfc3339(cp.signed_at), FormatRfc3339(it->second), delay / kMicrosPerSecond)};
    }
  }
  return std::nullopt;
}

}  // namespace cl
