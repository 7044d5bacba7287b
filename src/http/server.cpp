#include "http/server.h"

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <array>
#include <limits>
#include <optional>
#include <random>
#include <unordered_map>
#include <unordered_set>

namespace cl::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string_view ToStd(beast::string_view s) { return {s.data(), s.size()}; }

// Request ids: not secret, only unique enough to correlate logs and events.
std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

bool AcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Where a connection is. Only the reading phases may be closed to make room.
enum class Phase { kHandshake, kIdle, kBody, kBusy };

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

}  // namespace

// State every worker shares: connections per client address, the TLS context.
struct HttpServer::Shared {
  std::mutex mu;
  std::unordered_map<std::string, size_t> per_client;  // guarded by mu
  std::shared_ptr<ssl::context> tls;                   // guarded by mu

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
  std::shared_ptr<ssl::context> Tls() {
    std::lock_guard lock(mu);
    return tls;
  }
};

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

struct HttpServer::Worker {
  // Before ioc: connections destroyed with the io_context erase themselves here.
  std::unordered_set<SessionBase*> sessions;  // touched only on this worker's thread
  bool draining = false;
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> retry;  // accepting again after running out of descriptors
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
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

namespace {

using Env = HttpServer::Env;

template <class Stream>
class Session final : public SessionBase,
                      public HeaderSource,
                      public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(tcp::socket socket, HttpServer::Worker& worker, const Env& env, std::string ip,
          std::shared_ptr<ssl::context> tls)
      : tls_(std::move(tls)), stream_(MakeStream(std::move(socket), tls_.get())), deadline_(worker.ioc),
        worker_(worker), env_(env) {
    peer_ip_ = std::move(ip);
  }

  ~Session() override {
    worker_.sessions.erase(this);
    if (env_.max_per_client != 0) env_.shared.Remove(peer_ip_);
    --env_.open;
  }

