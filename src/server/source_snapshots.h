// SourceSnapshots: reads what an evidence link shows through the source
// host's API, with the token the operator configured (serve
// --github-api-token-file, --gitlab-api-token-file), through the one
// outbound client (no internal addresses unless allowed, bounded time and
// size). Links it reads:
//   <github>/<owner>/<repo>/pull/<n>          -> <api>/repos/<owner>/<repo>/pulls/<n>
//   <github>/<owner>/<repo>/commit/<sha>      -> <api>/repos/<owner>/<repo>/commits/<sha>
//   <github>/<owner>/<repo>/actions/runs/<id> -> <api>/repos/<owner>/<repo>/actions/runs/<id>
//   <gitlab>/<project path>/-/merge_requests/<n> -> <gitlab>/api/v4/projects/<path>/merge_requests/<n>
//   <gitlab>/<project path>/-/pipelines/<id>     -> <gitlab>/api/v4/projects/<path>/pipelines/<id>
// Thread-safe; immutable after construction.
#pragma once

#include <string>

#include "core/evidence_snapshots.h"
#include "server/outbound_http.h"

namespace cl {

struct SourceSnapshotOptions {
  std::string github_url = "https://github.com";          // where links point (GitHub Enterprise: its host)
  std::string github_api_url = "https://api.github.com";  // GitHub Enterprise: https://<host>/api/v3
  std::string github_token;                               // empty: GitHub links are kept as links only
  std::string gitlab_url = "https://gitlab.com";
  std::string gitlab_token;  // empty: GitLab links are kept as links only
  bool enabled() const { return !github_token.empty() || !gitlab_token.empty(); }
};

// The API URL that shows what `link` points at, and the header carrying the
// token; empty when it is not a link these options can read.
struct SnapshotRequest {
  std::string api_url;
  std::string auth_header;
};
SnapshotRequest SnapshotRequestFor(const SourceSnapshotOptions& o, const std::string& link);

class SourceSnapshots final : public EvidenceSnapshotter {
 public:
  SourceSnapshots(SourceSnapshotOptions options, const OutboundHttp& client)
      : o_(std::move(options)), client_(client) {}
  std::optional<UrlSnapshot> Fetch(const std::string& url) const override;

 private:
  SourceSnapshotOptions o_;
  const OutboundHttp& client_;
};

}  // namespace cl
