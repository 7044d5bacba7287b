// One connection of HttpServer: TLS handshake, reading a request within
// the limits, handing it to the handler, writing the answer, keep-alive,
// timeouts and a lingering close.
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <array>
#include <limits>
#include <random>

#include "http/server_parts.h"

namespace cl::http::net {
namespace {

namespace bhttp = beast::http;

using Env = HttpServer::Env;

std::string_view ToStd(beast::string_view s) { return {s.data(), s.size()}; }

// Request ids: not secret, only unique enough to correlate logs and events.
std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

bool AcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
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

template <class Stream>
class Session final : public SessionBase, public HeaderSource, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(tcp::socket socket, HttpServer::Worker& worker, const Env& env, std::string ip,
          std::shared_ptr<ssl::context> tls)
      : tls_(std::move(tls)),
        stream_(MakeStream(std::move(socket), tls_.get())),
        deadline_(worker.ioc),
        worker_(worker),
        env_(env) {
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
      case Phase::kHandshake:
        return Close();
      case Phase::kIdle:
        if (!GotSome()) return Close();  // an idle keep-alive connection: nothing to answer
        return TimedOut("the request headers took too long");
      case Phase::kBody:
        return TimedOut("the request body took too long");
      case Phase::kBusy:
        return;
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
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
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
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnBody(ec); });
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
    Tcp().async_read_some(asio::buffer(discard_),
                          [self = this->shared_from_this(), so_far](beast::error_code ec, std::size_t n) {
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

}  // namespace

void StartSession(tcp::socket socket, HttpServer::Worker& worker, const Env& env, std::string ip,
                  std::shared_ptr<ssl::context> tls) {
  if (tls) {
    std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), worker, env, std::move(ip),
                                                                    std::move(tls))
        ->Start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(std::move(socket), worker, env, std::move(ip), nullptr)->Start();
  }
}

}  // namespace cl::http::net
