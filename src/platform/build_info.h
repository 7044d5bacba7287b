// The version and commit this binary was built from (the definitions are
// generated from build_info.cpp.in at configure time).
#pragma once

namespace cl {
extern const char* const kVersion;
extern const char* const kGitCommit;
}  // namespace cl
