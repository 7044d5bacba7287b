// RFC 3161 time-stamps (crypto/timestamp.h) against a real authority:
// `openssl ts -reply` with its own CA (tests/support/tsa.py).
#include "crypto/timestamp.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/tsa.h"

namespace cl::testing {
namespace {

using crypto::Sha256;
using crypto::TimestampAnchors;

class TimestampTest : public ::testing::Test {
 protected:
  TestTsa tsa_;
  TimestampAnchors anchors_{tsa_.CaPem()};
};

TEST_F(TimestampTest, AnAnswerIsCheckedAndItsTokenVerifiesLaterOverTheSameDigestOnly) {
  const auto digest = Sha256("checkpoint 42");
  const auto req = crypto::MakeTimestampRequest(digest);
  ASSERT_FALSE(req.der.empty());
  const std::string answer = tsa_.Reply(req.der);
  ASSERT_FALSE(answer.empty()) << "openssl ts -reply took the request";
  const auto got = crypto::ReadTimestampResponse(answer, req, digest, anchors_);
  ASSERT_TRUE(got.ok()) << got.error;
  const int64_t now =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_LE(std::abs(got.info.gen_time_micros - now), 5'000'000) << "the authority's time, to the second";
  EXPECT_EQ(got.info.policy, "1.3.6.1.4.1.55555.1");
  EXPECT_FALSE(got.info.serial.empty());

  const auto later = crypto::VerifyTimestampToken(got.token_der, digest, anchors_);
  ASSERT_TRUE(later.ok()) << later.error;
  EXPECT_EQ(later.info.gen_time_micros, got.info.gen_time_micros);

  const auto other = crypto::VerifyTimestampToken(got.token_der, Sha256("checkpoint 43"), anchors_);
  EXPECT_EQ(other.error, "the token time-stamps another digest");
}

TEST_F(TimestampTest, ATokenFromAnotherAuthorityOrAlteredDoesNotVerify) {
  const auto digest = Sha256("head");
  const auto req = crypto::MakeTimestampRequest(digest);
  const auto got = crypto::ReadTimestampResponse(tsa_.Reply(req.der), req, digest, anchors_);
  ASSERT_TRUE(got.ok()) << got.error;

  TestTsa stranger;
  const auto foreign = crypto::VerifyTimestampToken(got.token_der, digest, TimestampAnchors{stranger.CaPem()});
  EXPECT_NE(foreign.error.find("does not verify under the trust anchors"), std::string::npos) << foreign.error;
  const auto at_request =
      crypto::ReadTimestampResponse(tsa_.Reply(req.der), req, digest, TimestampAnchors{stranger.CaPem()});
  EXPECT_FALSE(at_request.ok()) << "the server checks the authority when it asks, too";

  // Flip a bit at every 5th byte: what still verifies (a bit in an unsigned
  // part, such as a certificate field nothing relies on) says the same.
  int verified = 0, flips = 0;
  for (size_t i = 0; i < got.token_der.size(); i += 5, ++flips) {
    std::string bad = got.token_der;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    const auto check = crypto::VerifyTimestampToken(bad, digest, anchors_);
    if (!check.ok()) continue;
    ++verified;
    EXPECT_EQ(check.info.gen_time_micros, got.info.gen_time_micros) << "byte " << i;
    EXPECT_EQ(check.info.serial, got.info.serial) << "byte " << i;
  }
  EXPECT_LT(verified, flips / 10) << "nearly every byte is signed or checked";
  EXPECT_FALSE(crypto::VerifyTimestampToken("", digest, anchors_).ok());
  EXPECT_FALSE(crypto::VerifyTimestampToken(got.token_der, digest, TimestampAnchors{"not pem"}).ok());
}

TEST_F(TimestampTest, AnAnswerToAnotherRequestOrARefusalIsNamed) {
  const auto digest = Sha256("head");
  const auto mine = crypto::MakeTimestampRequest(digest);
  const auto theirs = crypto::MakeTimestampRequest(digest);
  EXPECT_NE(mine.nonce_hex, theirs.nonce_hex);
  const auto replayed = crypto::ReadTimestampResponse(tsa_.Reply(theirs.der), mine, digest, anchors_);
  EXPECT_EQ(replayed.error, "the time-stamp answers another request (its nonce differs)");
  const auto wrong = crypto::ReadTimestampResponse(tsa_.Reply(mine.der), mine, Sha256("other"), anchors_);
  EXPECT_EQ(wrong.error, "the token time-stamps another digest");
  const auto garbage = crypto::ReadTimestampResponse("<html>busy</html>", mine, digest, anchors_);
  EXPECT_NE(garbage.error.find("not a DER TimeStampResp"), std::string::npos) << garbage.error;
}

}  // namespace
}  // namespace cl::testing
