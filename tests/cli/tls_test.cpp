// Built-in TLS (serve --tls-cert/--tls-key): HTTPS with certificate
// verification by the CLI's client, HSTS, TLS 1.2 as the floor, and a
// certificate renewed in place taking effect on SIGHUP without a restart.
// Certificates are made by Debian's openssl, as an operator would.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "tests/support/http.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace cl::testing {
namespace {

// Runs a shell command; returns its standard output ("" and a failure on a
// non-zero exit unless `may_fail`).
std::string Shell(const std::string& command, bool may_fail = false) {
  std::string out;
  FILE* p = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  if (!may_fail) {
    EXPECT_EQ(rc, 0) << command;
  }
  return out;
}

// A self-signed certificate for 127.0.0.1 with its key; returns its serial.
std::string MakeCertificate(const std::string& cert, const std::string& key, const std::string& cn) {
  Shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=" + cn +
        " -addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert);
  return Shell("openssl x509 -noout -serial -in " + cert);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = dir_.File("server.crt");
    key_ = dir_.File("server.key");
    serial_ = MakeCertificate(cert_, key_, "first");
    ASSERT_FALSE(serial_.empty());
    server_ =
        std::make_unique<ChildProcess>(std::vector<std::string>{"serve", "--db", dir_.File("cl.db"), "--listen",
                                                                "127.0.0.1:0", "--tls-cert", cert_, "--tls-key", key_},
                                       dir_.path().string());
    const std::string out = server_->WaitForOutput(" serving https://");
    ASSERT_FALSE(out.empty()) << server_->Stdout() << server_->Stderr();
    url_ = WordAfter(out, " serving ");
    port_ = url_.substr(url_.rfind(':') + 1);
  }
  void TearDown() override {
    server_->Signal(SIGTERM);
    EXPECT_EQ(server_->Wait(), 0) << server_->Stderr();
  }
  // The serial of the certificate a new connection is shown.
  std::string ServedSerial() {
    return Shell("openssl s_client -connect 127.0.0.1:" + port_ + " </dev/null | openssl x509 -noout -serial", true);
  }

  TempDir dir_;
  std::string cert_, key_, serial_, url_, port_;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(TlsTest, ServesHttpsWithHstsAndVerifiedCertificates) {
  ASSERT_EQ(setenv("CHANGELEDGER_CA_CERT", cert_.c_str(), 1), 0);
  Reply health = Http(url_).Get("/healthz");
  unsetenv("CHANGELEDGER_CA_CERT");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.Header("strict-transport-security"), "max-age=31536000");
  // Without trusting the CA the client refuses the server (no silent downgrade).
  EXPECT_NE(Http(url_).Get("/healthz").status, 200);
  // Plain HTTP on the TLS port gets no answer.
  EXPECT_EQ(RawExchange(static_cast<uint16_t>(std::stoi(port_)), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 3000)
                .find("200 OK"),
            std::string::npos);
  // TLS 1.2 is the floor.
  EXPECT_NE(Shell("openssl s_client -tls1_2 -connect 127.0.0.1:" + port_ + " </dev/null", true).find("Protocol"),
            std::string::npos);
  EXPECT_EQ(
      Shell("openssl s_client -tls1_1 -cipher DEFAULT@SECLEVEL=0 -connect 127.0.0.1:" + port_ + " </dev/null", true)
          .find("BEGIN CERTIFICATE"),
      std::string::npos);
}

TEST_F(TlsTest, SighupLoadsARenewedCertificateAndKeepsTheOldOneOnError) {
  EXPECT_EQ(ServedSerial(), serial_);
  // A renewal written in place, then SIGHUP.
  const std::string renewed = MakeCertificate(cert_, key_, "renewed");
  ASSERT_NE(renewed, serial_);
  server_->Signal(SIGHUP);
  std::string served;
  for (int i = 0; i < 50 && served != renewed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    served = ServedSerial();
  }
  EXPECT_EQ(served, renewed) << server_->Stderr();
  // A broken file: the server says so and keeps serving the renewed one.
  std::filesystem::resize_file(cert_, 100);
  server_->Signal(SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_NE(server_->Stderr().find("TLS reload failed"), std::string::npos) << server_->Stderr();
  EXPECT_EQ(ServedSerial(), renewed);
}

}  // namespace
}  // namespace cl::testing
