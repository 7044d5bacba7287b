#include "cli/credentials.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace cl::cli {

std::string CredentialsPath() {
  std::filesystem::path dir;
  if (const char* d = std::getenv("CHANGELEDGER_CONFIG_DIR"); d && *d) {
    dir = d;
  } else if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) {
    dir = std::filesystem::path(x) / "changeledger";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    dir = std::filesystem::path(h) / ".config" / "changeledger";
  } else {
    dir = ".changeledger";
  }
  return (dir / "credentials.json").string();
}

Status SaveCredentials(const SavedCredentials& c) {
  const std::filesystem::path path = CredentialsPath();
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Unavailable("cannot create " + path.parent_path().string() + ": " + ec.message());
  const std::string tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot write " + tmp + ": " + std::strerror(errno));
  const std::string text =
      nlohmann::json{{"server", c.server}, {"token", c.token}, {"token_id", c.token_id}, {"username", c.username}}.dump(
          2) +
      "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Unavailable("cannot write " + path.string());
  }
  return Status::Ok();
}

std::optional<SavedCredentials> LoadCredentials() {
  std::ifstream in(CredentialsPath());
  if (!in) return std::nullopt;
  std::stringstream buf;
  buf << in.rdbuf();
  auto j = nlohmann::json::parse(buf.str(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  SavedCredentials c;
  c.server = j.value("server", "");
  c.token = j.value("token", "");
  c.token_id = j.value("token_id", "");
  c.username = j.value("username", "");
  if (c.server.empty() || c.token.empty()) return std::nullopt;
  return c;
}

Status ForgetCredentials() {
  std::error_code ec;
  std::filesystem::remove(CredentialsPath(), ec);
  if (ec) return Unavailable("cannot remove " + CredentialsPath() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace cl::cli
