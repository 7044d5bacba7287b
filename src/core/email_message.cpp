#include "core/email_message.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "crypto/crypto.h"

namespace cl {
namespace {

std::string HeaderValue(std::string_view v) {
  std::string out(v);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; }, ' ');
  return out;
}

bool Ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string_view Bytes(std::string_view s, size_t from, size_t n) { return s.substr(from, n); }

// RFC 2047 encoded-words of at most 75 characters, split on UTF-8
// character boundaries, folded onto continuation lines.
std::string EncodeSubject(std::string_view subject) {
  if (Ascii(subject)) return std::string(subject);
  std::string out;
  size_t i = 0;
  constexpr size_t kChunk = 42;  // 42 bytes -> 56 base64 characters + 12 of markup
  while (i < subject.size()) {
    size_t n = std::min(kChunk, subject.size() - i);
    while (i + n < subject.size() && (static_cast<unsigned char>(subject[i + n]) & 0xC0) == 0x80) --n;
    const std::string_view part = Bytes(subject, i, n);
    if (!out.empty()) out += "\r\n ";
    out +=
        fmt::format("=?UTF-8?B?{}?=", crypto::ToBase64({reinterpret_cast<const uint8_t*>(part.data()), part.size()}));
    i += n;
  }
  return out;
}

std::string Base64Lines(std::string_view body) {
  std::string text;
  for (char c : body) {
    if (c == '\n') {
      text += "\r\n";
    } else if (c != '\r') {
      text += c;
    }
  }
  const std::string b64 = crypto::ToBase64({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  std::string out;
  for (size_t i = 0; i < b64.size(); i += 76) {
    out += b64.substr(i, 76);
    out += "\r\n";
  }
  return out;
}

}  // namespace

std::string MailboxAddress(std::string_view from) {
  const size_t open = from.rfind('<');
  const size_t close = from.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(from.substr(open + 1, close - open - 1));
  }
  return std::string(from);
}

std::string EmailDate(Timestamp t) {
  const std::time_t secs = static_cast<std::time_t>(t.micros / kMicrosPerSecond);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{}, {:02d} {} {} {:02d}:{:02d}:{:02d} +0000", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string RenderEmail(const EmailMessage& m) {
  std::string out;
  out += fmt::format("From: {}\r\n", HeaderValue(m.from));
  out += fmt::format("To: {}\r\n", HeaderValue(m.to));
  out += fmt::format("Subject: {}\r\n", EncodeSubject(HeaderValue(m.subject)));
  out += fmt::format("Date: {}\r\n", EmailDate(m.date));
  out += fmt::format("Message-ID: {}\r\n", HeaderValue(m.message_id));
  out += "Auto-Submitted: auto-generated\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n";
  out += "\r\n";
  out += Base64Lines(m.body);
  return out;
}

}  // namespace cl
