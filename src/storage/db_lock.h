// An advisory lock file beside a SQLite database ("<db>.lock", flock):
// `serve` holds it shared for as long as it serves; `restore` needs it
// exclusively, so it cannot replace a database under a running server (and a
// server does not start while a restore is running). Advisory: tools that
// do not ask are not stopped.
#pragma once

#include <string>

#include "core/status.h"

namespace cl {

class DbUseLock {
 public:
  enum class Mode { kShared, kExclusive };
  // Never waits: fails with kConflict naming who holds it.
  static Result<DbUseLock> Acquire(const std::string& db_path, Mode mode);
  DbUseLock(DbUseLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DbUseLock& operator=(DbUseLock&&) = delete;
  DbUseLock(const DbUseLock&) = delete;
  ~DbUseLock();

 private:
  explicit DbUseLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace cl
