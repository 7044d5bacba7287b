#include "server/audit_witness.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/audit_checkpoint.h"
#include "core/json_input.h"
#include "server/outbound_http.h"

namespace cl {
namespace {

constexpr size_t kMaxPage = kWitnessMaxBatch * kWitnessMaxLine;

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Unavailable(std::string("cannot write: ") + std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

std::string Lines(const std::vector<AuditCheckpoint>& batch) {
  std::string text;
  for (const AuditCheckpoint& cp : batch) text += CheckpointJson(cp).dump() + "\n";
  return text;
}

class FileWitness final : public AuditWitness {
 public:
  FileWitness(std::string path, std::unique_ptr<AppendOnlyFile> file, std::optional<AuditCheckpoint> last)
      : AuditWitness(std::move(path)), file_(std::move(file)) {
    last_ = std::move(last);
    known_ = true;
  }
  Result<std::vector<WitnessedCheckpoint>> ReadAll() const override { return ReadWitnessFile(name()); }

 private:
  Status Learn() override { return Status::Ok(); }
  Status Deliver(const std::vector<AuditCheckpoint>& batch) override {
    auto appended = file_->Append(Lines(batch));
    if (!appended.ok()) return Unavailable(fmt::format("witness file {}: {}", name(), appended.status().message()));
    return Status::Ok();
  }
  std::unique_ptr<AppendOnlyFile> file_;
};

// The witness service's protocol (docs/audit.md): POST {base}/v1/checkpoints
// with checkpoint lines and a bearer token; GET {base}/v1/checkpoints/latest;
// GET {base}/v1/checkpoints?after=SEQ&limit=N for the lines after SEQ.
class UrlWitness final : public AuditWitness {
 public:
  UrlWitness(std::string url, std::string token, const OutboundHttp& client)
      : AuditWitness(url), base_(std::move(url)), token_(std::move(token)), client_(client) {
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
  }

  Result<std::vector<WitnessedCheckpoint>> ReadAll() const override {
    std::vector<WitnessedCheckpoint> all;
    int64_t after = 0;
    for (;;) {
      CL_ASSIGN_OR_RETURN(
          OutboundHttp::Outcome o,
          Get(fmt::format("{}/v1/checkpoints?after={}&limit={}", base_, after, kWitnessMaxBatch), kMaxPage));
      CL_ASSIGN_OR_RETURN(std::vector<AuditCheckpoint> page, ParseWitnessLines(o.body, name(), false));
      if (page.empty()) return all;
      for (AuditCheckpoint& cp : page) {
        if (cp.seq <= after) return Malformed(fmt::format("the witness {} answered out of order", name()));
        after = cp.seq;
        all.push_back({std::move(cp), name()});
      }
    }
  }

  // Asks at once (Open), without failing: a witness that is down now is
  // asked again, and caught up with, by Publish once it is back.
  void TryLearn() { (void)Learn(); }

 private:
  Result<OutboundHttp::Outcome> Get(const std::string& url, size_t keep) const {
    OutboundHttp::Request r;
    r.method = "GET";
    r.url = url;
    r.headers = {"Accept: application/x-ndjson"};
    r.keep_body = keep;
    OutboundHttp::Outcome o = client_.Send(r);
    if (o.status == 404) return o;
    if (!o.error.empty()) return Unavailable(fmt::format("witness {}: {}", name(), o.error));
    return o;
  }

  Status Learn() override {
    CL_ASSIGN_OR_RETURN(OutboundHttp::Outcome o, Get(base_ + "/v1/checkpoints/latest", kWitnessMaxLine));
    if (o.status == 404) {
      last_.reset();
    } else {
      auto cp = ParseWitnessLine(o.body);
      if (!cp.ok())
        return Malformed(fmt::format("witness {}: its newest checkpoint: {}", name(), cp.status().message()));
      last_ = std::move(cp).value();
    }
    known_ = true;
    return Status::Ok();
  }

  Status Deliver(const std::vector<AuditCheckpoint>& batch) override {
    const std::string body = Lines(batch);
    OutboundHttp::Request r;
    r.url = base_ + "/v1/checkpoints";
    r.headers = {"Content-Type: application/x-ndjson", "Authorization: Bearer " + token_};
    r.body = body;
    r.keep_body = 64 * 1024;
    OutboundHttp::Outcome o = client_.Send(r);
    if (o.error.empty()) return Status::Ok();
    if (o.status == 409) {
      // It holds checkpoints this log does not continue: learn them again
      // next time (another server may have published), and say why.
      known_ = false;
      std::string detail;
      if (auto j = ParseJsonInput(o.body, JsonLimits{.max_depth = 4, .max_values = 64});
          j.ok() && j->is_object() && j->contains("detail") && (*j)["detail"].is_string()) {
        detail = (*j)["detail"].get<std::string>();
      }
      return Status(ErrorCode::kDataLoss, fmt::format("the witness {} refuses the log's checkpoints: {}", name(),
                                                      detail.empty() ? o.error : detail));
    }
    if (o.status == 401 || o.status == 403) {
      return Unauthenticated(fmt::format("the witness {} refuses the token ({})", name(), o.error));
    }
    return Unavailable(fmt::format("witness {}: {}", name(), o.error));
  }

  std::string base_;
  std::string token_;
  const OutboundHttp& client_;
};

}  // namespace

Result<AuditCheckpoint> ParseWitnessLine(std::string_view line) {
  if (line.size() > kWitnessMaxLine) return Malformed("line too long");
  CL_ASSIGN_OR_RETURN(nlohmann::json j, ParseJsonInput(line, JsonLimits{.max_depth = 4, .max_values = 64}));
  return ParseCheckpointJson(j);
}

Result<std::vector<AuditCheckpoint>> ParseWitnessLines(std::string_view text, const std::string& source,
                                                       bool tolerate_cut_last) {
  std::vector<AuditCheckpoint> out;
  int64_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    const bool last = nl == std::string_view::npos;  // no newline after it: possibly cut short
    const std::string_view line = text.substr(0, nl);
    text = last ? std::string_view() : text.substr(nl + 1);
    if (line.empty()) continue;
    Result<AuditCheckpoint> cp = ParseWitnessLine(line);
    if (!cp.ok()) {
      if (last && tolerate_cut_last) break;
      return Malformed(fmt::format("{} line {} is not a checkpoint: {}", source, line_no, cp.status().message()));
    }
    out.push_back(std::move(cp).value());
  }
  return out;
}

Result<std::vector<WitnessedCheckpoint>> ReadWitnessFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read the witness file " + path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CL_ASSIGN_OR_RETURN(std::vector<AuditCheckpoint> held, ParseWitnessLines(text, path, true));
  std::vector<WitnessedCheckpoint> out;
  out.reserve(held.size());
  for (AuditCheckpoint& cp : held) out.push_back({std::move(cp), path});
  return out;
}

