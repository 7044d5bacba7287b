#include "crypto/timestamp.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstring>
#include <ctime>
#include <memory>

namespace cl::crypto {
namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using ReqPtr = std::unique_ptr<TS_REQ, Deleter<TS_REQ_free>>;
using RespPtr = std::unique_ptr<TS_RESP, Deleter<TS_RESP_free>>;
using TstInfoPtr = std::unique_ptr<TS_TST_INFO, Deleter<TS_TST_INFO_free>>;
using Pkcs7Ptr = std::unique_ptr<PKCS7, Deleter<PKCS7_free>>;
using ImprintPtr = std::unique_ptr<TS_MSG_IMPRINT, Deleter<TS_MSG_IMPRINT_free>>;
using AlgorPtr = std::unique_ptr<X509_ALGOR, Deleter<X509_ALGOR_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using AsnIntPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using CtxPtr = std::unique_ptr<TS_VERIFY_CTX, Deleter<TS_VERIFY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;

// `what`, with OpenSSL's reasons (its thread-local error queue, emptied).
std::string OpenSslError(std::string what) {
  bool first = true;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    what += first ? " (" : "; ";
    what += buf;
    first = false;
  }
  if (!first) what += ")";
  return what;
}

std::string IntegerHex(const ASN1_INTEGER* n) {
  BnPtr bn(ASN1_INTEGER_to_BN(n, nullptr));
  if (!bn) return "";
  char* hex = BN_bn2hex(bn.get());
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  return out;
}

// The token's time, policy, serial; the imprint must be SHA-256 of `digest`.
std::string ReadInfo(TS_TST_INFO* tst, const Sha256Digest& digest, TimestampInfo* info) {
  if (tst == nullptr) return "the token holds no time-stamp information";
  TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(tst);
  const ASN1_OBJECT* alg = nullptr;
  X509_ALGOR_get0(&alg, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(mi));
  if (alg == nullptr || OBJ_obj2nid(alg) != NID_sha256) return "the token does not time-stamp a SHA-256 digest";
  const ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(mi);
  if (ASN1_STRING_length(msg) != static_cast<int>(digest.size()) ||
      std::memcmp(ASN1_STRING_get0_data(msg), digest.data(), digest.size()) != 0) {
    return "the token time-stamps another digest";
  }
  std::tm tm{};
  if (ASN1_TIME_to_tm(TS_TST_INFO_get_time(tst), &tm) != 1) return "the token's time cannot be read";
  info->gen_time_micros = static_cast<int64_t>(timegm(&tm)) * 1000000;
  info->serial = IntegerHex(TS_TST_INFO_get_serial(tst));
  char oid[128] = {};
  OBJ_obj2txt(oid, sizeof oid, TS_TST_INFO_get_policy_id(tst), 1);
  info->policy = oid;
  return "";
}

// The anchors as a store that checks chains at `at_seconds`.
StorePtr AnchorStore(const TimestampAnchors& anchors, int64_t at_seconds, std::string* error) {
  StorePtr store(X509_STORE_new());
  BioPtr bio(BIO_new_mem_buf(anchors.pem.data(), static_cast<int>(anchors.pem.size())));
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store.get(), cert);
    X509_free(cert);
    ++count;
  }
  ERR_clear_error();  // the end of the PEM text reads as an error
  if (count == 0) {
    *error = "the time-stamp trust anchors hold no PEM certificate";
    return nullptr;
  }
  X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()), static_cast<time_t>(at_seconds));
  return store;
}

// Signature, signer chain and version of `token` under `anchors`, at the
// token's own time (read into `info` first).
std::string CheckSignature(PKCS7* token, const TimestampInfo& info, const TimestampAnchors& anchors) {
  std::string error;
  StorePtr store = AnchorStore(anchors, info.gen_time_micros / 1000000, &error);
  if (!store) return error;
  CtxPtr ctx(TS_VERIFY_CTX_new());
  TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_SIGNATURE | TS_VFY_VERSION);
  TS_VERIFY_CTX_set_store(ctx.get(), store.release());  // the context frees it
  if (TS_RESP_verify_token(ctx.get(), token) != 1) {
    return OpenSslError("the token's signature or signer certificate does not verify under the trust anchors");
  }
  return "";
}

