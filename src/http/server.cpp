#include "http/server.h"

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>

#include <limits>
#include <sys/socket.h>

#include <optional>
#include <random>
#include <unordered_set>

namespace cl::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

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

}  // namespace

struct HttpServer::Worker {
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::unordered_set<class Session*> sessions;  // touched only on this worker's thread
  bool draining = false;
};

class Session : public std::enable_shared_from_this<Session>, public HeaderSource {
 public:
  Session(tcp::socket socket, HttpServer::Worker& worker, const ServerOptions& options,
          HttpHandler& handler, std::atomic<size_t>& open)
      : stream_(std::move(socket)), worker_(worker), options_(options), handler_(handler),
        open_(open) {
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    peer_ip_ = ec ? std::string("unknown") : remote.address().to_string();
  }

  ~Session() override {
    worker_.sessions.erase(this);
    --open_;
  }

  void Start() {
    worker_.sessions.insert(this);
    ReadHeader();
  }

  // Closes the connection if it is waiting for a new request (drain).
  void CloseIfIdle() {
    if (idle_ && buffer_.size() == 0) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.socket().close(ec);
    }
  }

  std::string_view Get(std::string_view name) const override {
    if (!parser_) return {};
    const auto& fields = parser_->get();
    auto it = fields.find(beast::string_view(name.data(), name.size()));
    return it == fields.end() ? std::string_view() : ToStd(it->value());
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
    // The route's own limit is applied once the request line is known
    // (OnHeader); Beast's default (1 MB) must not refuse first.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    idle_ = true;
    stream_.expires_after(served_ == 0 ? options_.header_timeout : options_.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(beast::error_code ec) {
    idle_ = false;
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof ||
        (ec == beast::error::timeout && buffer_.size() == 0 && !parser_->got_some())) {
      return Close();
    }
    if (ec == beast::error::timeout) return Reject(408, "the request headers took too long");
    if (ec == bhttp::error::header_limit) {
      return Reject(431, fmt::format("request headers exceed {} bytes", options_.header_limit));
    }
    if (ec == bhttp::error::body_limit) {
      // Content-Length beyond the server-wide ceiling, seen while parsing headers.
      return Reject(413, "the request body is larger than allowed here");
    }
    if (ec) return Reject(400, fmt::format("malformed HTTP request: {}", ec.message()));
    auto& msg = parser_->get();
    const std::string_view target = ToStd(msg.target());
    const std::string_view path = target.substr(0, target.find('?'));
    const size_t limit = handler_.BodyLimit(ToStd(msg.method_string()), path);
    if (parser_->content_length() && *parser_->content_length() > limit) {
      return Reject(413, fmt::format("the request body is larger than the {} bytes allowed here",
                                     limit));
    }
    parser_->body_limit(limit);
    if (IEquals(Trim(Get("Expect")), "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       msg.version());
      stream_.expires_after(options_.write_timeout);
      bhttp::async_write(stream_, *cont,
                         [self = shared_from_this(), cont](beast::error_code wec, std::size_t) {
                           if (wec) return self->Close();
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(options_.body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->OnBody(ec);
                      });
  }

  void OnBody(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return Reject(413, "the request body is larger than allowed here");
    }
    if (ec == beast::error::timeout) return Reject(408, "the request body took too long");
    if (ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == bhttp::error::partial_message) {
      return Close();
    }
    if (ec) return Reject(400, fmt::format("malformed HTTP request: {}", ec.message()));
    stream_.expires_never();
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
    request_.received_at = std::chrono::steady_clock::now();
    request_.client_ip = peer_ip_;
    if (options_.trust_proxy) {
      // The proxy appends the address it saw; the right-most entry is the one we can trust.
      std::string_view xff = Get("X-Forwarded-For");
      if (!xff.empty()) {
        const size_t comma = xff.rfind(',');
        const std::string_view last = Trim(comma == std::string_view::npos ? xff : xff.substr(comma + 1));
        if (!last.empty() && last.size() <= 64) request_.client_ip = std::string(last);
      }
      request_.secure = IEquals(Trim(Get("X-Forwarded-Proto")), "https");
    }
    const std::string_view rid = Get("X-Request-Id");
    request_.request_id = AcceptableRequestId(rid) ? std::string(rid) : NewRequestId();
  }

  void Dispatch() {
    FillRequest();
    request_.body = std::move(parser_->get().body());
    keep_alive_ = parser_->get().keep_alive();
    head_ = parser_->get().method() == bhttp::verb::head;
    version_ = parser_->get().version();
    // While the handler runs (possibly on the worker pool) this connection has
    // no I/O pending; the work guard keeps the io_context running so the reply
    // can still be written during a graceful drain.
    auto work = asio::make_work_guard(stream_.get_executor());
    handler_.Handle(request_, [self = shared_from_this(), work = std::move(work)](Response r) mutable {
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
    Response r = handler_.Reject(status, detail, request_);
    r.close_connection = true;
    Write(std::move(r));
  }

  void Write(Response r) {
    res_ = {};
    res_.version(version_);
    res_.result(static_cast<unsigned>(r.status));
    if (!r.content_type.empty()) res_.set(bhttp::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res_.insert(name, value);
    res_.set("X-Request-Id", request_.request_id);
    const bool keep = keep_alive_ && !r.close_connection && !worker_.draining;
    res_.keep_alive(keep);
    if (head_) {
      res_.content_length(r.body.size());
    } else {
      res_.body() = std::move(r.body);
      res_.prepare_payload();
    }
    ++served_;
    stream_.expires_after(options_.write_timeout);
    bhttp::async_write(stream_, res_, [self = shared_from_this(), keep](beast::error_code ec, std::size_t) {
      if (ec || !keep) return self->Close();
      self->ReadHeader();
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  HttpServer::Worker& worker_;
  const ServerOptions& options_;
  HttpHandler& handler_;
  std::atomic<size_t>& open_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  Request request_;
  std::string peer_ip_;
  bool idle_ = false;
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
  uint64_t served_ = 0;
};

namespace {

void Accept(HttpServer::Worker& w, const ServerOptions& options, HttpHandler& handler,
            std::atomic<size_t>& open) {
  w.acceptor->async_accept([&w, &options, &handler, &open](beast::error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !w.acceptor->is_open()) return;
    if (!ec) {
      if (open.load() >= options.max_connections) {
        s.close(ec);  // over capacity: refuse rather than degrade everyone
      } else {
        s.set_option(tcp::no_delay(true), ec);
        ++open;
        std::make_shared<Session>(std::move(s), w, options, handler, open)->Start();
      }
    }
    Accept(w, options, handler, open);
  });
}

}  // namespace

HttpServer::HttpServer(ServerOptions options, HttpHandler& handler)
    : options_(std::move(options)), handler_(handler) {}

HttpServer::~HttpServer() {
  Stop();
  Wait();
}

Status HttpServer::Start() {
  const int n = options_.io_threads > 0 ? options_.io_threads
                                        : std::max(1u, std::thread::hardware_concurrency());
  beast::error_code ec;
  const auto address = asio::ip::make_address(options_.address, ec);
  if (ec) return InvalidArgument(fmt::format("'{}' is not an IP address", options_.address));
  uint16_t port = options_.port;
  for (int i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    tcp::endpoint ep{address, port};
    w->acceptor.emplace(w->ioc);
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
  for (auto& w : workers_) {
    Accept(*w, options_, handler_, open_connections_);
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
      // Copy: closing may destroy sessions, which erase themselves.
      std::vector<Session*> idle(w.sessions.begin(), w.sessions.end());
      for (Session* s : idle) {
        if (w.sessions.count(s)) s->CloseIfIdle();
      }
      w.guard.reset();
    });
  }
}

void HttpServer::Wait() {
  if (threads_.empty()) return;
  stopping_.wait(false);  // until Stop()
  const auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
  while (open_connections_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& w : workers_) w->ioc.stop();  // anything still open past the deadline is cut
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace cl::http
