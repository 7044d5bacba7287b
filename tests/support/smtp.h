// TestSmtp: a real SMTP server on loopback for tests (Debian's
// python3-aiosmtpd, its Mailbox handler writing a maildir): with STARTTLS
// required, under a certificate of its own CA-less self-signed key (the CA
// file the mailer is given), or plain. Messages() reads what it received.
#pragma once

#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace cl::testing {

struct ReceivedMail {
  std::string to, from, subject;
  std::string body;  // decoded from base64
  std::string raw;
};

class TestSmtp {
 public:
  // Throws if the server cannot start (aiosmtpd missing: see Available()).
  explicit TestSmtp(bool starttls);
  ~TestSmtp();
  TestSmtp(const TestSmtp&) = delete;
  TestSmtp& operator=(const TestSmtp&) = delete;

  // Whether /usr/bin/python3 has aiosmtpd (make test installs it).
  static bool Available();
  std::string url() const;  // smtp://127.0.0.1:<port>
  std::string cert_path() const { return dir_.File("smtp.pem"); }
  // Everything received so far, oldest first.
  std::vector<ReceivedMail> Messages() const;
  // Waits until at least `n` messages arrived (10 s at most); returns them.
  std::vector<ReceivedMail> WaitFor(size_t n) const;

 private:
  TempDir dir_;
  int port_ = 0;
  int pid_ = -1;
};

}  // namespace cl::testing
