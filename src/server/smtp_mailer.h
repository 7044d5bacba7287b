// SmtpMailer: sends one e-mail through the relay the operator configured
// (serve --smtp-url), with libcurl. smtp:// upgrades with STARTTLS and, unless
// the operator said `--smtp-tls none` (a relay on this machine), refuses to
// send when the relay does not offer it; smtps:// is TLS from the start. The
// relay's certificate is verified (against --smtp-ca-file when given).
// Credentials, when set, go only over TLS. Bounded time. Thread-safe;
// immutable after construction.
#pragma once

#include <string>

#include "core/status.h"

namespace cl {

struct SmtpOptions {
  std::string url;   // smtp://relay.example.com:587 or smtps://relay.example.com:465; empty: no e-mail
  std::string from;  // "Changeledger <changes@example.com>"
  std::string username;
  std::string password;     // never logged
  std::string ca_file;      // PEM bundle the relay's certificate must chain to; empty: the system's
  bool require_tls = true;  // false only for a relay on loopback
  std::string public_url;   // the web UI's address, for links in messages
  long timeout_ms = 30000;

  bool enabled() const { return !url.empty(); }
  // What is wrong with these settings ("" if nothing).
  std::string Problem() const;
};

class SmtpMailer {
 public:
  explicit SmtpMailer(SmtpOptions options) : o_(std::move(options)) {}
  const SmtpOptions& options() const { return o_; }
  // Sends `message` (RFC 5322, CRLF line ends) to `to`; the error says what
  // the relay answered or why it could not be reached.
  Status Send(const std::string& to, const std::string& message) const;

 private:
  SmtpOptions o_;
};

}  // namespace cl
