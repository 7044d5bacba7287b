#include "crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <stdexcept>

namespace cl::crypto {

bool InitCrypto() { return sodium_init() >= 0; }

namespace {

// SHA-256 fetched from the default provider once: EVP_sha256() makes every
// EVP_DigestInit look the implementation up again, which costs more than
// hashing a 65-byte Merkle node.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

}  // namespace

Sha256Digest Sha256(std::span<const uint8_t> data) {
  Sha256Digest out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, Sha256Md(), nullptr);
  return out;
}

Sha256Digest Sha256(std::string_view data) {
  return Sha256(std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw std::bad_alloc();
}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

Sha256Digest Sha256Hasher::Hash2(std::span<const uint8_t> a, std::string_view b) {
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  Sha256Digest out{};
  unsigned int len = 0;
  EVP_DigestInit_ex2(ctx, Sha256Md(), nullptr);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  EVP_DigestUpdate(ctx, b.data(), b.size());
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  return out;
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw std::bad_alloc();
  EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(ctx_), Sha256Md(), nullptr);
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Stream::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

Sha256Digest Sha256Stream::Final() {
  Sha256Digest out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len);
  return out;
}

std::vector<uint8_t> RandomBytes(size_t n) {
  std::vector<uint8_t> out(n);
  randombytes_buf(out.data(), n);
  return out;
}

void SecureZero(std::span<uint8_t> bytes) { sodium_memzero(bytes.data(), bytes.size()); }

bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return ConstantTimeEquals(std::span(reinterpret_cast<const uint8_t*>(a.data()), a.size()),
                            std::span(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
}

std::string ToHex(std::span<const uint8_t> bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

std::optional<std::vector<uint8_t>> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  if (hex.empty()) return std::vector<uint8_t>{};  // sodium_hex2bin must not get a null output buffer
  std::vector<uint8_t> out(hex.size() / 2);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, &end) != 0 || len != out.size() ||
      end != hex.data() + hex.size()) {
    return std::nullopt;
  }
  return out;
}

namespace {
std::string EncodeBase64(std::span<const uint8_t> bytes, int variant) {
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), variant);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::optional<std::vector<uint8_t>> DecodeBase64(std::string_view text, int variant) {
  std::vector<uint8_t> out(text.size() * 3 / 4 + 3);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end, variant) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}
}  // namespace

std::string ToBase64Url(std::span<const uint8_t> bytes) {
  return EncodeBase64(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
std::optional<std::vector<uint8_t>> FromBase64Url(std::string_view text) {
  return DecodeBase64(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
std::string ToBase64(std::span<const uint8_t> bytes) { return EncodeBase64(bytes, sodium_base64_VARIANT_ORIGINAL); }
std::optional<std::vector<uint8_t>> FromBase64(std::string_view text) {
  return DecodeBase64(text, sodium_base64_VARIANT_ORIGINAL);
}

Ed25519KeyPair GenerateEd25519KeyPair() {
  Ed25519KeyPair kp{std::vector<uint8_t>(crypto_sign_PUBLICKEYBYTES), std::vector<uint8_t>(crypto_sign_SECRETKEYBYTES)};
  crypto_sign_keypair(kp.public_key.data(), kp.secret_key.data());
  return kp;
}

std::optional<Ed25519KeyPair> Ed25519FromSecretKey(std::span<const uint8_t> secret_key) {
  if (secret_key.size() != crypto_sign_SECRETKEYBYTES) return std::nullopt;
  Ed25519KeyPair kp{std::vector<uint8_t>(crypto_sign_PUBLICKEYBYTES),
                    std::vector<uint8_t>(secret_key.begin(), secret_key.end())};
  crypto_sign_ed25519_sk_to_pk(kp.public_key.data(), secret_key.data());
  // The secret key embeds its public key; a mismatch means a damaged file.
  std::vector<uint8_t> seed(crypto_sign_SEEDBYTES);
  crypto_sign_ed25519_sk_to_seed(seed.data(), secret_key.data());
  std::vector<uint8_t> pk(crypto_sign_PUBLICKEYBYTES), sk(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  sodium_memzero(sk.data(), sk.size());
  sodium_memzero(seed.data(), seed.size());
  if (pk != kp.public_key) return std::nullopt;
  return kp;
}

std::vector<uint8_t> Ed25519Sign(std::span<const uint8_t> secret_key, std::string_view message) {
  std::vector<uint8_t> sig(crypto_sign_BYTES);
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_key.data());
  return sig;
}

bool Ed25519Verify(std::span<const uint8_t> public_key, std::string_view message, std::span<const uint8_t> signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(signature.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), public_key.data()) == 0;
}

std::string Ed25519PublicKeyPem(std::span<const uint8_t> public_key) {
  // SubjectPublicKeyInfo for Ed25519 (RFC 8410): fixed 12-byte prefix + key.
  static constexpr uint8_t kPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  std::vector<uint8_t> der(std::begin(kPrefix), std::end(kPrefix));
  der.insert(der.end(), public_key.begin(), public_key.end());
  return "-----BEGIN PUBLIC KEY-----\n" + ToBase64(der) + "\n-----END PUBLIC KEY-----\n";
}

Sha256Digest HmacSha256(std::string_view key, std::string_view message) {
  Sha256Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), out.data(), &len);
  return out;
}

}  // namespace cl::crypto
