// Test HTTP helpers: a libcurl client that sends exactly what a test asks
// (any method, headers, raw bytes) and a raw TCP client for requests curl
// would refuse to send (oversized headers, broken framing).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/api_client.h"

namespace cl::testing {

struct Reply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  nlohmann::json json() const;
  std::string Header(const std::string& name) const;
};

class Http {
 public:
  explicit Http(std::string base_url) : client_(std::move(base_url), "") {}
  Reply Send(const std::string& method, const std::string& path, const std::string& body = "",
             std::map<std::string, std::string> headers = {});
  Reply Get(const std::string& path, const std::string& token = "");
  // JSON body with Content-Type application/json; bearer token if given.
  Reply Json(const std::string& method, const std::string& path, const nlohmann::json& body,
             const std::string& token = "", std::map<std::string, std::string> headers = {});
  // PATCH as a client that read the resource first: GET `path`, then PATCH
  // `body` with the ETag it got as If-Match.
  Reply Edit(const std::string& path, const nlohmann::json& body, const std::string& token);

 private:
  cli::ApiClient client_;
};

// Sends `bytes` on a fresh connection and returns everything read until the
// server closes or `timeout_ms` passes.
std::string RawExchange(uint16_t port, const std::string& bytes, int timeout_ms = 3000);

}  // namespace cl::testing
