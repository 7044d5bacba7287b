// ApiClient: the CLI's HTTP client for a Changeledger server (libcurl,
// keep-alive, TLS as curl supports it). Problem+json replies become Status
// values with their field errors. Where the server and token come from:
// --server/--token flags, then CHANGELEDGER_SERVER/CHANGELEDGER_TOKEN, then
// the credentials saved by `changeledger login`. TLS certificates are
// verified against the system's CAs, or CHANGELEDGER_CA_CERT (a PEM file)
// for a private CA. One instance per thread.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/status.h"

namespace cl::cli {

struct ClientOptions {
  std::string server;
  std::string token;
  std::string token_file;
};

// Adds --server, --token, --token-file to a subcommand.
void AddClientOptions(CLI::App* cmd, ClientOptions& options);

struct HttpReply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

class ApiClient {
 public:
  ApiClient(std::string base_url, std::string token);
  ~ApiClient();
  ApiClient(ApiClient&&) noexcept;
  ApiClient& operator=(ApiClient&&) noexcept;

  // Resolves server and token from flags, environment and saved credentials.
  static Result<ApiClient> FromOptions(const ClientOptions& options, bool need_token = true);

  Result<HttpReply> Send(const std::string& method, const std::string& path, const std::string& body = "",
                         const std::map<std::string, std::string>& headers = {});
  // JSON request/response; non-2xx becomes the problem's Status.
  Result<nlohmann::json> Call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
                              const std::map<std::string, std::string>& headers = {});

  // Session mode (login): keep cookies, send the CSRF token on unsafe calls.
  void EnableCookies();
  void SetCsrfToken(std::string token) { csrf_ = std::move(token); }
  void SetToken(std::string token) { token_ = std::move(token); }
  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::string token_;
  std::string csrf_;
  void* curl_ = nullptr;
};

// Turns a non-2xx reply into a Status (problem+json aware).
Status StatusFromReply(const HttpReply& reply);
// URL-encodes one path segment or query value.
std::string UrlEncode(const std::string& s);

// Builds a client from the options, runs fn(client) and returns the exit code.
int WithClient(const ClientOptions& options, const std::function<Status(ApiClient&)>& fn);

}  // namespace cl::cli
