// Process: runs the changeledger binary (the build variant under test) as a
// child with arguments, optional stdin and environment; captures output.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace cl::testing {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs to completion.
ProcessResult RunCli(const std::vector<std::string>& args, const std::string& stdin_text = "",
                     const std::map<std::string, std::string>& env = {});

// A long-running child (serve). Output goes to files in `log_dir`.
class ChildProcess {
 public:
  // `launcher`: a command that runs the binary (e.g. {"prlimit", "--nofile=256"}).
  ChildProcess(const std::vector<std::string>& args, const std::string& log_dir,
               const std::map<std::string, std::string>& env = {}, const std::vector<std::string>& launcher = {});
  ~ChildProcess();
  // Waits until stdout contains `needle`; returns stdout so far ("" on timeout).
  std::string WaitForOutput(const std::string& needle, int timeout_ms = 15000);
  void Signal(int sig);
  // Waits for exit; returns the exit code (or 128+signal), -1 on timeout.
  int Wait(int timeout_ms = 30000);
  std::string Stdout() const;
  std::string Stderr() const;
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  std::string out_path_, err_path_;
  bool reaped_ = false;
  int status_ = -1;
};

std::string BinaryPath();

// The word after the first `prefix` in `text` (up to whitespace), "" if absent:
// e.g. the URL after " serving " in what `serve` prints.
std::string WordAfter(const std::string& text, const std::string& prefix);

}  // namespace cl::testing
