#include "cli/audit_witness.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/audit_checkpoint.h"
#include "core/json_input.h"

namespace cl {
namespace {

// A checkpoint line is about 400 bytes; anything far longer is not one.
constexpr size_t kMaxLine = 16 * 1024;

Result<AuditCheckpoint> ParseLine(std::string_view line) {
  CL_ASSIGN_OR_RETURN(nlohmann::json j, ParseJsonInput(line, JsonLimits{.max_depth = 4, .max_values = 64}));
  return ParseCheckpointJson(j);
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Unavailable(std::string("cannot write: ") + std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<WitnessedCheckpoint>> ReadWitnessFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read the witness file " + path);
  std::vector<WitnessedCheckpoint> out;
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const bool last = in.eof();  // no newline after it: possibly cut short
    if (line.empty()) continue;
    Result<AuditCheckpoint> cp =
        line.size() > kMaxLine ? Result<AuditCheckpoint>(Malformed("line too long")) : ParseLine(line);
    if (!cp.ok()) {
      if (last) break;
      return Malformed(fmt::format("{} line {} is not a checkpoint: {}", path, line_no, cp.status().message()));
    }
    out.push_back({std::move(cp).value(), path});
  }
  return out;
}

Result<std::unique_ptr<AuditWitnessFile>> AuditWitnessFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable(fmt::format("cannot open the witness file {}: {}", path, std::strerror(errno)));
  std::unique_ptr<AuditWitnessFile> w(new AuditWitnessFile(path, fd));
  CL_ASSIGN_OR_RETURN(std::vector<WitnessedCheckpoint> held, ReadWitnessFile(path));
  if (!held.empty()) w->last_ = held.back().checkpoint;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(-1, std::ios::end);
    w->needs_newline_ = in.get() != '\n';
  }
  return w;
}

AuditWitnessFile::~AuditWitnessFile() { ::close(fd_); }

Result<int64_t> AuditWitnessFile::Publish(Store& store) {
  int64_t published = 0;
  for (;;) {
    std::vector<AuditCheckpoint> batch;
    CL_RETURN_IF_ERROR(store.Read([&](Tx& tx) -> Status {
      CL_ASSIGN_OR_RETURN(batch, tx.Audit().Checkpoints(last_ ? last_->seq : 0, 1000));
      return Status::Ok();
    }));
    if (batch.empty()) return published;
    std::string text = needs_newline_ ? "\n" : "";
    for (const AuditCheckpoint& cp : batch) text += CheckpointJson(cp).dump() + "\n";
    Status s = WriteAll(fd_, text);
    if (s.ok() && ::fdatasync(fd_) != 0) s = Unavailable(std::string("cannot sync: ") + std::strerror(errno));
    if (!s.ok()) return Unavailable(fmt::format("witness file {}: {}", path_, s.message()));
    needs_newline_ = false;
    last_ = batch.back();
    published += static_cast<int64_t>(batch.size());
  }
}

std::optional<std::string> AuditWitnessFile::Contradiction(Tx& tx) const {
  if (!last_) return std::nullopt;
  auto found = tx.Audit().Checkpoints(last_->seq - 1, 1);
  if (!found.ok()) return "cannot read the audit checkpoints: " + found.status().message();
  if (found->empty() || found->front().seq != last_->seq) {
    return fmt::format("the database has no checkpoint at seq {}, which the witness file {} holds: events were "
                       "cut or rewritten since, or an older backup was restored",
                       last_->seq, path_);
  }
  if (CheckpointMessage(found->front()) != CheckpointMessage(*last_)) {
    return fmt::format("the checkpoint at seq {} differs from the one the witness file {} holds: the log was "
                       "rewritten and signed again",
                       last_->seq, path_);
  }
  return std::nullopt;
}

}  // namespace cl
