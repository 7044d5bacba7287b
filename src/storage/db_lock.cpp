#include "storage/db_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cl {

Result<DbUseLock> DbUseLock::Acquire(const std::string& db_path, Mode mode) {
  const std::string path = db_path + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  const int op = (mode == Mode::kShared ? LOCK_SH : LOCK_EX) | LOCK_NB;
  if (::flock(fd, op) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Conflict(
          mode == Mode::kShared
              ? fmt::format("{} is being restored (another process holds {}); try again when it is done", db_path, path)
              : fmt::format("{} is in use by a running server (it holds {}); stop it first", db_path, path));
    }
    return Unavailable(fmt::format("cannot lock {}: {}", path, std::strerror(err)));
  }
  return DbUseLock(fd);
}

DbUseLock::~DbUseLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace cl
