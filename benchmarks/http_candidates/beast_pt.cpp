// Boost.Beast keep-alive server with one io_context per thread and a
// SO_REUSEPORT acceptor each (no strands, no cross-thread handoff): the
// shape ADR 0001 settled on, measured beside beast_min.
#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket s) : sock_(std::move(s)) {}
  void Start() { Read(); }

 private:
  void Read() {
    parser_.emplace();
    http::async_read(sock_, buf_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      auto& req = self->parser_->get();
      self->res_ = {};
      self->res_.result(http::status::ok);
      self->res_.version(req.version());
      self->res_.set(http::field::content_type, "text/plain");
      self->res_.body() = "ok";
      self->res_.keep_alive(req.keep_alive());
      self->res_.prepare_payload();
      http::async_write(self->sock_, self->res_, [self](beast::error_code ec2, std::size_t) {
        if (!ec2 && self->res_.keep_alive()) self->Read();
      });
    });
  }
  tcp::socket sock_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
};

int main(int argc, char** argv) {
  int port = argc > 1 ? std::atoi(argv[1]) : 18085;
  int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  std::vector<std::thread> ts;
  for (int i = 0; i < threads; ++i) {
    ts.emplace_back([=] {
      asio::io_context ioc(1);
      tcp::acceptor acc(ioc);
      tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)};
      acc.open(ep.protocol());
      acc.set_option(asio::socket_base::reuse_address(true));
      int one = 1;
      setsockopt(acc.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
      acc.bind(ep);
      acc.listen();
      std::function<void()> accept = [&] {
        acc.async_accept([&](beast::error_code ec, tcp::socket s) {
          if (!ec) {
            s.set_option(tcp::no_delay(true));
            std::make_shared<Session>(std::move(s))->Start();
          }
          accept();
        });
      };
      accept();
      ioc.run();
    });
  }
  for (auto& t : ts) t.join();
}
