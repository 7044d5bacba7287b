// WebAsset: one file of the browser UI's build output, compiled into the
// binary by cmake/embed_web.cmake so `changeledger serve` needs no web server
// and no files beside it. Immutable, static data; thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace cl::http {

struct WebAsset {
  std::string_view path;  // "/index.html", "/assets/index-3f2a.js"
  std::string_view content_type;
  std::string_view body;
  std::string_view gzip;  // the body gzip-compressed; empty: send it as is
  std::string_view etag;  // strong: "\"<sha256>\"" (of the uncompressed body)
  bool immutable;         // content-hashed name: cache forever
};

std::span<const WebAsset> WebAssets();

}  // namespace cl::http
