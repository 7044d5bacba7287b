#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace cl::testing {
namespace {

std::vector<std::string> Environment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

int Spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, int in_fd,
          const std::string& out_path, const std::string& err_path, const std::vector<std::string>& launcher = {}) {
  std::vector<std::string> argv = launcher;
  argv.push_back(BinaryPath());
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envp = Environment(env);
  auto cargv = CStrings(argv);
  auto cenv = CStrings(envp);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (in_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
  } else {
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int rc = launcher.empty() ? posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, cargv.data(), cenv.data())
                                  : posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

std::string TempFile(const std::string& tag) {
  char templ[] = "/tmp/clproc-XXXXXX";
  const int fd = ::mkstemp(templ);
  ::close(fd);
  return std::string(templ) + tag;
}

}  // namespace

std::string BinaryPath() { return CL_BINARY; }

std::string WordAfter(const std::string& text, const std::string& prefix) {
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return "";
  const size_t start = at + prefix.size();
  const size_t end = text.find_first_of(" \t\r\n", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

ProcessResult RunCli(const std::vector<std::string>& args, const std::string& stdin_text,
                     const std::map<std::string, std::string>& env) {
  const std::string base = TempFile("");
  const std::string out = base + ".out", err = base + ".err", in = base + ".in";
  { std::ofstream(in) << stdin_text; }
  const int in_fd = ::open(in.c_str(), O_RDONLY);
  ProcessResult r;
  const int pid = Spawn(args, env, in_fd, out, err);
  ::close(in_fd);
  int status = 0;
  if (pid > 0 && ::waitpid(pid, &status, 0) == pid) {
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  r.out = ReadAll(out);
  r.err = ReadAll(err);
  for (const auto& f : {base, out, err, in}) ::unlink(f.c_str());
  return r;
}

ChildProcess::ChildProcess(const std::vector<std::string>& args, const std::string& log_dir,
                           const std::map<std::string, std::string>& env, const std::vector<std::string>& launcher)
    : out_path_(log_dir + "/child.out"), err_path_(log_dir + "/child.err") {
  pid_ = Spawn(args, env, -1, out_path_, err_path_, launcher);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string ChildProcess::WaitForOutput(const std::string& needle, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string out = ReadAll(out_path_);
    if (out.find(needle) != std::string::npos) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

void ChildProcess::Signal(int sig) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

int ChildProcess::Wait(int timeout_ms) {
  if (reaped_) return status_;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

std::string ChildProcess::Stdout() const { return ReadAll(out_path_); }
std::string ChildProcess::Stderr() const { return ReadAll(err_path_); }

}  // namespace cl::testing
