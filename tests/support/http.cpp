#include "tests/support/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace cl::testing {

nlohmann::json Reply::json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string Reply::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

Reply Http::Send(const std::string& method, const std::string& path, const std::string& body,
                 std::map<std::string, std::string> headers) {
  // The client adds a JSON content type for non-empty bodies unless told otherwise.
  auto r = client_.Send(method, path, body, headers);
  Reply out;
  if (!r.ok()) {
    out.status = -1;
    out.body = r.status().message();
    return out;
  }
  out.status = r->status;
  out.body = std::move(r->body);
  out.headers = std::move(r->headers);
  return out;
}

Reply Http::Get(const std::string& path, const std::string& token) {
  std::map<std::string, std::string> h;
  if (!token.empty()) h["Authorization"] = "Bearer " + token;
  return Send("GET", path, "", h);
}

Reply Http::Json(const std::string& method, const std::string& path, const nlohmann::json& body,
                 const std::string& token, std::map<std::string, std::string> headers) {
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  return Send(method, path, body.is_null() ? "" : body.dump(), headers);
}

Reply Http::Edit(const std::string& path, const nlohmann::json& body, const std::string& token) {
  const Reply read = Get(path, token);
  if (read.status != 200) return read;
  return Json("PATCH", path, body, token, {{"If-Match", read.Header("etag")}});
}

std::string RawExchange(uint16_t port, const std::string& bytes, int timeout_ms) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (e.g. 413 before the body)
    sent += static_cast<size_t>(n);
  }
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace cl::testing
