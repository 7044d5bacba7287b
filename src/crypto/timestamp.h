// RFC 3161 time-stamps from OpenSSL's TS implementation: a request for a
// SHA-256 digest, the check of a time-stamp authority's answer, and the check
// of a stored token against the authority's certificate (the trust anchor
// an auditor brings). Nothing here parses ASN.1 by hand. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/crypto.h"

namespace cl::crypto {

// What a token says, once it checked out.
struct TimestampInfo {
  int64_t gen_time_micros = 0;  // the authority's time (seconds precision, UTC)
  std::string serial;           // the token's serial number, hex
  std::string policy;           // the TSA policy OID
};

// A DER TimeStampReq for `digest` (SHA-256), with a random nonce, asking
// for the authority's certificate in the answer.
struct TimestampRequest {
  std::string der;
  std::string nonce_hex;
};
TimestampRequest MakeTimestampRequest(const Sha256Digest& digest);

// Certificates trusted to issue time-stamps (PEM, one or more: the TSA's
// CA, or the TSA certificate itself). Verification checks the signer's chain
// to one of them at the token's own time, so a token outlives its
// certificate's expiry.
struct TimestampAnchors {
  std::string pem;
};

// The outcome of a check: `error` is empty when it held.
struct TimestampCheck {
  std::string error;
  std::string token_der;  // ReadTimestampResponse: the TimeStampToken to keep
  TimestampInfo info;
  bool ok() const { return error.empty(); }
};

// Checks a TSA's DER TimeStampResp to `request`: status granted, the
// request's imprint and nonce, and (with anchors) the signature and chain.
// Returns the token inside it.
TimestampCheck ReadTimestampResponse(std::string_view response_der, const TimestampRequest& request,
                                     const Sha256Digest& digest, const TimestampAnchors& anchors);

// Checks a stored TimeStampToken (DER) over `digest` against `anchors`:
// signature, signer certificate (time-stamping usage) chained to an anchor,
// imprint.
TimestampCheck VerifyTimestampToken(std::string_view token_der, const Sha256Digest& digest,
                                    const TimestampAnchors& anchors);

}  // namespace cl::crypto
