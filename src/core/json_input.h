// JSON from outside the process (request bodies, webhook payloads, export
// files): scanned with limits before any tree is built, so no input can
// exhaust the stack (deep nesting), memory (millions of values) or reach the
// database with text it cannot store (control characters). One place for
// these limits; every parser of outside JSON goes through it. Thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace cl {

struct JsonLimits {
  // Nesting of arrays and objects. Terraform plans and Kubernetes manifests
  // use the same figure (ingest/).
  int max_depth = 64;
  // Values of any kind (scalars, arrays, objects, keys not counted).
  size_t max_values = 100'000;
  // Refuse strings and keys holding control characters (text fields); off
  // for documents whose strings are data (webhook payloads), which callers
  // clean with ReplaceControlCharacters instead.
  bool refuse_control_characters = true;
};

inline constexpr JsonLimits kRequestJsonLimits{};

// Parses `text` as one JSON value within `limits`. Errors: kMalformed for
// JSON that is not valid or exceeds the depth or value limits (the message
// names the limit and the byte offset), kInvalidArgument with the JSON
// pointer of a string holding a control character.
Result<nlohmann::json> ParseJsonInput(std::string_view text, const JsonLimits& limits = kRequestJsonLimits);

// `key` as one reference token of a JSON pointer (RFC 6901: '~' -> "~0",
// '/' -> "~1"), for error locations that name a field.
std::string EscapePointerToken(std::string_view key);

// The first character of `text` (UTF-8) that text fields refuse: a control
// character (U+0000-U+001F, U+007F-U+009F) other than tab, line feed, or a
// carriage return that starts a CRLF line break. Returns its code point.
std::optional<char32_t> FindControlCharacter(std::string_view text);

// The message for a refused control character ("contains the control
// character U+0000; only tab and line breaks are allowed").
std::string ControlCharacterMessage(char32_t c);

// `text` with every refused control character replaced by U+FFFD, for data
// from systems we do not control (a pull request title from GitHub).
std::string ReplaceControlCharacters(std::string_view text);

}  // namespace cl
