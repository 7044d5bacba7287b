// Connection exhaustion (R1): `serve` under a low open-file limit (set with
// prlimit, as systemd or a container would), flooded with connections that
// never finish their headers, must keep answering everyone else. Before the
// fix 400 such connections stalled /healthz for ~12 s while the accept loop
// spun on EMFILE, and 10,050 from one client reset every other client.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/http.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace cl::testing {
namespace {

// Connections from `source` (a loopback address: 127.0.0.0/8 is all ours)
// that send half a request line and then nothing. Closed on destruction.
class HalfOpenFlood {
 public:
  HalfOpenFlood(const char* source, uint16_t port, int count) {
    for (int i = 0; i < count; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      if (fd < 0) break;
      sockaddr_in from{};
      from.sin_family = AF_INET;
      inet_pton(AF_INET, source, &from.sin_addr);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(port);
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
          ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        ::close(fd);
        continue;
      }
      const char part[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
      (void)::send(fd, part, sizeof part - 1, MSG_NOSIGNAL);
      fds_.push_back(fd);
    }
  }
  ~HalfOpenFlood() {
    for (int fd : fds_) ::close(fd);
  }
  size_t opened() const { return fds_.size(); }

 private:
  std::vector<int> fds_;
};

class ExhaustionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The flood needs more descriptors than the default soft limit.
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  void TearDown() override {
    if (server_) {
      server_->Signal(SIGTERM);
      EXPECT_EQ(server_->Wait(), 0) << server_->Stderr();
    }
  }
  // `serve` with the open-file limit soft:hard; returns its port.
  uint16_t Serve(const std::string& nofile) {
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"serve", "--db", dir_.File("cl.db"), "--listen", "127.0.0.1:0", "--io-threads", "2"},
        dir_.path().string(), std::map<std::string, std::string>{},
        std::vector<std::string>{"prlimit", "--nofile=" + nofile, "--"});
    const std::string out = server_->WaitForOutput(" serving http://");
    EXPECT_FALSE(out.empty()) << server_->Stderr();
    const std::string url = WordAfter(out, " serving ");
    return static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  }
  // The "connection limits" line of the server's log. The log is written by
  // its own thread, so the line can follow the "serving" banner on stdout.
  nlohmann::json Limits() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      std::istringstream lines(server_->Stderr());
      for (std::string line; std::getline(lines, line);) {
        if (line.find("\"connection limits\"") != std::string::npos) return nlohmann::json::parse(line);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return nullptr;
  }
  static bool Healthy(uint16_t port) {
    const std::string r = RawExchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
    return r.rfind("HTTP/1.1 200 OK", 0) == 0;
  }

  TempDir dir_;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(ExhaustionTest, OneClientsHalfOpenConnectionsDoNotLockOthersOut) {
  const uint16_t port = Serve("256:256");
  const nlohmann::json limits = Limits();
  ASSERT_TRUE(limits.is_object()) << server_->Stderr();
  EXPECT_EQ(limits["open_file_limit"], 256);
  EXPECT_EQ(limits["max_connections"], 128) << "sized from the open-file limit, room left for the database";
  EXPECT_EQ(limits["max_connections_per_client"], 32);
  HalfOpenFlood flood("127.0.0.2", port, 1000);
  EXPECT_GT(flood.opened(), 100u);
  int healthy = 0;
  for (int i = 0; i < 20; ++i) healthy += Healthy(port) ? 1 : 0;
  EXPECT_EQ(healthy, 20) << "another client's requests keep succeeding";
}

TEST_F(ExhaustionTest, AtTheCapTheOldestSlowConnectionsMakeRoom) {
  const uint16_t port = Serve("256:256");
  // Eight clients, each under its own cap, together far over the total.
  std::vector<std::unique_ptr<HalfOpenFlood>> floods;
  for (int k = 2; k < 10; ++k) {
    floods.push_back(std::make_unique<HalfOpenFlood>(("127.0.0." + std::to_string(k)).c_str(), port, 100));
  }
  int healthy = 0;
  for (int i = 0; i < 20; ++i) healthy += Healthy(port) ? 1 : 0;
  EXPECT_EQ(healthy, 20);
  floods.clear();
  EXPECT_TRUE(Healthy(port));
}

TEST_F(ExhaustionTest, TheSoftOpenFileLimitIsRaisedToTheHardOne) {
  Serve("256:4096");
  const nlohmann::json limits = Limits();
  ASSERT_TRUE(limits.is_object()) << server_->Stderr();
  EXPECT_EQ(limits["open_file_limit"], 4096);
  EXPECT_EQ(limits["max_connections"], 4096 - 256);
}

}  // namespace
}  // namespace cl::testing
