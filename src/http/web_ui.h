// WebUi: serves the browser UI's embedded files. Content-hashed assets are
// cached for a year; index.html is revalidated (ETag) on every load, and any
// page path of the single-page app falls back to it. Every answer carries the
// UI's strict security headers (CSP without inline script, no framing).
// Built once at start; thread-safe (read-only afterwards).
#pragma once

#include <optional>
#include <string_view>
#include <unordered_map>

#include "http/message.h"
#include "http/web_assets.h"

namespace cl::http {

class WebUi {
 public:
  WebUi();

  // The answer for a GET/HEAD the API has no route for, or nullopt when the
  // path is not the UI's (API paths, unknown files, non-browser clients).
  std::optional<Response> Serve(const Request& req) const;
  // Whether the client asks for a page: GET / from a browser is the UI, from
  // an API client the service description.
  static bool WantsPage(const Request& req);

 private:
  Response Answer(const Request& req, const WebAsset& asset) const;
  std::unordered_map<std::string_view, const WebAsset*> by_path_;
  const WebAsset* index_ = nullptr;
};

// The UI's Content-Security-Policy: scripts, styles and requests only from
// this origin, no inline script or style, no plugins, no framing.
inline constexpr std::string_view kWebUiCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

}  // namespace cl::http
