// HttpServer: the HTTP/1.1 listener (Boost.Beast, see docs/adr/0001), plain
// or TLS (OpenSSL, TLS 1.2+, certificate reloadable). One io_context per I/O
// thread, each with its own SO_REUSEPORT acceptor, so a connection lives on
// one thread without locks. Enforces header and body limits and timeouts
// (408 to a client that is too slow), answers 100-continue, caps
// connections in total (sized from RLIMIT_NOFILE) and per client address,
// closing the oldest idle or slow connections first when a cap is reached,
// and drains in-flight requests on Stop(). Start/Stop/Wait/ReloadTls may be
// called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
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
  std::chrono::seconds header_timeout{15};  // first byte to end of headers
  std::chrono::seconds body_timeout{60};    // reading the body
  std::chrono::seconds idle_timeout{75};    // keep-alive connection with no request
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds drain_timeout{30};  // graceful shutdown limit
  // Open connections at most; 0: as many as the open-file limit leaves room
  // for (after raising the soft limit to the hard one), at most 10,000.
  size_t max_connections = 0;
  // Open connections from one client address at most; 0: a quarter of
  // max_connections, at least 16. Not applied with trust_proxy (every
  // connection then comes from the proxy).
  size_t max_connections_per_client = 0;
  bool trust_proxy = false;  // honour X-Forwarded-For / X-Forwarded-Proto
  // TLS: PEM certificate chain and private key; both empty: plain HTTP.
  std::string tls_cert_file{};
  std::string tls_key_file{};
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

  // Loads the TLS files (if any), sizes the connection caps, binds and starts
  // the I/O threads; returns once listening.
  Status Start();
  uint16_t port() const { return bound_port_; }
  bool tls() const { return !options_.tls_cert_file.empty(); }
  // Reads the certificate and key again (SIGHUP); new connections use them,
  // open ones keep theirs. On error the old ones stay in use.
  Status ReloadTls();
  // Stops accepting, closes idle connections, lets in-flight requests finish
  // (up to drain_timeout), then stops the threads. Idempotent.
  void Stop();
  // Blocks until the server has stopped.
  void Wait();
  // Connections open right now, and the caps in force (after Start).
  size_t open_connections() const { return open_connections_.load(); }
  size_t max_connections() const { return max_connections_; }
  size_t max_connections_per_client() const { return max_per_client_; }
  // Connections closed early to make room (idle or slow, at a cap), and
  // connections refused because nothing could be closed.
  uint64_t evicted_connections() const { return evicted_.load(); }
  uint64_t refused_connections() const { return refused_.load(); }

  struct Worker;
  struct Shared;
  struct Env;

 private:
  // Declared before workers_: connections still queued in a worker's
  // io_context when it is destroyed touch these on their way out.
  ServerOptions options_;
  HttpHandler& handler_;
  std::unique_ptr<Shared> shared_;
  std::unique_ptr<Env> env_;
  uint16_t bound_port_ = 0;
  size_t max_connections_ = 0;
  size_t max_per_client_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_connections_{0};
  std::atomic<uint64_t> evicted_{0};
  std::atomic<uint64_t> refused_{0};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (where allowed) and
// returns the soft limit then in force.
size_t RaiseOpenFileLimit();

}  // namespace cl::http
