#include "platform/log.h"

#include <fmt/chrono.h>
#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

namespace cl::log {
namespace {

std::shared_ptr<spdlog::logger>& Logger() {
  static std::shared_ptr<spdlog::logger> logger;
  return logger;
}
bool g_json = true;

spdlog::level::level_enum ToSpd(Level l) {
  switch (l) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

const char* Name(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void Init(Level min_level, bool json) {
  g_json = json;
  if (!Logger()) {
    spdlog::init_thread_pool(16384, 1);
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    Logger() = std::make_shared<spdlog::async_logger>("changeledger", sink, spdlog::thread_pool(),
                                                      spdlog::async_overflow_policy::block);
    Logger()->set_pattern("%v");
    Logger()->flush_on(spdlog::level::warn);
  }
  Logger()->set_level(ToSpd(min_level));
}

void Flush() {
  if (Logger()) Logger()->flush();
}

bool Enabled(Level level) { return Logger() && Logger()->should_log(ToSpd(level)); }

void Write(Level level, std::string_view message, const nlohmann::json& fields) {
  if (!Enabled(level)) return;
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  std::string line;
  if (g_json) {
    nlohmann::json j = fields.is_object() ? fields : nlohmann::json::object();
    j["ts"] = fmt::format("{:%FT%T}Z", now);  // RFC 3339, microseconds, UTC
    j["level"] = Name(level);
    j["msg"] = message;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = std::string(Name(level)) + ": " + std::string(message);
    if (fields.is_object() && !fields.empty()) {
      line += " " + fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  Logger()->log(ToSpd(level), "{}", line);
}

}  // namespace cl::log
