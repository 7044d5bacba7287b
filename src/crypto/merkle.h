// Merkle trees with the hashing of RFC 9162 (Certificate Transparency 2.0),
// section 2.1: leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left ||
// right), and its inclusion and consistency proofs with their verification.
// MerkleFrontier grows a tree one leaf at a time in O(log n) memory;
// MerkleTree holds every level to answer proofs. Values; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "crypto/crypto.h"

namespace cl::crypto {

Sha256Digest MerkleLeafHash(std::span<const uint8_t> entry);
Sha256Digest MerkleNodeHash(const Sha256Digest& left, const Sha256Digest& right);
// MTH of the empty tree: SHA-256 of no bytes.
Sha256Digest MerkleEmptyRoot();

// The right edge of a tree: the roots of its perfect subtrees, largest
// first, one per 1-bit of the size. Appending is amortized one node hash.
class MerkleFrontier {
 public:
  void Append(const Sha256Digest& leaf_hash);
  int64_t size() const { return size_; }
  Sha256Digest Root() const;
  // 8-byte big-endian size, then the subtree roots: stored beside a
  // checkpoint so the next one extends the tree without rereading it all.
  std::vector<uint8_t> Serialize() const;
  static std::optional<MerkleFrontier> Parse(std::span<const uint8_t> bytes);

 private:
  int64_t size_ = 0;
  std::vector<Sha256Digest> nodes_;
};

// A whole tree over leaf hashes, every level kept (about 64 bytes a leaf).
class MerkleTree {
 public:
  explicit MerkleTree(std::vector<Sha256Digest> leaf_hashes);
  int64_t size() const { return static_cast<int64_t>(levels_[0].size()); }
  // MTH of the first n leaves (0 < n <= size()).
  Sha256Digest Root(int64_t n) const;
  // RFC 9162 PATH(index, D[0:n]): the audit path of leaf `index`, leaf first.
  std::vector<Sha256Digest> InclusionProof(int64_t index, int64_t n) const;
  // RFC 9162 PROOF(m, D[0:n]) for 0 < m <= n.
  std::vector<Sha256Digest> ConsistencyProof(int64_t m, int64_t n) const;

 private:
  Sha256Digest Subtree(int64_t lo, int64_t hi) const;
  void Path(int64_t index, int64_t lo, int64_t hi, std::vector<Sha256Digest>& out) const;
  void SubProof(int64_t m, int64_t lo, int64_t hi, bool whole, std::vector<Sha256Digest>& out) const;

  // levels_[k][i] = MTH of leaves [i * 2^k, (i + 1) * 2^k).
  std::vector<std::vector<Sha256Digest>> levels_;
};

// RFC 9162 section 2.1.3.2.
bool VerifyMerkleInclusion(int64_t index, int64_t tree_size, const Sha256Digest& leaf_hash,
                           std::span<const Sha256Digest> path, const Sha256Digest& root);
// RFC 9162 section 2.1.4.2 (and m == n with an empty proof and equal roots).
bool VerifyMerkleConsistency(int64_t m, int64_t n, const Sha256Digest& root_m, const Sha256Digest& root_n,
                             std::span<const Sha256Digest> proof);

}  // namespace cl::crypto
