#include "server/outbound_http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>

namespace cl {
namespace {

using Bytes = std::array<uint8_t, 16>;

// Special-purpose ranges (IANA IPv4/IPv6 special-purpose registries) that a
// user-given URL must not reach: the server's own host, its networks, the
// cloud metadata service, documentation and reserved space.
struct Special {
  const char* network;
  const char* what;
};
constexpr Special kSpecial[] = {
    {"0.0.0.0/8", "a 'this network' address"},
    {"10.0.0.0/8", "a private address"},
    {"100.64.0.0/10", "a shared (carrier-grade NAT) address"},
    {"127.0.0.0/8", "a loopback address"},
    {"169.254.0.0/16", "a link-local address (cloud metadata services live here)"},
    {"172.16.0.0/12", "a private address"},
    {"192.0.0.0/24", "an IETF protocol address"},
    {"192.0.2.0/24", "a documentation address"},
    {"192.88.99.0/24", "a 6to4 relay address"},
    {"192.168.0.0/16", "a private address"},
    {"198.18.0.0/15", "a benchmarking address"},
    {"198.51.100.0/24", "a documentation address"},
    {"203.0.113.0/24", "a documentation address"},
    {"224.0.0.0/4", "a multicast address"},
    {"240.0.0.0/4", "a reserved address"},
    {"::/128", "the unspecified address"},
    {"::1/128", "a loopback address"},
    {"::/96", "an IPv4-compatible address"},
    {"64:ff9b::/96", "a NAT64 address"},
    {"64:ff9b:1::/48", "a NAT64 address"},
    {"100::/64", "a discard address"},
    {"2001::/23", "an IETF protocol address"},
    {"2001:db8::/32", "a documentation address"},
    {"2002::/16", "a 6to4 address"},
    {"fc00::/7", "a private (unique local) address"},
    {"fe80::/10", "a link-local address"},
    {"fec0::/10", "a site-local address"},
    {"ff00::/8", "a multicast address"},
};

bool IsMappedV4(const Bytes& a) {
  for (int i = 0; i < 10; ++i) {
    if (a[i] != 0) return false;
  }
  return a[10] == 0xff && a[11] == 0xff;
}

std::string Format(const Bytes& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (IsMappedV4(a)) {
    inet_ntop(AF_INET, a.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
  }
  return buf;
}

const std::vector<std::pair<IpNetwork, const char*>>& SpecialNetworks() {
  static const std::vector<std::pair<IpNetwork, const char*>> kNets = [] {
    std::vector<std::pair<IpNetwork, const char*>> v;
    for (const Special& s : kSpecial) v.emplace_back(ParseIpNetwork(s.network).value(), s.what);
    return v;
  }();
  return kNets;
}

// "[::1]" -> "::1"
std::string StripBrackets(std::string host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::string UrlPart(CURLU* u, CURLUPart part) {
  char* v = nullptr;
  if (curl_url_get(u, part, &v, 0) != CURLUE_OK || v == nullptr) return "";
  std::string out(v);
  curl_free(v);
  return out;
}

// Keeps up to `limit` bytes of the answer (0: keeps none, reads it all).
struct Sink {
  std::string* body;
  size_t limit;
  bool overflow = false;
};
size_t Keep(char* data, size_t size, size_t n, void* userp) {
  auto* sink = static_cast<Sink*>(userp);
  const size_t bytes = size * n;
  if (sink->limit == 0) return bytes;
  if (sink->body->size() + bytes > sink->limit) {
    sink->overflow = true;
    return 0;  // curl stops with a write error
  }
  sink->body->append(data, bytes);
  return bytes;
}

// Last line of defence: whatever address curl is about to connect to must
// pass too (the pinned addresses already did; this catches anything else).
struct SocketCheck {
  const std::vector<IpNetwork>* allowed;
  std::string refused;
};

curl_socket_t OpenCheckedSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address) {
  auto* check = static_cast<SocketCheck*>(clientp);
  Bytes a{};
  if (purpose != CURLSOCKTYPE_IPCXN || !ToMappedAddress(&address->addr, a)) {
    check->refused = "not an IP connection";
    return CURL_SOCKET_BAD;
  }
  if (std::string why = RefusalReason(a, *check->allowed); !why.empty()) {
    check->refused = why;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype, address->protocol);
}

}  // namespace

bool IpNetwork::Contains(const Bytes& a) const {
  const int full = prefix / 8;
  for (int i = 0; i < full; ++i) {
    if (a[i] != address[i]) return false;
  }
  if (const int rest = prefix % 8; rest != 0) {
    const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
    if ((a[full] & mask) != (address[full] & mask)) return false;
  }
  return true;
}

Result<IpNetwork> ParseIpNetwork(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string addr(text.substr(0, slash));
  IpNetwork n;
  int max_prefix = 128;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, addr.c_str(), &v4) == 1) {
    n.address[10] = n.address[11] = 0xff;
    std::memcpy(n.address.data() + 12, &v4, 4);
    max_prefix = 32;
  } else if (inet_pton(AF_INET6, addr.c_str(), &v6) == 1) {
    std::memcpy(n.address.data(), &v6, 16);
  } else {
    return InvalidArgument(fmt::format("'{}' is not an IP address or network (e.g. 10.1.0.0/16)", text));
  }
  int prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || prefix < 0 || prefix > max_prefix) {
      return InvalidArgument(fmt::format("'{}' has an invalid prefix length (0-{})", text, max_prefix));
    }
  }
  n.prefix = max_prefix == 32 ? prefix + 96 : prefix;
  return n;
}

