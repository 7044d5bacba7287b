#include "cli/common.h"

#include <fmt/format.h>
#include <charconv>
#include <cstdlib>

#include "crypto/crypto.h"
#include "server/text_file.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace cl::cli {

int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return kExitOk;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kInvalidDocument:
    case ErrorCode::kMalformed:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kPasswordChangeRequired:
    case ErrorCode::kCsrfFailed:
    case ErrorCode::kNotFound:
    case ErrorCode::kMethodNotAllowed:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
    case ErrorCode::kPayloadTooLarge:
    case ErrorCode::kHeadersTooLarge:
    case ErrorCode::kUnsupportedMediaType:
    case ErrorCode::kNotAcceptable:
    case ErrorCode::kRateLimited:
    case ErrorCode::kDataLoss:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kSodViolation:
    case ErrorCode::kPreconditionRequired:
    case ErrorCode::kWritesRefused:
      return kExitRefused;
    default:
      return kExitError;
  }
}

int Fail(const Status& status) {
  std::cerr << "error: " << status.message() << "\n";
  for (const FieldError& e : status.field_errors()) {
    std::cerr << "  " << (e.field.empty() ? "/" : e.field) << ": " << e.message << "\n";
  }
  return ExitCodeFor(status.code());
}

Result<std::pair<int64_t, std::array<uint8_t, 32>>> ParseSeqAndDigest(const std::string& text,
                                                                      const std::string& usage) {
  const size_t colon = text.find(':');
  int64_t seq = 0;
  auto hash = colon == std::string::npos ? std::nullopt : crypto::FromHex(text.substr(colon + 1));
  const auto [end, ec] = std::from_chars(text.data(), text.data() + std::min(colon, text.size()), seq);
  if (!hash || hash->size() != 32 || ec != std::errc() || end != text.data() + colon || seq < 1) {
    return InvalidArgument(usage);
  }
  std::array<uint8_t, 32> d{};
  std::copy(hash->begin(), hash->end(), d.begin());
  return std::make_pair(seq, d);
}

void AddOutputOption(CLI::App* cmd, std::string& format) {
  cmd->add_option("-o,--output", format, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
}

void PrintJson(const nlohmann::json& value) {
  std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

std::string Cell(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (const auto& item : v) {
      if (!out.empty()) out += ",";
      out += Cell(item);
    }
    return out.empty() ? "-" : out;
  }
  return v.dump();
}

void PrintTable(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) width[i] = headers[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    std::cout << out << "\n";
  };
  line(headers);
  for (const auto& row : rows) line(row);
}

Result<std::string> ReadSecret(const std::string& prompt, bool from_stdin) {
  std::string value;
  if (from_stdin) {
    if (!std::getline(std::cin, value)) return InvalidArgument("nothing on standard input");
    if (!value.empty() && value.back() == '\r') value.pop_back();
    return value;
  }
  if (!::isatty(STDIN_FILENO)) {
    return InvalidArgument("no terminal to ask for the secret on; pass it with --*-stdin");
  }
  std::cerr << prompt << std::flush;
  termios old{};
  ::tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  const bool ok = static_cast<bool>(std::getline(std::cin, value));
  ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  if (!ok) return InvalidArgument("no input");
  return value;
}

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgument("--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) port = -1;
  } catch (const std::exception&) {}
  if (port < 0 || port > 65535) return InvalidArgument("--listen has an invalid port");
  return std::make_pair(host, static_cast<uint16_t>(port));
}

Result<std::string> ReadSharedSecret(const std::string& file, const char* env, std::string_view what) {
  if (file.empty()) {
    const char* value = std::getenv(env);
    return std::string(value != nullptr ? value : "");
  }
  CL_ASSIGN_OR_RETURN(std::string v, ReadTextFile(file, 64 * 1024));
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' ')) v.pop_back();
  if (v.size() < 16) return InvalidArgument(fmt::format("{}: {} needs at least 16 characters", file, what));
  return v;
}

Result<std::string> ReadTextFile(const std::string& path, size_t max_bytes) {
  if (path != "-") return ReadWholeFile(path, max_bytes);
  std::ostringstream buf;
  buf << std::cin.rdbuf();
  std::string text = buf.str();
  if (text.size() > max_bytes) return InvalidArgument("stdin is larger than " + std::to_string(max_bytes) + " bytes");
  return text;
}

}  // namespace cl::cli
