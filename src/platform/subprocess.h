// Runs another program (pg_dump, pg_restore) to completion: argv is passed
// as is (no shell), stdin is /dev/null, stdout goes to this process's
// stderr, and the child's stderr is captured for the error message.
#pragma once

#include <string>
#include <vector>

namespace cl {

struct ProgramResult {
  bool started = false;  // false: it could not be started (not installed); `err` says why
  int exit_code = -1;    // 128 + signal if it was killed
  std::string err;       // what it wrote on stderr (at most 64 KiB)
};

ProgramResult RunProgram(const std::vector<std::string>& argv);

}  // namespace cl
