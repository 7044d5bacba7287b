#include "core/json_input.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

namespace cl {
namespace {

using json = nlohmann::json;

// Decodes one UTF-8 sequence at `i` (the text is valid UTF-8 by now:
// nlohmann's parser has checked it); returns the code point and advances.
char32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  int len = 1;
  char32_t c = b;
  if (b >= 0xF0) {
    len = 4;
    c = b & 0x07;
  } else if (b >= 0xE0) {
    len = 3;
    c = b & 0x0F;
  } else if (b >= 0xC0) {
    len = 2;
    c = b & 0x1F;
  }
  for (int k = 1; k < len && i + k < s.size(); ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += static_cast<size_t>(len);
  return c;
}

}  // namespace

std::string EscapePointerToken(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

// Counts, measures and checks every value without building anything.
class LimitScanner {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit LimitScanner(const JsonLimits& limits) : limits_(limits) {}

  bool null() { return Value(); }
  bool boolean(bool) { return Value(); }
  bool number_integer(number_integer_t) { return Value(); }
  bool number_unsigned(number_unsigned_t) { return Value(); }
  bool number_float(number_float_t v, const string_t&) {
    if (!std::isfinite(v)) return Fail(ErrorCode::kMalformed, "a number is out of range");
    return Value();
  }
  bool string(string_t& s) {
    if (!Value()) return false;
    return CheckText(s, false);
  }
  bool binary(binary_t&) { return Value(); }
  bool start_object(std::size_t) { return Open(false); }
  bool key(string_t& k) {
    frames_.back().key = k;
    return CheckText(k, true);
  }
  bool end_object() { return Close(); }
  bool start_array(std::size_t) { return Open(true); }
  bool end_array() { return Close(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    std::string why = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ...; last read: '...'"
    if (const size_t colon = why.find(": "); colon != std::string::npos) why = why.substr(colon + 2);
    if (const size_t last = why.find("; last read:"); last != std::string::npos) why.resize(last);
    return Fail(ErrorCode::kMalformed, fmt::format("is not valid JSON (at byte {}): {}", position, why));
  }

  const Status& status() const { return status_; }

 private:
  struct Frame {
    bool array;
    size_t index = 0;
    std::string key;
  };

  bool Fail(ErrorCode code, std::string message, std::vector<FieldError> errors = {}) {
    if (status_.ok()) status_ = Status(code, std::move(message), std::move(errors));
    return false;
  }

  // Where the value about to be reported sits; advances array indices.
  void Place() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }

  bool Value() {
    Place();
    if (++values_ > limits_.max_values) {
      return Fail(ErrorCode::kMalformed,
                  fmt::format("holds more than {} JSON values, the most accepted", limits_.max_values));
    }
    return true;
  }

  bool Open(bool array) {
    if (!Value()) return false;
    if (static_cast<int>(frames_.size()) >= limits_.max_depth) {
      return Fail(ErrorCode::kMalformed,
                  fmt::format("nests arrays and objects deeper than {} levels, the most accepted", limits_.max_depth));
    }
    frames_.push_back(Frame{array, 0, {}});
    return true;
  }

  bool Close() {
    frames_.pop_back();
    return true;
  }

  // JSON pointer of the value just reported (a key: its object).
  std::string Pointer(bool of_key) const {
    std::string p;
    for (size_t i = 0; i < frames_.size(); ++i) {
      if (of_key && i + 1 == frames_.size()) break;
      const Frame& f = frames_[i];
      p += "/" + (f.array ? std::to_string(f.index - 1) : EscapePointerToken(f.key));
    }
    return p.empty() && !of_key ? "/" : p;
  }

  bool CheckText(const std::string& s, bool is_key) {
    if (!limits_.refuse_control_characters) return true;
    const std::optional<char32_t> bad = FindControlCharacter(s);
    if (!bad) return true;
    const std::string where = Pointer(is_key);
    const std::string message =
        is_key ? "a field name " + ControlCharacterMessage(*bad) : ControlCharacterMessage(*bad);
    return Fail(ErrorCode::kInvalidArgument, "text " + ControlCharacterMessage(*bad),
                {{where.empty() ? "/" : where, message}});
  }

  const JsonLimits& limits_;
  std::vector<Frame> frames_;
  size_t values_ = 0;
  Status status_;
};

}  // namespace

std::optional<char32_t> FindControlCharacter(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0x20 && b < 0x7F) {
      ++i;
      continue;
    }
    if (b == '\t' || b == '\n') {
      ++i;
      continue;
    }
    if (b == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      i += 2;
      continue;
    }
    if (b < 0x80) return static_cast<char32_t>(b);  // C0 controls and DEL
    const size_t at = i;
    const char32_t c = NextCodePoint(text, i);
    if (c >= 0x80 && c <= 0x9F) return c;  // C1 controls
    if (i <= at) ++i;
  }
  return std::nullopt;
}

std::string ControlCharacterMessage(char32_t c) {
  return fmt::format("contains the control character U+{:04X}; only tab and line breaks are allowed",
                     static_cast<uint32_t>(c));
}

std::string ReplaceControlCharacters(std::string_view text) {
  if (!FindControlCharacter(text)) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t at = i;
    const auto b = static_cast<unsigned char>(text[i]);
    const char32_t c = b < 0x80 ? (++i, static_cast<char32_t>(b)) : NextCodePoint(text, i);
    const bool crlf = c == '\r' && i < text.size() && text[i] == '\n';
    const bool bad = (c < 0x20 && c != '\t' && c != '\n' && !crlf) || (c >= 0x7F && c <= 0x9F);
    if (bad) {
      out += "\xEF\xBF\xBD";  // U+FFFD
    } else {
      out.append(text.substr(at, i - at));
    }
  }
  return out;
}

Result<nlohmann::json> ParseJsonInput(std::string_view text, const JsonLimits& limits) {
  LimitScanner scanner(limits);
  const bool ok = json::sax_parse(text, &scanner, json::input_format_t::json, /*strict=*/true,
                                  /*ignore_comments=*/false);
  if (!ok) {
    const Status& s = scanner.status();
    if (s.ok()) return Malformed("the JSON is not valid");
    if (s.code() == ErrorCode::kInvalidArgument) return s;
    return Status(s.code(), "the JSON " + s.message());
  }
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    // The scan accepted what the parser refuses: never expected, still not a crash.
    return Malformed(std::string("the JSON is not valid: ") + e.what());
  }
}

}  // namespace cl
