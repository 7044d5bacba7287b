// Evidence given as a link keeps what the link showed (C2): for a URL the
// server can read through a configured API token (a GitHub pull request,
// commit or workflow run; a GitLab merge request or pipeline) the API's JSON
// answer is stored with the evidence, content-addressed like an upload, with
// when it was fetched. Any other link is kept as a link only, and says so.
// Implemented in server/source_snapshots.h. Thread-safe.
#pragma once

#include <optional>
#include <string>

namespace cl {

struct UrlSnapshot {
  std::string content;  // the API's answer (JSON)
  std::string source;   // the API URL it came from
};

class EvidenceSnapshotter {
 public:
  virtual ~EvidenceSnapshotter() = default;
  // nullopt when the URL is not one it can read, or reading failed (the
  // evidence is then kept as a link only; the failure is logged).
  virtual std::optional<UrlSnapshot> Fetch(const std::string& url) const = 0;
};

}  // namespace cl
