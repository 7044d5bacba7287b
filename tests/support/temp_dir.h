// TempDir: a fresh directory under $TMPDIR for one test, removed afterwards.
#pragma once

#include <filesystem>
#include <string>

namespace cl::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Path of a file in ../shared/data, or empty if this clone has no ../shared
// (tests that need it then GTEST_SKIP()).
std::string SharedData(const std::string& relative);

}  // namespace cl::testing
