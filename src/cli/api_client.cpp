#include "cli/api_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/common.h"
#include "cli/credentials.h"
#include "http/problem.h"

namespace cl::cli {
namespace {

size_t OnBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}

std::string FirstNonEmpty(std::initializer_list<std::string> values) {
  for (const std::string& v : values) {
    if (!v.empty()) return v;
  }
  return "";
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

void AddClientOptions(CLI::App* cmd, ClientOptions& o) {
  cmd->add_option("--server", o.server, "Server URL, e.g. http://127.0.0.1:8080 (env CHANGELEDGER_SERVER)");
  cmd->add_option("--token", o.token,
                  "API token (env CHANGELEDGER_TOKEN; prefer the variable or --token-file: "
                  "arguments are visible to other users)");
  cmd->add_option("--token-file", o.token_file, "File holding the API token");
}

ApiClient::ApiClient(std::string base_url, std::string token)
    : base_url_(std::move(base_url)), token_(std::move(token)), curl_(curl_easy_init()) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

ApiClient::~ApiClient() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

ApiClient::ApiClient(ApiClient&& o) noexcept
    : base_url_(std::move(o.base_url_)), token_(std::move(o.token_)), csrf_(std::move(o.csrf_)), curl_(o.curl_) {
  o.curl_ = nullptr;
}

ApiClient& ApiClient::operator=(ApiClient&& o) noexcept {
  std::swap(base_url_, o.base_url_);
  std::swap(token_, o.token_);
  std::swap(csrf_, o.csrf_);
  std::swap(curl_, o.curl_);
  return *this;
}

Result<ApiClient> ApiClient::FromOptions(const ClientOptions& o, bool need_token) {
  const std::optional<SavedCredentials> saved = LoadCredentials();
  std::string server = FirstNonEmpty({o.server, Env("CHANGELEDGER_SERVER")});
  std::string token = o.token;
  if (token.empty() && !o.token_file.empty()) {
    std::ifstream in(o.token_file);
    if (!in) return InvalidArgument("cannot read --token-file " + o.token_file);
    std::getline(in, token);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  }
  if (token.empty()) token = Env("CHANGELEDGER_TOKEN");
  if (saved && (server.empty() || server == saved->server)) {
    if (server.empty()) server = saved->server;
    if (token.empty()) token = saved->token;
  }
  if (server.empty()) {
    return InvalidArgument("no server: pass --server URL, set CHANGELEDGER_SERVER, or run `changeledger login`");
  }
  if (need_token && token.empty()) {
    return InvalidArgument("no API token: pass --token-file, set CHANGELEDGER_TOKEN, or run `changeledger login`");
  }
  return ApiClient(server, token);
}

void ApiClient::EnableCookies() { curl_easy_setopt(static_cast<CURL*>(curl_), CURLOPT_COOKIEFILE, ""); }

Result<HttpReply> ApiClient::Send(const std::string& method, const std::string& path, const std::string& body,
                                  const std::map<std::string, std::string>& headers) {
  CURL* c = static_cast<CURL*>(curl_);
  if (c == nullptr) return Internal("libcurl could not be initialized");
  HttpReply reply;
  const std::string url = base_url_ + path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_NOBODY, method == "HEAD" ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.empty() && method == "GET" ? nullptr : body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  if (method == "GET") curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply.headers);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "changeledger-cli");
  // A server with a certificate from a private CA (serve --tls-cert): the
  // CA's PEM file. Certificates are always verified.
  if (const char* ca = std::getenv("CHANGELEDGER_CA_CERT"); ca != nullptr && *ca != '\0') {
    curl_easy_setopt(c, CURLOPT_CAINFO, ca);
  }
  curl_slist* list = nullptr;
  if (!token_.empty()) list = curl_slist_append(list, ("Authorization: Bearer " + token_).c_str());
  if (!csrf_.empty() && method != "GET") list = curl_slist_append(list, ("X-CSRF-Token: " + csrf_).c_str());
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    has_content_type = has_content_type || lower == "content-type";
  }
  if (!body.empty() && !has_content_type) {
    list = curl_slist_append(list, "Content-Type: application/json");
  }
  list = curl_slist_append(list, "Expect:");
  for (const auto& [name, value] : headers) list = curl_slist_append(list, (name + ": " + value).c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(list);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  if (rc != CURLE_OK) {
    return Unavailable(fmt::format("cannot reach {}: {}", base_url_, curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

Status StatusFromReply(const HttpReply& reply) {
  auto j = nlohmann::json::parse(reply.body, nullptr, false);
  ErrorCode code = ErrorCode::kInternal;
  std::string message = fmt::format("the server answered HTTP {}", reply.status);
  std::vector<FieldError> fields;
  if (const auto* type = http::ProblemByStatus(static_cast<int>(reply.status))) code = type->code;
  if (j.is_object()) {
    const std::string type = j.value("type", "");
    const std::string prefix = "/problems/";
    if (type.rfind(prefix, 0) == 0) {
      if (const auto* t = http::ProblemBySlug(type.substr(prefix.size()))) code = t->code;
    }
    if (j.contains("detail") && j["detail"].is_string()) message = j["detail"].get<std::string>();
    if (j.contains("errors") && j["errors"].is_array()) {
      for (const auto& e : j["errors"]) {
        std::string field = e.value("pointer", "");
        if (field.rfind("#", 0) == 0) field = field.substr(1);
        if (e.contains("parameter")) field = "?" + e.value("parameter", "");
        fields.push_back({field, e.value("detail", "")});
      }
    }
  }
  return Status(code, message, std::move(fields));
}

Result<nlohmann::json> ApiClient::Call(const std::string& method, const std::string& path, const nlohmann::json& body,
                                       const std::map<std::string, std::string>& headers) {
  CL_ASSIGN_OR_RETURN(HttpReply reply, Send(method, path, body.is_null() ? "" : body.dump(), headers));
  if (reply.status < 200 || reply.status >= 300) return StatusFromReply(reply);
  if (reply.body.empty()) return nlohmann::json(nullptr);
  auto j = nlohmann::json::parse(reply.body, nullptr, false);
  if (j.is_discarded()) return Internal("the server sent a reply that is not JSON");
  return j;
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

int WithClient(const ClientOptions& options, const std::function<Status(ApiClient&)>& fn) {
  auto client = ApiClient::FromOptions(options);
  if (!client.ok()) return Fail(client.status());
  Status s = fn(*client);
  return s.ok() ? kExitOk : Fail(s);
}

}  // namespace cl::cli
