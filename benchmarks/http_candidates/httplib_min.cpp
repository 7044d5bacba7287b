// Minimal cpp-httplib server (Debian's split build), tuned with TCP_NODELAY and
// a 64-thread pool: the candidate measured for ADR 0001.
#include <httplib.h>
#include <cstdlib>
int main(int argc, char** argv) {
  int port = argc > 1 ? std::atoi(argv[1]) : 18082;
  bool tuned = argc > 2 ? std::atoi(argv[2]) != 0 : true;
  httplib::Server srv;
  if (tuned) {
    srv.set_tcp_nodelay(true);
    srv.new_task_queue = [] { return new httplib::ThreadPool(64); };
  }
  srv.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  srv.listen("127.0.0.1", port);
}
