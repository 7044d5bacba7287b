// HttpServer: the HTTP/1.1 listener (Boost.Beast, see docs/adr/0001). One
// io_context per I/O thread, each with its own SO_REUSEPORT acceptor, so a
// connection lives on one thread without locks. Enforces header and body
// limits and timeouts, answers 100-continue, and drains in-flight requests
// on Stop(). Start/Stop/Wait may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "http/message.h"

namespace cl::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0: pick a free port
  int io_threads = 0;    // 0: one per core
  size_t header_limit = 16 * 1024;
  std::chrono::seconds header_timeout{15};     // first byte to end of headers
  std::chrono::seconds body_timeout{60};       // reading the body
  std::chrono::seconds idle_timeout{75};       // keep-alive connection with no request
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds drain_timeout{30};      // graceful shutdown limit
  size_t max_connections = 10000;
  bool trust_proxy = false;  // honour X-Forwarded-For / X-Forwarded-Proto
};

// What the server calls. Handle() runs on an I/O thread and must call
// `respond` exactly once, from any thread.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Largest body accepted for this request line, decided before the body is read.
  virtual size_t BodyLimit(std::string_view method, std::string_view path) = 0;
  virtual void Handle(Request& request, std::function<void(Response)> respond) = 0;
  // A request the server itself rejects (bad framing, too large, timeout).
  virtual Response Reject(int status, std::string_view detail, const Request& partial) = 0;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, HttpHandler& handler);
  ~HttpServer();

  // Binds and starts the I/O threads; returns once listening.
  Status Start();
  uint16_t port() const { return bound_port_; }
  // Stops accepting, closes idle connections, lets in-flight requests finish
  // (up to drain_timeout), then stops the threads. Idempotent.
  void Stop();
  // Blocks until the server has stopped.
  void Wait();
  // Connections open right now.
  size_t open_connections() const { return open_connections_.load(); }

  struct Worker;

 private:
  ServerOptions options_;
  HttpHandler& handler_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  uint16_t bound_port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_connections_{0};
};

}  // namespace cl::http