bool IsWitnessUrl(const std::string& where) { return where.starts_with("http://") || where.starts_with("https://"); }

Result<std::unique_ptr<AuditWitness>> OpenAuditWitness(const std::string& where, const std::string& token,
                                                       const OutboundHttp& client) {
  if (IsWitnessUrl(where)) {
    if (token.empty()) {
      return InvalidArgument(
          fmt::format("the witness {} needs a token for publishing (--audit-witness-token-file)", where));
    }
    CL_RETURN_IF_ERROR(client.CheckUrl(where));
    auto w = std::make_unique<UrlWitness>(where, token, client);
    w->TryLearn();
    return std::unique_ptr<AuditWitness>(std::move(w));
  }
  CL_ASSIGN_OR_RETURN(std::unique_ptr<AppendOnlyFile> file, AppendOnlyFile::Open(where));
  CL_ASSIGN_OR_RETURN(std::vector<WitnessedCheckpoint> held, ReadWitnessFile(where));
  std::optional<AuditCheckpoint> last;
  if (!held.empty()) last = held.back().checkpoint;
  return std::unique_ptr<AuditWitness>(std::make_unique<FileWitness>(where, std::move(file), std::move(last)));
}

Result<std::vector<WitnessedCheckpoint>> ReadWitness(const std::string& where, const OutboundHttp& client) {
  if (!IsWitnessUrl(where)) return ReadWitnessFile(where);
  CL_RETURN_IF_ERROR(client.CheckUrl(where));
  return UrlWitness(where, "", client).ReadAll();
}

