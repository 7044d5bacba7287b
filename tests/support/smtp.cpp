#include "tests/support/smtp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "crypto/crypto.h"

namespace cl::testing {
namespace {

constexpr const char* kPython = "/usr/bin/python3";

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

bool Listening(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string Header(const std::string& raw, const std::string& name) {
  std::istringstream in(raw);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if (line.size() > name.size() + 1 && line.compare(0, name.size() + 1, name + ":") == 0) {
      return line.substr(name.size() + 2);
    }
  }
  return "";
}

std::string Body(const std::string& raw) {
  size_t at = raw.find("\r\n\r\n");
  size_t skip = 4;
  if (at == std::string::npos) {
    at = raw.find("\n\n");
    skip = 2;
  }
  if (at == std::string::npos) return "";
  std::string b64;
  for (char c : raw.substr(at + skip)) {
    if (c != '\r' && c != '\n') b64 += c;
  }
  auto bytes = crypto::FromBase64(b64);
  return bytes ? std::string(bytes->begin(), bytes->end()) : "";
}

}  // namespace

bool TestSmtp::Available() { return std::system("/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1") == 0; }

TestSmtp::TestSmtp(bool starttls) {
  const std::string cert = cert_path(), key = dir_.File("smtp.key");
  if (starttls) {
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout '" +
        key + "' -out '" + cert + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl could not make the SMTP certificate");
  }
  const std::string maildir = dir_.File("maildir");
  port_ = FreePort();
  const std::string listen = "127.0.0.1:" + std::to_string(port_);
  const std::string log = dir_.File("smtp.log");
  pid_ = ::fork();
  if (pid_ == 0) {
    if (std::freopen(log.c_str(), "w", stderr) == nullptr) ::_exit(127);
    if (starttls) {
      ::execl(kPython, kPython, "-m", "aiosmtpd", "-n", "-l", listen.c_str(), "--tlscert", cert.c_str(), "--tlskey",
              key.c_str(), "-c", "aiosmtpd.handlers.Mailbox", maildir.c_str(), static_cast<char*>(nullptr));
    } else {
      ::execl(kPython, kPython, "-m", "aiosmtpd", "-n", "-l", listen.c_str(), "-c", "aiosmtpd.handlers.Mailbox",
              maildir.c_str(), static_cast<char*>(nullptr));
    }
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Listening(port_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("the test SMTP server did not start");
}

TestSmtp::~TestSmtp() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string TestSmtp::url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

std::vector<ReceivedMail> TestSmtp::Messages() const {
  std::vector<std::pair<std::filesystem::file_time_type, std::string>> files;
  for (const char* sub : {"new", "cur"}) {
    const std::filesystem::path d = dir_.path() / "maildir" / sub;
    std::error_code ec;
    if (!std::filesystem::is_directory(d, ec)) continue;
    for (const auto& e : std::filesystem::directory_iterator(d)) {
      files.emplace_back(std::filesystem::last_write_time(e.path()), e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<ReceivedMail> out;
  for (const auto& [when, path] : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    ReceivedMail m;
    m.raw = buf.str();
    m.to = Header(m.raw, "To");
    m.from = Header(m.raw, "From");
    m.subject = Header(m.raw, "Subject");
    m.body = Body(m.raw);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<ReceivedMail> TestSmtp::WaitFor(size_t n) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::vector<ReceivedMail> got = Messages();
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    got = Messages();
  }
  return got;
}

}  // namespace cl::testing
