#include "server/signing_key.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "crypto/crypto.h"

namespace cl {
namespace {

constexpr std::string_view kHeader = "changeledger-audit-signing-key-v1 ed25519\n";

Status WriteNewKeyFile(const std::string& path, const crypto::Ed25519KeyPair& kp) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) return AlreadyExists(path);
  if (fd < 0) {
    return Unavailable(fmt::format("cannot create signing key {}: {}", path, std::strerror(errno)));
  }
  const std::string text = std::string(kHeader) + crypto::ToBase64(kp.secret_key) + "\n";
  const ssize_t n = ::write(fd, text.data(), text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size()) || !synced) {
    ::unlink(path.c_str());
    return Unavailable(fmt::format("cannot write signing key {}", path));
  }
  return Status::Ok();
}

}  // namespace

std::string DefaultSigningKeyPath(const std::string& db_path) { return db_path + ".signing-key"; }

Result<std::unique_ptr<FileSigner>> FileSigner::LoadOrCreate(const std::string& path, bool* created) {
  if (created) *created = false;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return Unavailable(fmt::format("cannot read signing key {}: {}", path, std::strerror(errno)));
    }
    const crypto::Ed25519KeyPair kp = crypto::GenerateEd25519KeyPair();
    Status s = WriteNewKeyFile(path, kp);
    if (s.code() == ErrorCode::kAlreadyExists) {
      return LoadOrCreate(path, created);  // another process won the race
    }
    CL_RETURN_IF_ERROR(s);
    if (created) *created = true;
  } else if ((st.st_mode & 077) != 0) {
    return PermissionDenied(fmt::format("signing key {} is readable by other users (mode {:o}); run: chmod 600 {}",
                                        path, st.st_mode & 0777, path));
  }
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  if (text.rfind(kHeader, 0) != 0) {
    return Status(ErrorCode::kDataLoss, fmt::format("{} is not a changeledger signing key", path));
  }
  std::string b64 = text.substr(kHeader.size());
  while (!b64.empty() && (b64.back() == '\n' || b64.back() == '\r')) b64.pop_back();
  auto secret = crypto::FromBase64(b64);
  std::optional<crypto::Ed25519KeyPair> kp;
  if (secret) kp = crypto::Ed25519FromSecretKey(*secret);
  if (!kp) return Status(ErrorCode::kDataLoss, fmt::format("signing key {} is damaged", path));
  std::unique_ptr<FileSigner> signer(new FileSigner());
  signer->public_key_ = kp->public_key;
  signer->secret_key_ = kp->secret_key;
  signer->key_id_ = KeyIdFor(signer->public_key_);
  return signer;
}

std::vector<uint8_t> FileSigner::Sign(std::string_view message) const {
  return crypto::Ed25519Sign(secret_key_, message);
}

FileSigner::~FileSigner() { crypto::SecureZero(secret_key_); }

}  // namespace cl
