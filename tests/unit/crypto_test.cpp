#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "crypto/password_hash.h"

namespace cl::crypto {
namespace {

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitCrypto()); }
};

TEST_F(CryptoTest, Sha256MatchesKnownVectors) {
  EXPECT_EQ(ToHex(Sha256(std::string_view("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Sha256(std::string_view(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256Hasher h;
  const std::vector<uint8_t> a = {'a'};
  EXPECT_EQ(h.Hash2(a, "bc"), Sha256(std::string_view("abc")));
  Sha256Stream s;
  s.Update("a");
  s.Update("bc");
  EXPECT_EQ(s.Final(), Sha256(std::string_view("abc")));
}

TEST_F(CryptoTest, EncodingsRoundTripAndRejectGarbage) {
  const std::vector<uint8_t> bytes = {0x00, 0xFB, 0xFF, 0x10, 0x7E};
  EXPECT_EQ(FromHex(ToHex(bytes)), bytes);
  EXPECT_EQ(FromBase64Url(ToBase64Url(bytes)), bytes);
  EXPECT_EQ(FromBase64(ToBase64(bytes)), bytes);
  EXPECT_EQ(ToBase64Url(bytes).find_first_of("+/="), std::string::npos);
  EXPECT_FALSE(FromHex("abc").has_value());
  EXPECT_FALSE(FromHex("zz").has_value());
  EXPECT_EQ(FromHex(""), std::vector<uint8_t>{}) << "empty hex is zero bytes (and no null buffer reaches libsodium)";
  EXPECT_FALSE(FromBase64Url("a+b/").has_value());
}

TEST_F(CryptoTest, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals(std::string_view("secret"), std::string_view("secret")));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("secret"), std::string_view("secreT")));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("secret"), std::string_view("secret2")));
}

TEST_F(CryptoTest, Ed25519SignaturesVerifyOnlyForTheSignedMessageAndKey) {
  const Ed25519KeyPair kp = GenerateEd25519KeyPair();
  const auto sig = Ed25519Sign(kp.secret_key, "checkpoint 42");
  EXPECT_TRUE(Ed25519Verify(kp.public_key, "checkpoint 42", sig));
  EXPECT_FALSE(Ed25519Verify(kp.public_key, "checkpoint 43", sig));
  const Ed25519KeyPair other = GenerateEd25519KeyPair();
  EXPECT_FALSE(Ed25519Verify(other.public_key, "checkpoint 42", sig));
  auto bad = sig;
  bad[0] ^= 1;
  EXPECT_FALSE(Ed25519Verify(kp.public_key, "checkpoint 42", bad));
}

TEST_F(CryptoTest, Ed25519KeyRebuildsFromSecretAndRejectsDamage) {
  const Ed25519KeyPair kp = GenerateEd25519KeyPair();
  auto again = Ed25519FromSecretKey(kp.secret_key);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->public_key, kp.public_key);
  auto damaged = kp.secret_key;
  damaged[40] ^= 0x55;  // inside the embedded public key
  EXPECT_FALSE(Ed25519FromSecretKey(damaged).has_value());
  EXPECT_FALSE(Ed25519FromSecretKey(std::vector<uint8_t>(10)).has_value());
}

TEST_F(CryptoTest, PublicKeyPemIsSubjectPublicKeyInfo) {
  const Ed25519KeyPair kp = GenerateEd25519KeyPair();
  const std::string pem = Ed25519PublicKeyPem(kp.public_key);
  EXPECT_EQ(pem.rfind("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA", 0), 0u) << pem;
}

TEST_F(CryptoTest, Argon2idHashesVerifyOnlyTheRightPassword) {
  const Argon2Params params;
  auto hash = HashPassword("correct horse battery", params);
  ASSERT_TRUE(hash.has_value());
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword("correct horse battery", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse batterY", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery", "plaintext"));
  auto again = HashPassword("correct horse battery", params);
  EXPECT_NE(*again, *hash) << "salts must differ";
  EXPECT_FALSE(NeedsRehash(*hash, params));
  EXPECT_TRUE(NeedsRehash(*hash, Argon2Params{64 * 1024, 3, 1}));
}

}  // namespace
}  // namespace cl::crypto
