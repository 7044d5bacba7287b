// Request and Response: the HTTP messages handlers see, independent of the
// server library (only server.cpp knows Boost.Beast). A Request is valid
// until its response has been sent; it is read by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cl::http {

// Header lookup supplied by the server (case-insensitive names).
class HeaderSource {
 public:
  virtual ~HeaderSource() = default;
  virtual std::string_view Get(std::string_view name) const = 0;
};

struct Request {
  std::string_view method;  // "GET"
  std::string_view target;  // path and query as sent
  std::string_view path;    // target without the query
  std::string_view query;   // after '?', undecoded
  std::string body;
  const HeaderSource* headers = nullptr;
  std::string client_ip;
  bool secure = false;  // TLS (directly or via a trusted proxy)
  std::string request_id;
  std::chrono::steady_clock::time_point received_at;

  std::string_view Header(std::string_view name) const { return headers ? headers->Get(name) : std::string_view(); }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close_connection = false;

  Response& With(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

Response JsonResponse(int status, const nlohmann::json& body);
Response NoContent();

// Decodes a query string into name -> values ("a=1&a=2&b=x%20y").
// Returns nullopt if a percent-escape is malformed or the result is not UTF-8.
std::optional<std::multimap<std::string, std::string>> ParseQuery(std::string_view query);

// Value of one cookie from a Cookie header, or empty.
std::string_view CookieValue(std::string_view cookie_header, std::string_view name);

// True if `s` is valid UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);

}  // namespace cl::http
