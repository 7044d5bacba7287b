#include "http/server.h"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <sys/resource.h>

#include <limits>

#include "http/server_parts.h"

namespace cl::http {
using namespace net;
namespace {

// Mozilla's "intermediate" TLS 1.2 suites (forward secret, AEAD); TLS 1.3
// uses OpenSSL's defaults.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

Result<std::shared_ptr<ssl::context>> LoadTls(const std::string& cert, const std::string& key) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(ctx->native_handle(), kTls12Ciphers);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert, ec);
  if (ec) return InvalidArgument(fmt::format("TLS certificate {}: {}", cert, ec.message()));
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) return InvalidArgument(fmt::format("TLS key {}: {}", key, ec.message()));
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return InvalidArgument(fmt::format("TLS key {} does not match the certificate {}", key, cert));
  }
  return ctx;
}

using Env = HttpServer::Env;

// Closes this worker's oldest connection that is only reading (idle
// keep-alive and slow headers before slow bodies), from `ip` if given.
bool EvictOldest(HttpServer::Worker& w, const std::string* ip, const Env& env) {
  SessionBase* victim = nullptr;
  auto rank = [](const SessionBase* s) { return s->phase() == Phase::kBody ? 1 : 0; };
  for (SessionBase* s : w.sessions) {
    if (s->phase() == Phase::kBusy || (ip != nullptr && s->ip() != *ip)) continue;
    if (victim == nullptr || rank(s) < rank(victim) || (rank(s) == rank(victim) && s->since() < victim->since())) {
      victim = s;
    }
  }
  if (victim == nullptr) return false;
  victim->Evict();
  ++env.evicted;
  return true;
}

void Admit(HttpServer::Worker& w, const Env& env, tcp::socket s) {
  beast::error_code ec;
  const auto remote = s.remote_endpoint(ec);
  std::string ip = ec ? std::string("unknown") : remote.address().to_string();
  // Room is made by closing connections that are only waiting; requests
  // being handled are never cut. If nothing can be closed, refuse.
  if (env.max_per_client != 0 && !env.shared.TryAdd(ip, env.max_per_client)) {
    if (!EvictOldest(w, &ip, env)) {
      ++env.refused;
      s.close(ec);
      return;
    }
    env.shared.Add(ip);
  }
  if (env.open.load() >= env.max_total && !EvictOldest(w, nullptr, env)) {
    ++env.refused;
    if (env.max_per_client != 0) env.shared.Remove(ip);
    s.close(ec);
    return;
  }
  s.set_option(tcp::no_delay(true), ec);
  ++env.open;
  StartSession(std::move(s), w, env, std::move(ip), env.shared.Tls());
}

void Accept(HttpServer::Worker& w, const Env& env) {
  w.acceptor->async_accept([&w, &env](beast::error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !w.acceptor->is_open()) return;
    if (ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system) {
      // Out of file descriptors: close a waiting connection to make room, or
      // wait a moment; accepting again at once would spin on the same error.
      if (EvictOldest(w, nullptr, env)) return Accept(w, env);
      w.retry->expires_after(std::chrono::milliseconds(50));
      w.retry->async_wait([&w, &env](beast::error_code wec) {
        if (!wec) Accept(w, env);
      });
      return;
    }
    if (!ec) Admit(w, env, std::move(s));
    Accept(w, env);
  });
}

}  // namespace

size_t RaiseOpenFileLimit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = std::min<rlim_t>(rl.rlim_max, 1 << 20);
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  return rl.rlim_cur == RLIM_INFINITY ? (1 << 20) : static_cast<size_t>(rl.rlim_cur);
}

HttpServer::HttpServer(ServerOptions options, HttpHandler& handler)
    : options_(std::move(options)), handler_(handler), shared_(std::make_unique<Shared>()) {}

HttpServer::~HttpServer() {
  Stop();
  Wait();
}

Status HttpServer::ReloadTls() {
  if (!tls()) return Status::Ok();
  CL_ASSIGN_OR_RETURN(std::shared_ptr<ssl::context> ctx, LoadTls(options_.tls_cert_file, options_.tls_key_file));
  std::lock_guard lock(shared_->mu);
  shared_->tls = std::move(ctx);
  return Status::Ok();
}

Status HttpServer::Start() {
  if (options_.tls_cert_file.empty() != options_.tls_key_file.empty()) {
    return InvalidArgument("TLS needs both a certificate and a key");
  }
  CL_RETURN_IF_ERROR(ReloadTls());
  // Every connection is a descriptor; the database, the log and outgoing
  // requests need some too. Beyond the cap, waiting connections make room.
  const size_t files = RaiseOpenFileLimit();
  const size_t reserve = std::min<size_t>(256, files / 2);
  const size_t room = std::max<size_t>(1, files - reserve);
  max_connections_ = std::min(options_.max_connections != 0 ? options_.max_connections : size_t{10000}, room);
  max_per_client_ = options_.trust_proxy ? 0
                    : options_.max_connections_per_client != 0
                        ? std::min(options_.max_connections_per_client, max_connections_)
                        : std::max<size_t>(16, max_connections_ / 4);

  const int n = options_.io_threads > 0 ? options_.io_threads : std::max(1u, std::thread::hardware_concurrency());
  beast::error_code ec;
  const auto address = asio::ip::make_address(options_.address, ec);
  if (ec) return InvalidArgument(fmt::format("'{}' is not an IP address", options_.address));
  uint16_t port = options_.port;
  for (int i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    tcp::endpoint ep{address, port};
    w->acceptor.emplace(w->ioc);
    w->retry.emplace(w->ioc);
    w->acceptor->open(ep.protocol(), ec);
    if (!ec) w->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(w->acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        ec = beast::error_code(errno, boost::system::system_category());
      }
    }
    if (!ec) w->acceptor->bind(ep, ec);
    if (!ec) w->acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable(fmt::format("cannot listen on {}:{}: {}", options_.address, port, ec.message()));
    }
    port = w->acceptor->local_endpoint().port();  // later workers share the first one's port
    w->guard.emplace(w->ioc.get_executor());
    workers_.push_back(std::move(w));
  }
  bound_port_ = port;
  env_ = std::make_unique<Env>(
      Env{options_, handler_, *shared_, open_connections_, evicted_, refused_, max_connections_, max_per_client_});
  for (auto& w : workers_) {
    Accept(*w, *env_);
    threads_.emplace_back([&ioc = w->ioc] {
      for (;;) {
        try {
          ioc.run();
          return;
        } catch (const std::exception&) {
          // A handler threw; keep serving the other connections.
        }
      }
    });
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  if (stopping_.exchange(true)) return;
  stopping_.notify_all();
  for (auto& w : workers_) {
    asio::post(w->ioc, [&w = *w] {
      w.draining = true;
      beast::error_code ec;
      if (w.acceptor) w.acceptor->close(ec);
      if (w.retry) w.retry->cancel();
      // Copy: closing may destroy sessions, which erase themselves.
      std::vector<SessionBase*> idle(w.sessions.begin(), w.sessions.end());
      for (SessionBase* s : idle) {
        if (w.sessions.count(s)) s->CloseIfIdle();
      }
      w.guard.reset();
    });
  }
}

void HttpServer::Wait() {
  if (threads_.empty()) return;
  stopping_.wait(false);  // until Stop()
  const auto deadline = Clock::now() + options_.drain_timeout;
  while (open_connections_.load() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& w : workers_) w->ioc.stop();  // anything still open past the deadline is cut
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace cl::http
