// The parts of HttpServer (server.h) its connections share, private to
// server.cpp (acceptor, limits, start and stop) and server_session.cpp (one
// connection: TLS handshake, reading, handing over, writing, timeouts).
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "http/server.h"

namespace cl::http {
namespace net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Where a connection is. Only the reading phases may be closed to make room.
enum class Phase { kHandshake, kIdle, kBody, kBusy };

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection if it is waiting for a new request (drain).
  virtual void CloseIfIdle() = 0;
  // Closes it now (it is reading: nothing half-done is lost).
  virtual void Evict() = 0;
  Phase phase() const { return phase_; }
  Clock::time_point since() const { return since_; }
  const std::string& ip() const { return peer_ip_; }

 protected:
  Phase phase_ = Phase::kIdle;
  Clock::time_point since_ = Clock::now();
  std::string peer_ip_;
};

}  // namespace net

// State every worker shares: connections per client address, the TLS context.
struct HttpServer::Shared {
  std::mutex mu;
  std::unordered_map<std::string, size_t> per_client;  // guarded by mu
  std::shared_ptr<net::ssl::context> tls;              // guarded by mu

  // Counts a new connection from `ip`; false (and not counted) if it already
  // has `limit` (0: no limit).
  bool TryAdd(const std::string& ip, size_t limit) {
    std::lock_guard lock(mu);
    size_t& n = per_client[ip];
    if (limit != 0 && n >= limit) {
      if (n == 0) per_client.erase(ip);
      return false;
    }
    ++n;
    return true;
  }
  void Add(const std::string& ip) {
    std::lock_guard lock(mu);
    ++per_client[ip];
  }
  void Remove(const std::string& ip) {
    std::lock_guard lock(mu);
    auto it = per_client.find(ip);
    if (it != per_client.end() && --it->second == 0) per_client.erase(it);
  }
  std::shared_ptr<net::ssl::context> Tls() {
    std::lock_guard lock(mu);
    return tls;
  }
};

struct HttpServer::Worker {
  // Before ioc: connections destroyed with the io_context erase themselves here.
  std::unordered_set<net::SessionBase*> sessions;  // touched only on this worker's thread
  bool draining = false;
  net::asio::io_context ioc{1};
  std::optional<net::tcp::acceptor> acceptor;
  std::optional<net::asio::steady_timer> retry;  // accepting again after running out of descriptors
  std::optional<net::asio::executor_work_guard<net::asio::io_context::executor_type>> guard;
};

// What sessions and the acceptor need from the server.
struct HttpServer::Env {
  const ServerOptions& options;
  HttpHandler& handler;
  HttpServer::Shared& shared;
  std::atomic<size_t>& open;
  std::atomic<uint64_t>& evicted;
  std::atomic<uint64_t>& refused;
  size_t max_total;
  size_t max_per_client;
};

namespace net {

// Starts serving an admitted connection (counted in env.open already); with
// `tls`, after a TLS handshake.
void StartSession(tcp::socket socket, HttpServer::Worker& worker, const HttpServer::Env& env, std::string ip,
                  std::shared_ptr<ssl::context> tls);

}  // namespace net
}  // namespace cl::http
