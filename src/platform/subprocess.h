// Runs another program (pg_dump, pg_restore) to completion: argv is passed
// as is (no shell), stdin is /dev/null, stdout goes to this process's
// stderr, and the child's stderr is captured for the error message.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace cl {

struct ProgramResult {
  int exit_code = -1;  // 128 + signal if it was killed
  std::string err;     // what it wrote on stderr (at most 64 KiB)
};

// Unavailable if the program cannot be started (not installed).
Result<ProgramResult> RunProgram(const std::vector<std::string>& argv);

}  // namespace cl
