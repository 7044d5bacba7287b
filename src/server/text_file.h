// Reading a whole file the operator named (keys, certificates, a witness's
// ledger): a clear error naming the path when it cannot be read or is larger
// than `max_bytes`.
#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"

namespace cl {

Result<std::string> ReadWholeFile(const std::string& path, size_t max_bytes = 16 << 20);

}  // namespace cl
