// RFC 9162 Merkle trees: the published Certificate Transparency reference
// roots and proofs, every proof in small trees of every shape against a
// literal recursive MTH, and tampered proofs refused.
#include "crypto/merkle.h"

#include <gtest/gtest.h>

namespace cl::crypto {
namespace {

// The eight inputs of the Certificate Transparency reference tests.
std::vector<Sha256Digest> ReferenceLeaves() {
  std::vector<Sha256Digest> out;
  for (std::string_view hex :
       {"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}) {
    out.push_back(MerkleLeafHash(*FromHex(hex)));
  }
  return out;
}

const char* const kReferenceRoots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

// MTH exactly as RFC 9162 section 2.1.1 writes it.
Sha256Digest LiteralMth(std::span<const Sha256Digest> leaves) {
  if (leaves.empty()) return MerkleEmptyRoot();
  if (leaves.size() == 1) return leaves[0];
  size_t k = 1;
  while (k * 2 < leaves.size()) k *= 2;
  return MerkleNodeHash(LiteralMth(leaves.subspan(0, k)), LiteralMth(leaves.subspan(k)));
}

std::vector<std::string> Hex(const std::vector<Sha256Digest>& v) {
  std::vector<std::string> out;
  for (const auto& d : v) out.push_back(ToHex(d));
  return out;
}

TEST(MerkleTest, RootsMatchTheCertificateTransparencyReference) {
  const auto leaves = ReferenceLeaves();
  EXPECT_EQ(ToHex(MerkleEmptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  MerkleFrontier f;
  const MerkleTree tree(leaves);
  for (size_t n = 1; n <= 8; ++n) {
    f.Append(leaves[n - 1]);
    EXPECT_EQ(ToHex(f.Root()), kReferenceRoots[n - 1]) << n;
    EXPECT_EQ(ToHex(tree.Root(static_cast<int64_t>(n))), kReferenceRoots[n - 1]) << n;
  }
}

TEST(MerkleTest, ProofsMatchTheReferenceVectors) {
  const MerkleTree tree(ReferenceLeaves());
  EXPECT_EQ(Hex(tree.InclusionProof(0, 8)),
            (std::vector<std::string>{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                                      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                                      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  EXPECT_EQ(Hex(tree.InclusionProof(5, 8)),
            (std::vector<std::string>{"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                                      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                                      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
  EXPECT_EQ(Hex(tree.ConsistencyProof(6, 8)),
            (std::vector<std::string>{"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                                      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                                      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
  EXPECT_EQ(Hex(tree.ConsistencyProof(2, 5)),
            (std::vector<std::string>{"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                                      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}));
  EXPECT_TRUE(tree.ConsistencyProof(1, 1).empty());
}

TEST(MerkleTest, EveryProofInEveryTreeShapeVerifiesAndATamperedOneDoesNot) {
  std::vector<Sha256Digest> leaves;
  for (int i = 0; i < 70; ++i)
    leaves.push_back(MerkleLeafHash(std::vector<uint8_t>{static_cast<uint8_t>(i), static_cast<uint8_t>(i * 7)}));
  const MerkleTree tree(leaves);
  MerkleFrontier f;
  for (int64_t n = 1; n <= 70; ++n) {
    f.Append(leaves[static_cast<size_t>(n - 1)]);
    const Sha256Digest root = LiteralMth(std::span(leaves).subspan(0, static_cast<size_t>(n)));
    ASSERT_EQ(tree.Root(n), root) << n;
    ASSERT_EQ(f.Root(), root) << n;
    auto parsed = MerkleFrontier::Parse(f.Serialize());
    ASSERT_TRUE(parsed.has_value());
    ASSERT_EQ(parsed->Root(), root);
    for (int64_t i = 0; i < n; ++i) {
      auto path = tree.InclusionProof(i, n);
      const Sha256Digest& leaf = leaves[static_cast<size_t>(i)];
      ASSERT_TRUE(VerifyMerkleInclusion(i, n, leaf, path, root)) << i << "/" << n;
      EXPECT_FALSE(VerifyMerkleInclusion(i, n, leaves[static_cast<size_t>((i + 1) % 70)], path, root));
      if (!path.empty()) {
        path.back()[0] ^= 1;
        EXPECT_FALSE(VerifyMerkleInclusion(i, n, leaf, path, root));
      }
      if (n > 1) {
        EXPECT_FALSE(VerifyMerkleInclusion((i + 1) % n, n, leaf, tree.InclusionProof(i, n), root));
      }
    }
    for (int64_t m = 1; m <= n; ++m) {
      const Sha256Digest root_m = tree.Root(m);
      auto proof = tree.ConsistencyProof(m, n);
      ASSERT_TRUE(VerifyMerkleConsistency(m, n, root_m, root, proof)) << m << "->" << n;
      Sha256Digest other = root_m;
      other[5] ^= 1;
      EXPECT_FALSE(VerifyMerkleConsistency(m, n, other, root, proof));
      if (!proof.empty()) {
        proof[0][0] ^= 1;
        EXPECT_FALSE(VerifyMerkleConsistency(m, n, root_m, root, proof));
      }
    }
  }
}

TEST(MerkleTest, AFrontierOfTheWrongLengthDoesNotParse) {
  MerkleFrontier f;
  for (int i = 0; i < 5; ++i) f.Append(MerkleLeafHash(*FromHex("00")));
  auto bytes = f.Serialize();
  EXPECT_TRUE(MerkleFrontier::Parse(bytes).has_value());
  bytes.pop_back();
  EXPECT_FALSE(MerkleFrontier::Parse(bytes).has_value());
  EXPECT_FALSE(MerkleFrontier::Parse(std::vector<uint8_t>(3)).has_value());
}

}  // namespace
}  // namespace cl::crypto
