#include "server/audit_timestamper.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/audit_checkpoint.h"
#include "core/audit_timestamps.h"
#include "server/outbound_http.h"

namespace cl {
namespace {

// A TimeStampResp is a few kilobytes (the token and the TSA's certificate chain).
constexpr size_t kMaxTimestampAnswer = 64 * 1024;

}  // namespace

Result<int64_t> AuditTimestamper::StampNewest(Store& store, const AuditLog& log, const AuditContext& ctx) {
  std::optional<AuditCheckpoint> newest;
  CL_RETURN_IF_ERROR(store.Read([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(newest, tx.Audit().LatestCheckpoint());
    return Status::Ok();
  }));
  if (!newest || newest->seq == stamped_seq_ || newest->seq <= record_seq_) return int64_t{0};
  const crypto::Sha256Digest digest = CheckpointDigest(*newest);
  const crypto::TimestampRequest request = crypto::MakeTimestampRequest(digest);
  OutboundHttp::Request r;
  r.url = url_;
  r.headers = {"Content-Type: application/timestamp-query", "Accept: application/timestamp-reply"};
  r.body = request.der;
  r.keep_body = kMaxTimestampAnswer;
  const OutboundHttp::Outcome answer = client_.Send(r);
  if (!answer.error.empty()) {
    return Unavailable(fmt::format("time-stamp authority {}: {}", url_, answer.error));
  }
  const crypto::TimestampCheck check = crypto::ReadTimestampResponse(answer.body, request, digest, anchors_);
  if (!check.ok()) {
    return Status(ErrorCode::kFailedPrecondition, fmt::format("time-stamp authority {}: {}", url_, check.error));
  }
  int64_t seq = 0;
  CL_RETURN_IF_ERROR(store.Write([&](Tx& tx) -> Status {
    CL_ASSIGN_OR_RETURN(seq, log.Append(tx, ctx, AuditTimestampRecord(*newest, url_, check.token_der, check.info)));
    return Status::Ok();
  }));
  stamped_seq_ = newest->seq;
  record_seq_ = seq;
  return newest->seq;
}

Result<crypto::TimestampAnchors> ReadTimestampAnchors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read the time-stamp authority certificate " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  crypto::TimestampAnchors anchors{buf.str()};
  if (anchors.pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return InvalidArgument(path + " holds no PEM certificate (the time-stamp authority's CA or its own certificate)");
  }
  return anchors;
}

}  // namespace cl
