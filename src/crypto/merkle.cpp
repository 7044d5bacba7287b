#include "crypto/merkle.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace cl::crypto {
namespace {

// One reused OpenSSL context per thread: node hashes are tiny, and creating
// a context costs more than hashing 65 bytes.
Sha256Hasher& ThreadHasher() {
  thread_local Sha256Hasher hasher;
  return hasher;
}

// The largest power of two smaller than n (n >= 2).
int64_t SplitPoint(int64_t n) { return int64_t{1} << (63 - std::countl_zero(static_cast<uint64_t>(n - 1))); }

bool IsPowerOfTwo(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

}  // namespace

Sha256Digest MerkleLeafHash(std::span<const uint8_t> entry) {
  static constexpr uint8_t kLeaf[1] = {0x00};
  return ThreadHasher().Hash2(kLeaf, std::string_view(reinterpret_cast<const char*>(entry.data()), entry.size()));
}

Sha256Digest MerkleNodeHash(const Sha256Digest& left, const Sha256Digest& right) {
  uint8_t buf[65];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), 32);
  std::memcpy(buf + 33, right.data(), 32);
  return ThreadHasher().Hash2(buf, {});
}

Sha256Digest MerkleEmptyRoot() { return Sha256(std::string_view()); }

void MerkleFrontier::Append(const Sha256Digest& leaf_hash) {
  Sha256Digest h = leaf_hash;
  for (int64_t s = size_; (s & 1) != 0; s >>= 1) {
    h = MerkleNodeHash(nodes_.back(), h);
    nodes_.pop_back();
  }
  nodes_.push_back(h);
  ++size_;
}

Sha256Digest MerkleFrontier::Root() const {
  if (nodes_.empty()) return MerkleEmptyRoot();
  Sha256Digest acc = nodes_.back();
  for (size_t i = nodes_.size() - 1; i-- > 0;) acc = MerkleNodeHash(nodes_[i], acc);
  return acc;
}

std::vector<uint8_t> MerkleFrontier::Serialize() const {
  std::vector<uint8_t> out(8 + 32 * nodes_.size());
  for (int i = 0; i < 8; ++i)
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(static_cast<uint64_t>(size_) >> (56 - 8 * i));
  for (size_t i = 0; i < nodes_.size(); ++i) std::memcpy(out.data() + 8 + 32 * i, nodes_[i].data(), 32);
  return out;
}

std::optional<MerkleFrontier> MerkleFrontier::Parse(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8) return std::nullopt;
  uint64_t size = 0;
  for (size_t i = 0; i < 8; ++i) size = (size << 8) | bytes[i];
  if (size > static_cast<uint64_t>(INT64_MAX) || bytes.size() != 8 + 32 * static_cast<size_t>(std::popcount(size))) {
    return std::nullopt;
  }
  MerkleFrontier f;
  f.size_ = static_cast<int64_t>(size);
  f.nodes_.resize(static_cast<size_t>(std::popcount(size)));
  for (size_t i = 0; i < f.nodes_.size(); ++i) std::memcpy(f.nodes_[i].data(), bytes.data() + 8 + 32 * i, 32);
  return f;
}

MerkleTree::MerkleTree(std::vector<Sha256Digest> leaf_hashes) {
  levels_.push_back(std::move(leaf_hashes));
  while (levels_.back().size() > 1) {
    const std::vector<Sha256Digest>& below = levels_.back();
    std::vector<Sha256Digest> up(below.size() / 2);
    for (size_t i = 0; i < up.size(); ++i) up[i] = MerkleNodeHash(below[2 * i], below[2 * i + 1]);
    levels_.push_back(std::move(up));
  }
}

Sha256Digest MerkleTree::Subtree(int64_t lo, int64_t hi) const {
  const int64_t n = hi - lo;
  if (IsPowerOfTwo(n) && lo % n == 0) {
    const int level = std::countr_zero(static_cast<uint64_t>(n));
    return levels_[static_cast<size_t>(level)][static_cast<size_t>(lo >> level)];
  }
  const int64_t k = SplitPoint(n);
  return MerkleNodeHash(Subtree(lo, lo + k), Subtree(lo + k, hi));
}

Sha256Digest MerkleTree::Root(int64_t n) const { return n == 0 ? MerkleEmptyRoot() : Subtree(0, n); }

void MerkleTree::Path(int64_t index, int64_t lo, int64_t hi, std::vector<Sha256Digest>& out) const {
  if (hi - lo <= 1) return;
  const int64_t k = SplitPoint(hi - lo);
  if (index < lo + k) {
    Path(index, lo, lo + k, out);
    out.push_back(Subtree(lo + k, hi));
  } else {
    Path(index, lo + k, hi, out);
    out.push_back(Subtree(lo, lo + k));
  }
}

std::vector<Sha256Digest> MerkleTree::InclusionProof(int64_t index, int64_t n) const {
  std::vector<Sha256Digest> out;
  if (index >= 0 && index < n && n <= size()) Path(index, 0, n, out);
  return out;
}

void MerkleTree::SubProof(int64_t m, int64_t lo, int64_t hi, bool whole, std::vector<Sha256Digest>& out) const {
  const int64_t n = hi - lo;
  if (m == n) {
    if (!whole) out.push_back(Subtree(lo, hi));
    return;
  }
  const int64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(m, lo, lo + k, whole, out);
    out.push_back(Subtree(lo + k, hi));
  } else {
    SubProof(m - k, lo + k, hi, false, out);
    out.push_back(Subtree(lo, lo + k));
  }
}

std::vector<Sha256Digest> MerkleTree::ConsistencyProof(int64_t m, int64_t n) const {
  std::vector<Sha256Digest> out;
  if (m > 0 && m <= n && n <= size()) SubProof(m, 0, n, true, out);
  return out;
}

bool VerifyMerkleInclusion(int64_t index, int64_t tree_size, const Sha256Digest& leaf_hash,
                           std::span<const Sha256Digest> path, const Sha256Digest& root) {
  if (index < 0 || index >= tree_size) return false;
  uint64_t fn = static_cast<uint64_t>(index), sn = static_cast<uint64_t>(tree_size - 1);
  Sha256Digest r = leaf_hash;
  for (const Sha256Digest& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = MerkleNodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyMerkleConsistency(int64_t m, int64_t n, const Sha256Digest& root_m, const Sha256Digest& root_n,
                             std::span<const Sha256Digest> proof) {
  if (m <= 0 || m > n) return false;
  if (m == n) return proof.empty() && root_m == root_n;
  if (proof.empty()) return false;
  std::vector<Sha256Digest> path;
  if (IsPowerOfTwo(m)) path.push_back(root_m);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = static_cast<uint64_t>(m - 1), sn = static_cast<uint64_t>(n - 1);
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Sha256Digest fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Sha256Digest& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = MerkleNodeHash(c, fr);
      sr = MerkleNodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = MerkleNodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == root_m && sr == root_n && sn == 0;
}

}  // namespace cl::crypto
