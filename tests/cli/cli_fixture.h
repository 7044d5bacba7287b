// CliTest: a served database with its admin logged in through `changeledger
// login`, for the tests of the changeledger binary as people and pipelines
// use it: a real `serve` child process on an ephemeral port, and CLI commands
// run against it or against the database file. Exit codes: 0 ok, 1
// refused/verification failed, 2 usage or other error.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/audit_log.h"
#include "core/clock.h"
#include "crypto/crypto.h"
#include "tests/support/http.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tsa.h"

namespace cl::testing {

inline std::string ExecSql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(db_path.c_str(), &db);
  char* err = nullptr;
  std::string out;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) out = err ? err : "error";
  sqlite3_free(err);
  sqlite3_close(db);
  return out;
}

// The first column of the first row, as an integer (-1 on error).
inline int64_t CountRows(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

// The SHA-256 of a file's bytes, in hex.
inline std::string FileDigest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  return crypto::ToHex(crypto::Sha256(bytes));
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("cl.db");
    env_ = {{"CHANGELEDGER_CONFIG_DIR", dir_.File("config")}};
  }
  void TearDown() override {
    if (server_) {
      server_->Signal(SIGTERM);
      server_->Wait();
    }
  }

  // Starts `serve`; on a new database it must print the bootstrap admin.
  void Serve(bool first_start = true, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"serve", "--db", db_, "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ChildProcess>(args, dir_.path().string(), env_);
    std::string out = server_->WaitForOutput(first_start ? "/api/v1/session\n" : " serving http://");
    ASSERT_FALSE(out.empty()) << server_->Stdout() << server_->Stderr();
    if (!first_start) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      out = server_->Stdout();
    }
    url_ = WordAfter(out, " serving ");
    admin_otp_ = WordAfter(out, "password: ");
    ASSERT_FALSE(url_.empty()) << out;
    env_["CHANGELEDGER_SERVER"] = url_;
  }

  ProcessResult Run(std::vector<std::string> args, const std::string& input = "") { return RunCli(args, input, env_); }

  void LoginAdmin() {
    ASSERT_FALSE(admin_otp_.empty());
    ProcessResult r =
        Run({"login", "--username", "admin", "--password-stdin"}, admin_otp_ + "\n" + kAdminPassword + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Logged in to " + url_ + " as admin"), std::string::npos) << r.out;
  }

  // Adds an approver through the CLI; returns an API token for them ("" on failure).
  void RunLifecycleToClosed();

  // A user with one role and a token of `scopes`; its secret, "" on failure.
  std::string AddUserWithToken(const std::string& name, const std::string& role,
                               const std::vector<std::string>& scopes) {
    ProcessResult added = Run({"user", "add", name, "--role", role});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    std::vector<std::string> args = {"token", "create", "--user", name, "--name", name + " cli", "-o", "json"};
    for (const std::string& s : scopes) args.insert(args.end(), {"--scope", s});
    ProcessResult tok = Run(args);
    EXPECT_EQ(tok.exit_code, 0) << tok.err;
    if (added.exit_code != 0 || tok.exit_code != 0) return "";
    return nlohmann::json::parse(tok.out)["secret"];
  }
  std::string AddApprover(const std::string& name) {
    return AddUserWithToken(name, "approver", {"changes:approve", "changes:read"});
  }

  static constexpr const char* kAdminPassword = "correct-horse-battery-staple-7";
  TempDir dir_;
  std::string db_, url_, admin_otp_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<ChildProcess> server_;
};

}  // namespace cl::testing
