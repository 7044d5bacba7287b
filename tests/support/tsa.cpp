#include "tests/support/tsa.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace cl::testing {
namespace {

const std::string kScript = std::string(CL_SOURCE_DIR) + "/tests/support/tsa.py";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

TestTsa::TestTsa() {
  const std::string cmd = "python3 '" + kScript + "' init '" + dir_.path().string() + "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("tsa.py init failed");
}

TestTsa::~TestTsa() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string TestTsa::CaPem() const { return Slurp(ca_path()); }

std::string TestTsa::Reply(std::string_view query) const {
  const std::string in = dir_.File("query.tsq"), out = dir_.File("reply.tsr");
  std::ofstream(in, std::ios::binary) << query;
  const std::string cmd =
      "python3 '" + kScript + "' reply '" + dir_.path().string() + "' <'" + in + "' >'" + out + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) return "";
  return Slurp(out);
}

std::string TestTsa::Url() {
  if (!url_.empty()) return url_;
  const std::string port_file = dir_.File("port");
  pid_ = ::fork();
  if (pid_ == 0) {
    const std::string d = dir_.path().string();
    if (std::freopen(port_file.c_str(), "w", stdout) == nullptr) ::_exit(127);
    ::execlp("python3", "python3", kScript.c_str(), "serve", d.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string port = Slurp(port_file);
    if (port.find('\n') != std::string::npos) {
      url_ = "http://127.0.0.1:" + port.substr(0, port.find('\n')) + "/tsa";
      return url_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("the test TSA did not start");
}

void TestTsa::SetDown(bool down) const {
  if (down) {
    std::ofstream(dir_.File("down")) << "down\n";
  } else {
    std::remove(dir_.File("down").c_str());
  }
}

}  // namespace cl::testing
