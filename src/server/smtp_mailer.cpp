#include "server/smtp_mailer.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cstring>
#include <memory>

#include "core/email_message.h"

namespace cl {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Reader {
  const std::string* text;
  size_t at = 0;
};

size_t Read(char* buffer, size_t size, size_t count, void* user) {
  auto* r = static_cast<Reader*>(user);
  const size_t n = std::min(size * count, r->text->size() - r->at);
  std::memcpy(buffer, r->text->data() + r->at, n);
  r->at += n;
  return n;
}

bool StartsWith(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::string SmtpOptions::Problem() const {
  if (url.empty()) return "";
  if (!StartsWith(url, "smtp://") && !StartsWith(url, "smtps://")) {
    return "--smtp-url must be smtp://host[:port] (STARTTLS) or smtps://host[:port]";
  }
  if (from.empty() || MailboxAddress(from).find('@') == std::string::npos) {
    return "--smtp-from must name the sender's address (e.g. \"Changeledger <changes@example.com>\")";
  }
  if (from.find_first_of("\r\n") != std::string::npos) return "--smtp-from must be one line";
  return "";
}

Status SmtpMailer::Send(const std::string& to, const std::string& message) const {
  std::unique_ptr<CURL, CurlDeleter> c(curl_easy_init());
  if (!c) return Internal("curl init failed");
  CURL* h = c.get();
  const std::string sender = fmt::format("<{}>", MailboxAddress(o_.from));
  std::unique_ptr<curl_slist, SlistDeleter> rcpt(curl_slist_append(nullptr, fmt::format("<{}>", to).c_str()));
  Reader reader{&message};
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_URL, o_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_USE_SSL, o_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  if (!o_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o_.ca_file.c_str());
  if (!o_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, o_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, o_.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, sender.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, Read);
  curl_easy_setopt(h, CURLOPT_READDATA, &reader);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o_.timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) return Status::Ok();
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  std::string why = error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(rc));
  if (code != 0) why = fmt::format("{} (relay answered {})", why, code);
  return Unavailable(why);
}

}  // namespace cl
