// Minimal RESTinio server on its Asio thread pool: candidate for ADR 0001.
#include <cstdlib>
#include <restinio/all.hpp>
int main(int argc, char** argv) {
  unsigned short port = argc > 1 ? static_cast<unsigned short>(std::atoi(argv[1])) : 18083;
  std::size_t threads = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 2;
  restinio::run(restinio::on_thread_pool(threads).port(port).address("127.0.0.1").request_handler([](auto req) {
    return req->create_response().append_header(restinio::http_field::content_type, "text/plain").set_body("ok").done();
  }));
}
