#include "http/web_ui.h"

namespace cl::http {
namespace {

// Paths that belong to the API or the server, never to a page of the UI.
bool IsServerPath(std::string_view path) {
  for (std::string_view prefix : {"/api/", "/problems/", "/assets/"}) {
    if (path.starts_with(prefix)) return true;
  }
  for (std::string_view exact : {"/api", "/healthz", "/readyz", "/metrics", "/openapi.json"}) {
    if (path == exact) return true;
  }
  return false;
}

// "/changes/CHG-1" is a page; "/robots.txt" or "/x.js" is a file that is not there.
bool LooksLikeFile(std::string_view path) {
  const size_t slash = path.rfind('/');
  return path.find('.', slash == std::string_view::npos ? 0 : slash) != std::string_view::npos;
}

// Calls `item` with each trimmed element of a comma-separated header value
// until it returns true; returns whether one did.
template <typename Fn>
bool AnyListItem(std::string_view header, Fn item) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view v = header.substr(pos, comma - pos);
    pos = comma + 1;
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (item(v)) return true;
  }
  return false;
}

bool ETagMatches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  // A list of tags, possibly weak (W/"..."): compare the opaque parts.
  return AnyListItem(if_none_match, [&](std::string_view tag) {
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag == etag;
  });
}

// Whether Accept-Encoding allows gzip ("gzip", "gzip;q=0.5", "*"; not "q=0").
bool AcceptsGzip(std::string_view header) {
  return AnyListItem(header, [](std::string_view item) {
    const size_t semi = item.find(';');
    std::string_view name = item.substr(0, semi);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name != "gzip" && name != "*") return false;
    if (semi == std::string_view::npos) return true;
    const std::string_view params = item.substr(semi + 1);
    const size_t q = params.find("q=");
    if (q == std::string_view::npos) return true;
    std::string_view value = params.substr(q + 2);
    value = value.substr(0, value.find(';'));
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    // q=0, q=0.0, q=0.000 refuse; any other weight accepts.
    return !(!value.empty() && value.front() == '0' && value.find_first_not_of("0.") == std::string_view::npos);
  });
}

}  // namespace

WebUi::WebUi() {
  for (const WebAsset& asset : WebAssets()) {
    by_path_.emplace(asset.path, &asset);
    if (asset.path == "/index.html") index_ = &asset;
  }
}

bool WebUi::WantsPage(const Request& req) { return req.Header("Accept").find("text/html") != std::string_view::npos; }

std::optional<Response> WebUi::Serve(const Request& req) const {
  if (req.method != "GET" && req.method != "HEAD") return std::nullopt;
  if (auto it = by_path_.find(req.path); it != by_path_.end()) return Answer(req, *it->second);
  if (index_ == nullptr || IsServerPath(req.path) || LooksLikeFile(req.path) || !WantsPage(req)) {
    return std::nullopt;
  }
  return Answer(req, *index_);  // a route of the single-page app
}

Response WebUi::Answer(const Request& req, const WebAsset& asset) const {
  Response r;
  const bool gzip = !asset.gzip.empty() && AcceptsGzip(req.Header("Accept-Encoding"));
  // Each encoding is its own representation, so it has its own strong ETag.
  std::string etag(asset.etag);
  if (gzip) etag.insert(etag.size() - 1, "-gzip");
  if (ETagMatches(req.Header("If-None-Match"), etag)) {
    r.status = 304;
    r.content_type.clear();
  } else {
    r.content_type = std::string(asset.content_type);
    r.body = std::string(gzip ? asset.gzip : asset.body);
    if (gzip) r.With("Content-Encoding", "gzip");
  }
  if (!asset.gzip.empty()) r.With("Vary", "Accept-Encoding");
  r.With("ETag", std::move(etag));
  r.With("Cache-Control", asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.With("X-Content-Type-Options", "nosniff");
  r.With("Content-Security-Policy", std::string(kWebUiCsp));
  r.With("X-Frame-Options", "DENY");
  r.With("Referrer-Policy", "same-origin");
  r.With("Cross-Origin-Opener-Policy", "same-origin");
  r.With("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  return r;
}

}  // namespace cl::http
