// Shared CLI plumbing: exit codes, error printing, table/JSON output and
// reading secrets without echo. Used by every subcommand; not thread-safe
// (a CLI process is single-threaded).
#pragma once

#include <CLI/CLI.hpp>
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace cl::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;  // the answer is no: 4xx, failed verification
inline constexpr int kExitError = 2;    // could not run: usage, network, 5xx, database

int ExitCodeFor(ErrorCode code);
// Prints "error: ..." and any field errors to stderr; returns the exit code.
int Fail(const Status& status);

// "N:HEX" as in --expected-head and --from: a positive number and a 32-byte
// digest in hex; `usage` is the error message otherwise.
Result<std::pair<int64_t, std::array<uint8_t, 32>>> ParseSeqAndDigest(const std::string& text,
                                                                      const std::string& usage);

// -o/--output table|json
void AddOutputOption(CLI::App* cmd, std::string& format);
void PrintJson(const nlohmann::json& value);
void PrintTable(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows);
// "-" for null, strings bare, everything else as JSON.
std::string Cell(const nlohmann::json& value);

// Reads a whole file ("-" reads stdin); a clear error naming the path if it cannot.
Result<std::string> ReadTextFile(const std::string& path, size_t max_bytes = 16 << 20);

// HOST:PORT (or [IPV6]:PORT) from --listen; port 0 picks a free one.
Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen);

// A shared secret from `file` (as secret managers mount them; trailing
// whitespace dropped) or else the environment variable `env`; never from the
// command line, where `ps` would show it. "" when neither is set; an error
// when the file cannot be read or holds fewer than 16 characters.
Result<std::string> ReadSharedSecret(const std::string& file, const char* env, std::string_view what);

// Reads a secret: one line from stdin when `from_stdin`, else a no-echo
// prompt on the terminal. Fails if there is no terminal to prompt on.
Result<std::string> ReadSecret(const std::string& prompt, bool from_stdin);

}  // namespace cl::cli
