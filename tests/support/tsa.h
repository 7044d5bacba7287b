// TestTsa: a real RFC 3161 time-stamp authority for tests (`openssl ts
// -reply`, driven by tests/support/tsa.py): its own CA and TSA certificate
// in a temporary directory, answering directly or over HTTP on loopback.
#pragma once

#include <string>
#include <string_view>

#include "tests/support/temp_dir.h"

namespace cl::testing {

class TestTsa {
 public:
  TestTsa();  // creates the CA and the TSA certificate
  ~TestTsa();
  TestTsa(const TestTsa&) = delete;
  TestTsa& operator=(const TestTsa&) = delete;

  // The trust anchor verifiers take (the CA certificate, PEM).
  std::string ca_path() const { return dir_.File("ca.pem"); }
  std::string CaPem() const;
  // openssl's TimeStampResp to a DER TimeStampReq ("" if openssl refused it).
  std::string Reply(std::string_view query) const;
  // Serves HTTP on 127.0.0.1 (started on first use); the URL to POST to.
  std::string Url();
  // An outage: the service answers 503 while down.
  void SetDown(bool down) const;

 private:
  TempDir dir_;
  int pid_ = -1;
  std::string url_;
};

}  // namespace cl::testing
