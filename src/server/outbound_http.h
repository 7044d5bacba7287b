// OutboundHttp: the one client for requests to URLs that users give (webhook
// receivers). It refuses loopback, private, link-local (cloud metadata),
// multicast and other special-purpose addresses unless the operator's
// allow-list names them; it resolves a host once, checks every address, and
// pins the connection to the checked addresses, so DNS rebinding cannot swap
// them. No redirects, no proxy from the environment, http(s) only, bounded
// time. Thread-safe; immutable after construction.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/notifications.h"
#include "core/status.h"

struct sockaddr;

namespace cl {

// An IP network ("10.0.0.0/8", "fd00::/8", "192.168.1.20"); IPv4 is kept as
// an IPv4-mapped IPv6 address, so one comparison serves both.
struct IpNetwork {
  std::array<uint8_t, 16> address{};
  int prefix = 128;
  bool Contains(const std::array<uint8_t, 16>& a) const;
};
Result<IpNetwork> ParseIpNetwork(std::string_view text);

// Why `address` (IPv4-mapped for IPv4) may not be contacted, or "" if it may:
// it is public, or inside one of `allowed`.
std::string RefusalReason(const std::array<uint8_t, 16>& address, const std::vector<IpNetwork>& allowed);

// The address of a socket address as 16 bytes (IPv4-mapped); false if it is
// neither IPv4 nor IPv6.
bool ToMappedAddress(const sockaddr* sa, std::array<uint8_t, 16>& out);

class OutboundHttp final : public DestinationGuard {
 public:
  // `allowed`: networks reachable although not public (on-premise receivers).
  explicit OutboundHttp(std::vector<IpNetwork> allowed = {});
  // For destinations the operator configured (audit witnesses): every
  // address allowed; still no redirects, no proxy, bounded time and size.
  static OutboundHttp ForOperatorUrls();

  // The URL's form (http/https, a host, no credentials) and every address its
  // host resolves to. For registration time; Post checks again.
  Status CheckUrl(const std::string& url) const override;

  struct Outcome {
    long status = 0;    // HTTP status, 0 when no response
    std::string error;  // empty on 2xx
    std::string body;   // the response body, when the request asked to keep it
  };
  struct Request {
    std::string method = "POST";  // GET or POST
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string_view body;             // POST only
    long timeout_ms = 10000;
    long connect_timeout_ms = 5000;
    size_t keep_body = 0;  // response bytes kept; a longer response is an error
  };
  Outcome Send(const Request& request) const;
  // POSTs `body` with `headers` ("Name: value") to `url`; the answer's body is dropped.
  Outcome Post(const std::string& url, const std::vector<std::string>& headers, std::string_view body,
               long timeout_ms = 10000, long connect_timeout_ms = 5000) const {
    Request r;
    r.url = url;
    r.headers = headers;
    r.body = body;
    r.timeout_ms = timeout_ms;
    r.connect_timeout_ms = connect_timeout_ms;
    return Send(r);
  }

 private:
  struct Target {
    std::string host;  // as in the URL (brackets removed)
    long port = 0;
    std::vector<std::string> addresses;  // checked, numeric
  };
  Result<Target> Resolve(const std::string& url) const;

  std::vector<IpNetwork> allowed_;
};

}  // namespace cl