Result<int64_t> AuditWitness::Publish(Store& store) {
  if (!known_) {
    CL_RETURN_IF_ERROR(Learn());
    // What it holds now (first contact, or after it refused a batch) must
    // still be in the log, else the log was cut or rewritten since.
    std::optional<std::string> problem;
    CL_RETURN_IF_ERROR(store.Read([&](Tx& tx) -> Status {
      problem = Contradiction(tx);
      return Status::Ok();
    }));
    if (problem) return Status(ErrorCode::kDataLoss, *problem);
  }
  int64_t published = 0;
  for (;;) {
    std::vector<AuditCheckpoint> batch;
    CL_RETURN_IF_ERROR(store.Read([&](Tx& tx) -> Status {
      CL_ASSIGN_OR_RETURN(batch, tx.Audit().Checkpoints(last_ ? last_->seq : 0, kWitnessMaxBatch));
      return Status::Ok();
    }));
    if (batch.empty()) return published;
    CL_RETURN_IF_ERROR(Deliver(batch));
    last_ = batch.back();
    published += static_cast<int64_t>(batch.size());
  }
}

std::optional<std::string> AuditWitness::Contradiction(Tx& tx) const {
  if (!last_) return std::nullopt;
  auto found = tx.Audit().Checkpoints(last_->seq - 1, 1);
  if (!found.ok()) return "cannot read the audit checkpoints: " + found.status().message();
  if (found->empty() || found->front().seq != last_->seq) {
    return fmt::format(
        "the database has no checkpoint at seq {}, which the witness {} holds: events were "
        "cut or rewritten since, or an older backup was restored",
        last_->seq, name());
  }
  if (CheckpointMessage(found->front()) != CheckpointMessage(*last_)) {
    return fmt::format(
        "the checkpoint at seq {} differs from the one the witness {} holds: the log was "
        "rewritten and signed again",
        last_->seq, name());
  }
  return std::nullopt;
}

Result<std::unique_ptr<AppendOnlyFile>> AppendOnlyFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  std::unique_ptr<AppendOnlyFile> f(new AppendOnlyFile(path, fd));
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Unavailable(fmt::format("cannot stat {}: {}", path, std::strerror(errno)));
  f->size_ = st.st_size;
  if (st.st_size > 0) {
    char c = 0;
    if (::pread(fd, &c, 1, st.st_size - 1) != 1) {
      return Unavailable(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    }
    f->needs_newline_ = c != '\n';
  }
  return f;
}

AppendOnlyFile::~AppendOnlyFile() { ::close(fd_); }

Result<int64_t> AppendOnlyFile::Append(std::string_view text) {
  std::string data = needs_newline_ ? "\n" : "";
  data += text;
  Status s = WriteAll(fd_, data);
  if (s.ok() && ::fdatasync(fd_) != 0) s = Unavailable(std::string("cannot sync: ") + std::strerror(errno));
  if (!s.ok()) {
    // What reached the file is unknown: find the end again before the next try.
    struct stat st {};
    if (::fstat(fd_, &st) == 0) size_ = st.st_size;
    char c = '\n';
    needs_newline_ = size_ > 0 && ::pread(fd_, &c, 1, size_ - 1) == 1 && c != '\n';
    return s;
  }
  const int64_t start = size_ + (needs_newline_ ? 1 : 0);
  size_ += static_cast<int64_t>(data.size());
  needs_newline_ = false;
  return start;
}

}  // namespace cl
