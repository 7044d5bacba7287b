// Asks an RFC 3161 time-stamp authority (serve --audit-tsa) to time-stamp
// the log's newest checkpoint and records the token in an audit.timestamp
// event (core/audit_timestamps.h; docs/audit.md, "Time-stamps"). The answer
// is checked before it is recorded: granted, for this request (nonce), over
// this checkpoint, signed by a certificate under the configured anchors.
// One thread calls StampNewest.
#pragma once

#include <string>

#include "core/audit_log.h"
#include "core/status.h"
#include "core/store.h"
#include "crypto/timestamp.h"

namespace cl {

class OutboundHttp;

class AuditTimestamper {
 public:
  // `client` must outlive this.
  AuditTimestamper(std::string url, crypto::TimestampAnchors anchors, const OutboundHttp& client)
      : url_(std::move(url)), anchors_(std::move(anchors)), client_(client) {}

  const std::string& url() const { return url_; }
  // Time-stamps the newest checkpoint unless it was already, or it signs
  // nothing after this process's last time-stamp record; returns the seq of
  // the checkpoint it time-stamped (0: nothing to do).
  Result<int64_t> StampNewest(Store& store, const AuditLog& log, const AuditContext& ctx);

 private:
  std::string url_;
  crypto::TimestampAnchors anchors_;
  const OutboundHttp& client_;
  int64_t stamped_seq_ = 0;  // the newest checkpoint this process time-stamped
  int64_t record_seq_ = 0;   // the event recording it
};

// The PEM certificates in `path`, as time-stamp trust anchors (an error
// names the file when it holds none).
Result<crypto::TimestampAnchors> ReadTimestampAnchors(const std::string& path);

}  // namespace cl