// `der` decoded by `d2i`, all of it (trailing bytes are not a valid object).
template <class T, class Ptr>
Ptr DecodeWhole(std::string_view der, T* (*d2i)(T**, const unsigned char**, long)) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Ptr out(d2i(nullptr, &p, static_cast<long>(der.size())));
  if (out && p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) out.reset();
  return out;
}

// `object` encoded by `i2d` ("" if it cannot be).
template <class T>
std::string EncodeDer(const T* object, int (*i2d)(const T*, unsigned char**)) {
  unsigned char* der = nullptr;
  const int len = i2d(object, &der);
  std::string out;
  if (len > 0) out.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

// What the token `tst` (inside `token`) says, then its signature: the
// checks a fresh answer and a stored token share.
void CheckToken(PKCS7* token, TS_TST_INFO* tst, const Sha256Digest& digest, const TimestampAnchors& anchors,
                TimestampCheck* out) {
  out->error = ReadInfo(tst, digest, &out->info);
  if (out->error.empty()) out->error = CheckSignature(token, out->info, anchors);
}

}  // namespace

TimestampRequest MakeTimestampRequest(const Sha256Digest& digest) {
  TimestampRequest out;
  ReqPtr req(TS_REQ_new());
  TS_REQ_set_version(req.get(), 1);
  ImprintPtr mi(TS_MSG_IMPRINT_new());
  AlgorPtr algo(X509_ALGOR_new());
  X509_ALGOR_set0(algo.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr);
  TS_MSG_IMPRINT_set_algo(mi.get(), algo.get());  // copies
  TS_MSG_IMPRINT_set_msg(mi.get(), const_cast<uint8_t*>(digest.data()), static_cast<int>(digest.size()));
  TS_REQ_set_msg_imprint(req.get(), mi.get());  // copies
  std::vector<uint8_t> nonce = RandomBytes(8);
  nonce[0] |= 0x40;  // eight significant bytes
  nonce[0] &= 0x7f;  // positive
  BnPtr bn(BN_bin2bn(nonce.data(), static_cast<int>(nonce.size()), nullptr));
  AsnIntPtr n(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  TS_REQ_set_nonce(req.get(), n.get());  // copies
  TS_REQ_set_cert_req(req.get(), 1);
  out.der = EncodeDer<TS_REQ>(req.get(), i2d_TS_REQ);
  out.nonce_hex = IntegerHex(n.get());
  return out;
}

TimestampCheck ReadTimestampResponse(std::string_view response_der, const TimestampRequest& request,
                                     const Sha256Digest& digest, const TimestampAnchors& anchors) {
  ERR_clear_error();
  TimestampCheck out;
  RespPtr resp = DecodeWhole<TS_RESP, RespPtr>(response_der, d2i_TS_RESP);
  if (!resp) {
    out.error = OpenSslError("the answer is not a DER TimeStampResp");
    return out;
  }
  const long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp.get())));
  if (status != 0 && status != 1) {  // granted, grantedWithMods
    out.error = "the time-stamp authority refused the request (PKIStatus " + std::to_string(status) + ")";
    return out;
  }
  if (TS_RESP_get_token(resp.get()) == nullptr) {
    out.error = "the answer holds no time-stamp token";
    return out;
  }
  if (IntegerHex(TS_TST_INFO_get_nonce(TS_RESP_get_tst_info(resp.get()))) != request.nonce_hex) {
    out.error = "the time-stamp answers another request (its nonce differs)";
    return out;
  }
  CheckToken(TS_RESP_get_token(resp.get()), TS_RESP_get_tst_info(resp.get()), digest, anchors, &out);
  if (!out.ok()) return out;
  out.token_der = EncodeDer<PKCS7>(TS_RESP_get_token(resp.get()), i2d_PKCS7);
  if (out.token_der.empty()) out.error = "the token cannot be encoded";
  return out;
}

TimestampCheck VerifyTimestampToken(std::string_view token_der, const Sha256Digest& digest,
                                    const TimestampAnchors& anchors) {
  ERR_clear_error();
  TimestampCheck out;
  Pkcs7Ptr token = DecodeWhole<PKCS7, Pkcs7Ptr>(token_der, d2i_PKCS7);
  if (!token) {
    out.error = OpenSslError("the token is not a DER TimeStampToken");
    return out;
  }
  TstInfoPtr tst(PKCS7_to_TS_TST_INFO(token.get()));
  CheckToken(token.get(), tst.get(), digest, anchors, &out);
  return out;
}

}  // namespace cl::crypto
