// An e-mail as sent over SMTP (RFC 5322 with MIME, RFC 2045/2047): plain
// UTF-8 text, base64 so no line is too long and no byte needs 8BITMIME,
// a subject encoded when it is not ASCII, and headers that say it is
// automatic (RFC 3834) so vacation replies stay away. Header values never
// carry CR or LF (no header injection from a change title). Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"

namespace cl {

struct EmailMessage {
  std::string from;  // "Changeledger <changes@example.com>" or an address
  std::string to;    // one address
  std::string subject;
  std::string body;        // plain text, UTF-8, "\n" line ends
  std::string message_id;  // "<id@host>"
  Timestamp date;
};

std::string RenderEmail(const EmailMessage& m);

// The address inside "Name <addr>" (or the whole value).
std::string MailboxAddress(std::string_view from);

// "Mon, 07 Dec 2026 12:00:00 +0000" (RFC 5322 section 3.3).
std::string EmailDate(Timestamp t);

}  // namespace cl
