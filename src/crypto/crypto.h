// Cryptographic primitives from OpenSSL (SHA-256, the fastest here) and
// libsodium (Ed25519, randomness, encodings, constant-time compare), wrapped
// so the rest of the code never touches the C APIs. Pure functions; all are
// thread-safe. Call InitCrypto() once at start-up.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cl::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

// Initializes libsodium; returns false if the library cannot be used.
bool InitCrypto();

Sha256Digest Sha256(std::string_view data);
Sha256Digest Sha256(std::span<const uint8_t> data);

// Hashes many small messages fast by reusing one OpenSSL context. Not
// thread-safe: one per thread.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  // SHA-256(a || b).
  Sha256Digest Hash2(std::span<const uint8_t> a, std::string_view b);

 private:
  void* ctx_;
};

// Incremental SHA-256 for data that arrives in pieces (files). Not thread-safe.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(std::string_view data);
  Sha256Digest Final();

 private:
  void* ctx_;
};

// Cryptographically secure random bytes.
std::vector<uint8_t> RandomBytes(size_t n);

// HMAC-SHA256 (OpenSSL) of `message` under `key`.
Sha256Digest HmacSha256(std::string_view key, std::string_view message);

// Zeroes memory in a way the compiler may not optimize away.
void SecureZero(std::span<uint8_t> bytes);

// Constant-time equality; false if lengths differ (length is not secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);
bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);

std::string ToHex(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> FromHex(std::string_view hex);
// URL-safe base64 without padding (RFC 4648 section 5).
std::string ToBase64Url(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> FromBase64Url(std::string_view text);
// Standard base64 with padding (for PEM and exports).
std::string ToBase64(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> FromBase64(std::string_view text);

// Ed25519 (libsodium). Secret keys are 64 bytes (seed || public key).
struct Ed25519KeyPair {
  std::vector<uint8_t> public_key;  // 32 bytes
  std::vector<uint8_t> secret_key;  // 64 bytes
};
Ed25519KeyPair GenerateEd25519KeyPair();
// Rebuilds a key pair from a 64-byte secret key; nullopt if malformed.
std::optional<Ed25519KeyPair> Ed25519FromSecretKey(std::span<const uint8_t> secret_key);
std::vector<uint8_t> Ed25519Sign(std::span<const uint8_t> secret_key, std::string_view message);
bool Ed25519Verify(std::span<const uint8_t> public_key, std::string_view message, std::span<const uint8_t> signature);
// PEM SubjectPublicKeyInfo, readable by `openssl pkeyutl -verify -pubin`.
std::string Ed25519PublicKeyPem(std::span<const uint8_t> public_key);

}  // namespace cl::crypto