bool ToMappedAddress(const sockaddr* sa, Bytes& out) {
  out = {};
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &in->sin_addr, 4);
    return true;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    std::memcpy(out.data(), &in6->sin6_addr, 16);
    return true;
  }
  return false;
}

std::string RefusalReason(const Bytes& address, const std::vector<IpNetwork>& allowed) {
  for (const IpNetwork& n : allowed) {
    if (n.Contains(address)) return "";
  }
  for (const auto& [net, what] : SpecialNetworks()) {
    if (net.Contains(address)) {
      return fmt::format(
          "{} is {}; only public addresses are reached unless the server allows the network "
          "(serve --webhook-allow-network)",
          Format(address), what);
    }
  }
  return "";
}

OutboundHttp::OutboundHttp(std::vector<IpNetwork> allowed) : allowed_(std::move(allowed)) {}

Result<OutboundHttp::Target> OutboundHttp::Resolve(const std::string& url) const {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) return Unavailable("out of memory");
  if (url.size() > 2000 || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return InvalidArgument("is not a valid URL");
  }
  const std::string scheme = UrlPart(u.get(), CURLUPART_SCHEME);
  if (scheme != "http" && scheme != "https") return InvalidArgument("must be an http(s) URL");
  if (!UrlPart(u.get(), CURLUPART_USER).empty() || !UrlPart(u.get(), CURLUPART_PASSWORD).empty()) {
    return InvalidArgument(
        "must not hold credentials (they would be shown with the webhook); the "
        "receiver checks the X-Changeledger-Signature instead");
  }
  Target t;
  t.host = StripBrackets(UrlPart(u.get(), CURLUPART_HOST));
  if (t.host.empty()) return InvalidArgument("has no host");
  char* port = nullptr;
  if (curl_url_get(u.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK && port != nullptr) {
    t.port = std::strtol(port, nullptr, 10);
    curl_free(port);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(t.host.c_str(), nullptr, &hints, &found);
  if (rc != 0) return InvalidArgument(fmt::format("the host {} cannot be resolved: {}", t.host, gai_strerror(rc)));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    Bytes a{};
    if (!ToMappedAddress(ai->ai_addr, a)) continue;
    // Every address must pass: a name that also resolves inward is refused.
    if (std::string why = RefusalReason(a, allowed_); !why.empty()) return InvalidArgument(why);
    const std::string text = Format(a);
    if (std::find(t.addresses.begin(), t.addresses.end(), text) == t.addresses.end()) t.addresses.push_back(text);
  }
  if (t.addresses.empty()) return InvalidArgument(fmt::format("the host {} has no IP address", t.host));
  return t;
}

Status OutboundHttp::CheckUrl(const std::string& url) const { return Resolve(url).status(); }

OutboundHttp OutboundHttp::ForOperatorUrls() {
  return OutboundHttp({*ParseIpNetwork("::/0")});  // IPv4 is kept IPv4-mapped: inside ::/0
}

OutboundHttp::Outcome OutboundHttp::Send(const Request& req) const {
  const std::string& url = req.url;
  Result<Target> target = Resolve(url);
  if (!target.ok()) return {0, "refused: " + target.status().message(), {}};
  std::unique_ptr<CURL, CurlDeleter> c(curl_easy_init());
  if (!c) return {0, "curl init failed", {}};
  curl_slist* raw_headers = nullptr;
  for (const std::string& h : req.headers) raw_headers = curl_slist_append(raw_headers, h.c_str());
  std::unique_ptr<curl_slist, SlistDeleter> header_list(raw_headers);
  // Pin the name to the addresses just checked: curl does not resolve again.
  std::string addresses;
  for (const std::string& a : target->addresses) {
    if (!addresses.empty()) addresses += ",";
    addresses += a.find(':') != std::string::npos ? "[" + a + "]" : a;
  }
  const std::string host = target->host.find(':') != std::string::npos ? "[" + target->host + "]" : target->host;
  std::unique_ptr<curl_slist, SlistDeleter> resolve(
      curl_slist_append(nullptr, fmt::format("{}:{}:{}", host, target->port, addresses).c_str()));
  SocketCheck check{&allowed_, {}};
  CURL* h = c.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_RESOLVE, resolve.get());
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, OpenCheckedSocket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &check);
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // never a proxy from the environment
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  if (req.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(req.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req.timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, req.connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  Outcome out;
  Sink sink{&out.body, req.keep_body};
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Keep);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  const CURLcode rc = curl_easy_perform(h);
  if (!check.refused.empty()) {
    out.error = "refused: " + check.refused;
  } else if (sink.overflow) {
    out.error = fmt::format("the answer is longer than {} bytes", req.keep_body);
  } else if (rc != CURLE_OK) {
    out.error = curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
    if (out.status < 200 || out.status >= 300) out.error = fmt::format("HTTP {}", out.status);
  }
  return out;
}

}  // namespace cl