  void Start() {
    worker_.sessions.insert(this);
    if constexpr (kTls) {
      Enter(Phase::kHandshake, env_.options.header_timeout);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (self->closed_) return;
        if (ec) return self->Close();
        self->ReadHeader();
      });
    } else {
      ReadHeader();
    }
  }

  void CloseIfIdle() override {
    if (phase_ == Phase::kIdle && !GotSome()) Close();
  }

  void Evict() override { Close(); }

  std::string_view Get(std::string_view name) const override {
    if (!parser_) return {};
    const auto& fields = parser_->get();
    auto it = fields.find(beast::string_view(name.data(), name.size()));
    return it == fields.end() ? std::string_view() : ToStd(it->value());
  }

 private:
  static Stream MakeStream(tcp::socket socket, ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls);
    } else {
      (void)tls;
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  bool GotSome() const { return buffer_.size() > 0 || (parser_ && parser_->got_some()); }

  // A reading phase with its time limit. The limit is our own timer, not
  // the stream's (which would close the socket before a 408 could be sent).
  void Enter(Phase phase, std::chrono::seconds limit) {
    phase_ = phase;
    since_ = Clock::now();
    ++deadline_generation_;
    deadline_.expires_after(limit);
    deadline_.async_wait([weak = this->weak_from_this(), generation = deadline_generation_](beast::error_code ec) {
      if (ec) return;
      auto self = weak.lock();
      if (self && generation == self->deadline_generation_) self->OnDeadline();
    });
  }

  void Busy() {
    phase_ = Phase::kBusy;
    ++deadline_generation_;
    deadline_.cancel();
  }

  void OnDeadline() {
    if (closed_ || timed_out_) return;
    switch (phase_) {
      case Phase::kHandshake: return Close();
      case Phase::kIdle:
        if (!GotSome()) return Close();  // an idle keep-alive connection: nothing to answer
        return TimedOut("the request headers took too long");
      case Phase::kBody: return TimedOut("the request body took too long");
      case Phase::kBusy: return;
    }
  }

  // Answers 408 while the read is still pending (a socket may read and write
  // at once), then closes; the read's handler sees timed_out_ and stops.
  void TimedOut(const char* detail) {
    timed_out_ = true;
    Request partial;
    partial.request_id = NewRequestId();
    partial.client_ip = peer_ip_;
    partial.received_at = since_;
    request_ = std::move(partial);
    keep_alive_ = false;
    head_ = false;
    Response r = env_.handler.Reject(408, detail, request_);
    r.close_connection = true;
    Write(std::move(r));
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(env_.options.header_limit));
    // The route's own limit is applied once the request line is known
    // (OnHeader); Beast's default (1 MB) must not refuse first.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    Tcp().expires_never();
    Enter(Phase::kIdle, served_ == 0 ? env_.options.header_timeout : env_.options.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(beast::error_code ec) {
    if (closed_ || timed_out_) return;
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof || ec == ssl::error::stream_truncated) {
      return Close();
    }
    if (ec == bhttp::error::header_limit) {
      return Reject(431, fmt::format("request headers exceed {} bytes", env_.options.header_limit));
    }
    if (ec == bhttp::error::body_limit) {
      // Content-Length beyond the server-wide ceiling, seen while parsing headers.
      return Reject(413, "the request body is larger than allowed here");
    }
    if (ec) return Reject(400, fmt::format("malformed HTTP request: {}", ec.message()));
    auto& msg = parser_->get();
    const std::string_view target = ToStd(msg.target());
    const std::string_view path = target.substr(0, target.find('?'));
    const size_t limit = env_.handler.BodyLimit(ToStd(msg.method_string()), path);
    if (parser_->content_length() && *parser_->content_length() > limit) {
      return Reject(413, fmt::format("the request body is larger than the {} bytes allowed here", limit));
    }
    parser_->body_limit(limit);
    Enter(Phase::kBody, env_.options.body_timeout);
    if (IEquals(Trim(Get("Expect")), "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, msg.version());
      Tcp().expires_after(env_.options.write_timeout);
      bhttp::async_write(stream_, *cont, [self = this->shared_from_this(), cont](beast::error_code wec, std::size_t) {
        if (self->closed_ || self->timed_out_) return;
        if (wec) return self->Close();
        self->Tcp().expires_never();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->OnBody(ec);
    });
  }

  void OnBody(beast::error_code ec) {
    if (closed_ || timed_out_) return;
    if (ec == bhttp::error::body_limit) return Reject(413, "the request body is larger than allowed here");
    if (ec == asio::error::operation_aborted || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == bhttp::error::partial_message || ec == ssl::error::stream_truncated) {
      return Close();
    }
    if (ec) return Reject(400, fmt::format("malformed HTTP request: {}", ec.message()));
    Dispatch();
  }

  void FillRequest() {
    auto& msg = parser_->get();
    request_ = Request{};
    request_.method = ToStd(msg.method_string());
    request_.target = ToStd(msg.target());
    const size_t q = request_.target.find('?');
    request_.path = request_.target.substr(0, q);
    request_.query = q == std::string_view::npos ? std::string_view() : request_.target.substr(q + 1);
    request_.headers = this;
    request_.received_at = Clock::now();
    request_.client_ip = peer_ip_;
    request_.secure = kTls;
    if (env_.options.trust_proxy) {
      // The proxy appends the address it saw; the right-most entry is the one we can trust.
      std::string_view xff = Get("X-Forwarded-For");
      if (!xff.empty()) {
        const size_t comma = xff.rfind(',');
        const std::string_view last = Trim(comma == std::string_view::npos ? xff : xff.substr(comma + 1));
        if (!last.empty() && last.size() <= 64) request_.client_ip = std::string(last);
      }
      request_.secure = kTls || IEquals(Trim(Get("X-Forwarded-Proto")), "https");
    }
    const std::string_view rid = Get("X-Request-Id");
    request_.request_id = AcceptableRequestId(rid) ? std::string(rid) : NewRequestId();
  }

  void Dispatch() {
    Busy();
    FillRequest();
    request_.body = std::move(parser_->get().body());
    keep_alive_ = parser_->get().keep_alive();
    head_ = parser_->get().method() == bhttp::verb::head;
    version_ = parser_->get().version();
    // While the handler runs (possibly on the worker pool) this connection has
    // no I/O pending; the work guard keeps the io_context running so the reply
    // can still be written during a graceful drain.
    auto work = asio::make_work_guard(stream_.get_executor());
    env_.handler.Handle(request_, [self = this->shared_from_this(), work = std::move(work)](Response r) mutable {
      auto* session = self.get();
      asio::post(session->stream_.get_executor(),
                 [self = std::move(self), r = std::move(r), work = std::move(work)]() mutable {
                   self->Write(std::move(r));
                   work.reset();
                 });
    });
  }

  void Reject(int status, std::string detail) {
    if (parser_) FillRequest();
    keep_alive_ = false;
    head_ = false;
    version_ = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    Response r = env_.handler.Reject(status, detail, request_);
    r.close_connection = true;
    Write(std::move(r));
  }

  void Write(Response r) {
    if (closed_) return;
    Busy();
    res_ = {};
    res_.version(version_);
    res_.result(static_cast<unsigned>(r.status));
    if (!r.content_type.empty()) res_.set(bhttp::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res_.insert(name, value);
    res_.set("X-Request-Id", request_.request_id);
    // Over our own TLS, browsers are told to use nothing else for a year.
    if constexpr (kTls) res_.set(bhttp::field::strict_transport_security, "max-age=31536000");
    const bool keep = keep_alive_ && !r.close_connection && !worker_.draining;
    res_.keep_alive(keep);
    if (head_) {
      res_.content_length(r.body.size());
    } else {
      res_.body() = std::move(r.body);
      res_.prepare_payload();
    }
    ++served_;
    Tcp().expires_after(env_.options.write_timeout);
    bhttp::async_write(stream_, res_, [self = this->shared_from_this(), keep](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec || self->timed_out_) return self->Close();
      if (!keep) return self->Linger();
      // Stop() closed the idle connections while this answer was being
      // written; this one is idle now, and nothing would close it.
      if (self->worker_.draining) return self->Close();
      self->ReadHeader();
    });
  }

  // A response that ends the connection may answer a request whose body was
  // never read (413 from Content-Length alone): closing at once would reset
  // the connection while the client is still sending, and it might never see
  // the answer. Half-close instead and discard what still arrives, for a
  // moment and up to a limit (a lingering close, RFC 9112 section 9.6).
  void Linger() {
    if constexpr (kTls) {
      Close();
    } else {
      beast::error_code ec;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return Close();
      Tcp().expires_after(std::chrono::seconds(2));
      Discard(0);
    }
  }
  void Discard(size_t so_far) {
    constexpr size_t kMaxDiscard = 64u << 20;
    Tcp().async_read_some(asio::buffer(discard_), [self = this->shared_from_this(), so_far](beast::error_code ec,
                                                                                            std::size_t n) {
      if (self->closed_) return;
      if (ec || so_far + n > kMaxDiscard) return self->Close();
      self->Discard(so_far + n);
    });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    ++deadline_generation_;
    deadline_.cancel();
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().socket().close(ec);
  }

  std::shared_ptr<ssl::context> tls_;  // before stream_: outlives it
  Stream stream_;
  asio::steady_timer deadline_;
  uint64_t deadline_generation_ = 0;
  HttpServer::Worker& worker_;
  const Env& env_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  Request request_;
  bool keep_alive_ = false;
  bool head_ = false;
  bool closed_ = false;
  bool timed_out_ = false;
  std::array<char, 16384> discard_{};  // what a lingering close reads and drops
  unsigned version_ = 11;
  uint64_t served_ = 0;
};

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
  if (std::shared_ptr<ssl::context> tls = env.shared.Tls()) {
    std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(s), w, env, std::move(ip), std::move(tls))
        ->Start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(std::move(s), w, env, std::move(ip), nullptr)->Start();
  }
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
  env_ = std::make_unique<Env>(Env{options_, handler_, *shared_, open_connections_, evicted_, refused_,
                                  max_connections_, max_per_client_});
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
