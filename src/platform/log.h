// Structured logging: one JSON object per line on stderr (spdlog, async so
// request threads never wait on the terminal). Callers pass fields as JSON;
// secrets (passwords, tokens, cookies, bodies) are never passed in. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace cl::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Sets up the process logger; `json` false gives plain text for terminals.
void Init(Level min_level, bool json = true);
void Flush();
bool Enabled(Level level);

void Write(Level level, std::string_view message, const nlohmann::json& fields = nullptr);
inline void Info(std::string_view m, const nlohmann::json& f = nullptr) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, const nlohmann::json& f = nullptr) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, const nlohmann::json& f = nullptr) { Write(Level::kError, m, f); }

}  // namespace cl::log
