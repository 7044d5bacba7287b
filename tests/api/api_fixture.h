// Shared helpers for the API suite: every test talks to the real server (in
// process, ephemeral port, real SQLite file) over TCP.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/test_server.h"

namespace cl::testing {

// A logged-in browser: the session cookie and its CSRF token.
struct BrowserSession {
  std::string cookie;  // "cl_session=..."
  std::string csrf;
  std::string set_cookie;  // the raw Set-Cookie header of the login
  nlohmann::json body;
};

// Logs in; fails the test unless the reply is 201.
BrowserSession Login(TestServer& server, const std::string& username, const std::string& password);

// Sends a JSON request as a browser: cookie, and the CSRF token when `with_csrf`.
Reply AsBrowser(TestServer& server, const BrowserSession& s, const std::string& method, const std::string& path,
                const nlohmann::json& body = nullptr, bool with_csrf = true);

// Whether `text` contains `needle` (std::string::contains is C++23).
inline bool Has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// Checks that `r` is an RFC 9457 problem with the given status and type slug.
::testing::AssertionResult IsProblem(const Reply& r, long status, const std::string& slug);

// Every passing test that started a server ends with the audit chain
// verified and the records reconciled with it (ExpectAuditIntact): a
// mutation whose event does not record the row's new state fails here.
class ApiTest : public ::testing::Test {
 protected:
  void TearDown() override;
  TestServer& server() {
    if (!server_) server_ = std::make_unique<TestServer>(options_);
    return *server_;
  }
  Http http() { return server().http(); }
  // Tests that need to move time set options_.clock = &manual_clock_ before
  // the first server() call; the clock outlives the server.
  ManualClock manual_clock_{Timestamp{1'790'000'000'000'000}};
  TestServerOptions options_;

 private:
  std::unique_ptr<TestServer> server_;
};

}  // namespace cl::testing
