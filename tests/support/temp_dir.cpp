#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <stdexcept>

namespace cl::testing {

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "cltest-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string SharedData(const std::string& relative) {
  const std::filesystem::path p = std::filesystem::path(CL_SOURCE_DIR) / ".." / "shared" / "data" / relative;
  return std::filesystem::exists(p) ? p.string() : std::string();
}

}  // namespace cl::testing
