#include "server/source_snapshots.h"

#include <fmt/format.h>

#include <vector>

#include "platform/build_info.h"
#include "platform/log.h"

namespace cl {
namespace {

constexpr size_t kMaxSnapshotBytes = 1 << 20;

std::string TrimSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// The path segments of `link` under `base` ("" base or another host: none).
std::vector<std::string> Under(const std::string& base, const std::string& link) {
  const std::string prefix = TrimSlash(base) + "/";
  if (base.empty() || link.rfind(prefix, 0) != 0) return {};
  std::string rest = link.substr(prefix.size());
  rest = rest.substr(0, rest.find_first_of("?#"));
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= rest.size()) {
    const size_t end = rest.find('/', start);
    const std::string part = rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) out.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// Only names and numbers go into the API URL: nothing a link could use to
// point the token elsewhere (no dots-only segments, escapes or queries).
bool Plain(const std::string& s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool Number(const std::string& s) {
  return !s.empty() && s.size() <= 20 && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

SnapshotRequest SnapshotRequestFor(const SourceSnapshotOptions& o, const std::string& link) {
  if (!o.github_token.empty()) {
    const std::vector<std::string> p = Under(o.github_url, link);
    if (p.size() >= 4 && Plain(p[0]) && Plain(p[1])) {
      const std::string repo = fmt::format("{}/repos/{}/{}", TrimSlash(o.github_api_url), p[0], p[1]);
      const std::string auth = "Authorization: Bearer " + o.github_token;
      if (p.size() == 4 && p[2] == "pull" && Number(p[3])) return {fmt::format("{}/pulls/{}", repo, p[3]), auth};
      if (p.size() == 4 && p[2] == "commit" && Plain(p[3])) return {fmt::format("{}/commits/{}", repo, p[3]), auth};
      if (p.size() == 5 && p[2] == "actions" && p[3] == "runs" && Number(p[4])) {
        return {fmt::format("{}/actions/runs/{}", repo, p[4]), auth};
      }
    }
  }
  if (!o.gitlab_token.empty()) {
    const std::vector<std::string> p = Under(o.gitlab_url, link);
    // <group>/<subgroup>/<project>/-/<kind>/<id>
    const auto dash = std::find(p.begin(), p.end(), "-");
    if (dash != p.end() && dash - p.begin() >= 2 && p.end() - dash == 3 && Number(*(dash + 2)) &&
        std::all_of(p.begin(), dash, Plain)) {
      std::string project;
      for (auto it = p.begin(); it != dash; ++it) project += (project.empty() ? "" : "%2F") + *it;
      const std::string& kind = *(dash + 1);
      if (kind == "merge_requests" || kind == "pipelines") {
        return {fmt::format("{}/api/v4/projects/{}/{}/{}", TrimSlash(o.gitlab_url), project, kind, *(dash + 2)),
                "PRIVATE-TOKEN: " + o.gitlab_token};
      }
    }
  }
  return {};
}

std::optional<UrlSnapshot> SourceSnapshots::Fetch(const std::string& url) const {
  const SnapshotRequest req = SnapshotRequestFor(o_, url);
  if (req.api_url.empty()) return std::nullopt;
  OutboundHttp::Request r;
  r.method = "GET";
  r.url = req.api_url;
  r.headers = {req.auth_header, "Accept: application/json", fmt::format("User-Agent: Changeledger/{}", kVersion)};
  r.timeout_ms = 10000;
  r.keep_body = kMaxSnapshotBytes;
  OutboundHttp::Outcome got = client_.Send(r);
  if (!got.error.empty()) {
    log::Warn("evidence link kept as a link only: its snapshot failed",
              {{"api_url", req.api_url}, {"error", got.error}});
    return std::nullopt;
  }
  return UrlSnapshot{std::move(got.body), req.api_url};
}

}  // namespace cl
