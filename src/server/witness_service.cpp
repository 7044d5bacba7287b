#include "server/witness_service.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>

#include "core/audit_checkpoint.h"
#include "crypto/crypto.h"
#include "http/message.h"
#include "http/problem.h"
#include "http/server.h"
#include "platform/log.h"
#include "server/audit_witness.h"
#include "server/text_file.h"

namespace cl {
namespace {

// The witness's file and an index of it (seq, offset, length per line).
// Thread-safe.
class WitnessLedger {
 public:
  static Result<std::unique_ptr<WitnessLedger>> Open(const std::string& path) {
    std::unique_ptr<WitnessLedger> l(new WitnessLedger());
    CL_ASSIGN_OR_RETURN(l->file_, AppendOnlyFile::Open(path));
    l->read_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (l->read_fd_ < 0) return Unavailable(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    CL_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, size_t{1} << 40));
    // The file itself must be one unbroken chain: an edited file is not a witness.
    size_t offset = 0;
    int64_t line_no = 0;
    while (offset < text.size()) {
      ++line_no;
      size_t nl = text.find('\n', offset);
      const bool cut = nl == std::string::npos;  // a crash while appending: skipped, ended on the next append
      if (cut) nl = text.size();
      const std::string_view line(text.data() + offset, nl - offset);
      if (!line.empty()) {
        auto cp = ParseWitnessLine(line);
        if (!cp.ok() && cut) break;
        if (!cp.ok()) return Malformed(fmt::format("{} line {}: {}", path, line_no, cp.status().message()));
        if (l->latest_) {
          if (Status s = Extends(*l->latest_, *cp); !s.ok()) {
            return Status(ErrorCode::kDataLoss, fmt::format("{} line {}: {}", path, line_no, s.message()));
          }
        }
        l->index_.push_back({cp->seq, static_cast<int64_t>(offset), static_cast<int64_t>(line.size())});
        l->latest_ = std::move(cp).value();
      }
      offset = nl + 1;
    }
    return l;
  }
  ~WitnessLedger() {
    if (read_fd_ >= 0) ::close(read_fd_);
  }

  struct Accepted {
    int64_t appended = 0;
    int64_t latest_seq = 0;
  };
  // Takes `batch` (oldest first): held ones must match, new ones must extend
  // the newest held. Nothing of a refused batch is kept.
  Result<Accepted> Accept(const std::vector<AuditCheckpoint>& batch) {
    std::lock_guard lock(mu_);
    std::optional<AuditCheckpoint> tip = latest_;
    std::vector<const AuditCheckpoint*> fresh;
    for (const AuditCheckpoint& cp : batch) {
      if (tip && cp.seq <= tip->seq) {
        if (!fresh.empty()) return InvalidArgument("the checkpoints are not in ascending seq order");
        const Entry* entry = Find(cp.seq);
        if (entry == nullptr) {
          return Conflict(
              fmt::format("this witness holds no checkpoint at seq {} but holds later ones (up to seq "
                          "{}): the log was rewritten after it was witnessed",
                          cp.seq, tip->seq));
        }
        CL_ASSIGN_OR_RETURN(std::string line, ReadLine(*entry));
        CL_ASSIGN_OR_RETURN(AuditCheckpoint held, ParseWitnessLine(line));
        if (CheckpointMessage(held) != CheckpointMessage(cp)) {
          return Conflict(
              fmt::format("the checkpoint at seq {} differs from the one this witness holds: the log "
                          "was rewritten and signed again after it was witnessed",
                          cp.seq));
        }
        continue;
      }
      if (tip) {
        if (Status s = Extends(*tip, cp); !s.ok()) return s;
      }
      fresh.push_back(&cp);
      tip = cp;
    }
    if (!fresh.empty()) {
      std::string text;
      std::vector<size_t> lengths;
      for (const AuditCheckpoint* cp : fresh) {
        const std::string line = CheckpointJson(*cp).dump();
        lengths.push_back(line.size());
        text += line + "\n";
      }
      CL_ASSIGN_OR_RETURN(int64_t at, file_->Append(text));
      for (size_t i = 0; i < fresh.size(); ++i) {
        index_.push_back({fresh[i]->seq, at, static_cast<int64_t>(lengths[i])});
        at += static_cast<int64_t>(lengths[i]) + 1;
      }
      latest_ = *fresh.back();
    }
    return Accepted{static_cast<int64_t>(fresh.size()), latest_ ? latest_->seq : 0};
  }

  std::optional<std::string> LatestLine() {
    std::lock_guard lock(mu_);
    if (!latest_) return std::nullopt;
    return CheckpointJson(*latest_).dump();
  }

  // The held lines after `after`, at most `limit`.
  Result<std::string> After(int64_t after, int64_t limit) {
    std::lock_guard lock(mu_);
    auto it =
        std::upper_bound(index_.begin(), index_.end(), after, [](int64_t seq, const Entry& e) { return seq < e.seq; });
    std::string out;
    for (int64_t n = 0; it != index_.end() && n < limit; ++it, ++n) {
      CL_ASSIGN_OR_RETURN(std::string line, ReadLine(*it));
      out += line + "\n";
    }
    return out;
  }

  int64_t size() {
    std::lock_guard lock(mu_);
    return static_cast<int64_t>(index_.size());
  }
  int64_t latest_seq() {
    std::lock_guard lock(mu_);
    return latest_ ? latest_->seq : 0;
  }

 private:
  struct Entry {
    int64_t seq;
    int64_t offset;
    int64_t length;
  };
  WitnessLedger() = default;

  // `next` may follow `last`: a later seq, and (from version 2 on) naming
  // `last` as its previous checkpoint.
  static Status Extends(const AuditCheckpoint& last, const AuditCheckpoint& next) {
    if (next.seq <= last.seq) {
      return InvalidArgument(fmt::format("checkpoint seq {} does not follow seq {}", next.seq, last.seq));
    }
    if (next.version < last.version) {
      return Conflict(fmt::format("the checkpoint at seq {} is of version {} after one of version {}", next.seq,
                                  next.version, last.version));
    }
    if (next.version >= 2 && next.prev != CheckpointDigest(last)) {
      return Conflict(
          fmt::format("the checkpoint at seq {} does not extend the newest one this witness holds "
                      "(seq {}): the log was cut or rewritten after it was witnessed",
                      next.seq, last.seq));
    }
    return Status::Ok();
  }

  Result<std::string> ReadLine(const Entry& e) const {
    std::string line(static_cast<size_t>(e.length), '\0');
    const ssize_t n = ::pread(read_fd_, line.data(), line.size(), e.offset);
    if (n != static_cast<ssize_t>(line.size())) return Unavailable("cannot read the witness file");
    return line;
  }

  // The held line at `seq`, or null.
  const Entry* Find(int64_t seq) const {
    auto it = std::lower_bound(index_.begin(), index_.end(), seq, [](const Entry& e, int64_t s) { return e.seq < s; });
    return it == index_.end() || it->seq != seq ? nullptr : &*it;
  }

  std::mutex mu_;
  std::unique_ptr<AppendOnlyFile> file_;
  int read_fd_ = -1;
  std::vector<Entry> index_;
  std::optional<AuditCheckpoint> latest_;
};

class WitnessHandler final : public http::HttpHandler {
 public:
  WitnessHandler(WitnessLedger& ledger, std::string token) : ledger_(ledger), token_(std::move(token)) {}

  size_t BodyLimit(std::string_view method, std::string_view path) override {
    return method == "POST" && path == "/v1/checkpoints" ? kWitnessMaxBatch * kWitnessMaxLine : 0;
  }

  void Handle(http::Request& req, std::function<void(http::Response)> respond) override { respond(Answer(req)); }

  http::Response Reject(int status, std::string_view detail, const http::Request& partial) override {
    const http::ProblemType* type = http::ProblemByStatus(status);
    return Problem(Status(type ? type->code : ErrorCode::kMalformed, std::string(detail)), partial);
  }

 private:
  static http::Response Problem(const Status& s, const http::Request& req) { return http::ProblemResponse(s, req); }

  http::Response Answer(http::Request& req) {
    if (req.path == "/healthz") return http::JsonResponse(200, {{"status", "ok"}});
    if (req.path == "/v1/checkpoints/latest") {
      if (req.method != "GET") return Problem(Status(ErrorCode::kMethodNotAllowed, "use GET"), req);
      auto line = ledger_.LatestLine();
      if (!line) return Problem(NotFound("this witness holds no checkpoint yet"), req);
      http::Response r;
      r.body = std::move(*line);
      return r;
    }
    if (req.path != "/v1/checkpoints") return Problem(NotFound("no such resource"), req);
    if (req.method == "GET") return List(req);
    if (req.method == "POST") return Post(req);
    return Problem(Status(ErrorCode::kMethodNotAllowed, "use GET or POST"), req);
  }

  http::Response List(const http::Request& req) {
    auto query = http::ParseQuery(req.query);
    if (!query) return Problem(Malformed("the query string is malformed"), req);
    int64_t after = 0, limit = kWitnessMaxBatch;
    for (const auto& [name, value] : *query) {
      int64_t* target = name == "after" ? &after : name == "limit" ? &limit : nullptr;
      if (target == nullptr) return Problem(InvalidArgument("unknown query parameter " + name), req);
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), *target);
      if (ec != std::errc() || end != value.data() + value.size() || *target < 0) {
        return Problem(InvalidArgument(name + " must be a non-negative integer"), req);
      }
    }
    if (limit < 1 || limit > kWitnessMaxBatch) return Problem(InvalidArgument("limit must be 1 to 1000"), req);
    auto lines = ledger_.After(after, limit);
    if (!lines.ok()) return Problem(lines.status(), req);
    http::Response r;
    r.content_type = "application/x-ndjson";
    r.body = std::move(*lines);
    return r;
  }

  http::Response Post(const http::Request& req) {
    const std::string_view auth = req.Header("Authorization");
    const std::string_view kBearer = "Bearer ";
    if (!auth.starts_with(kBearer) || !crypto::ConstantTimeEquals(auth.substr(kBearer.size()), token_)) {
      return Problem(Unauthenticated("publishing needs the witness's bearer token"), req)
          .With("WWW-Authenticate", "Bearer");
    }
    auto batch = ParseWitnessLines(req.body, "the body", false);
    if (!batch.ok()) return Problem(batch.status(), req);
    if (static_cast<int64_t>(batch->size()) > kWitnessMaxBatch) {
      return Problem(InvalidArgument("at most 1000 checkpoints per request"), req);
    }
    if (batch->empty()) return Problem(InvalidArgument("no checkpoints in the body"), req);
    auto accepted = ledger_.Accept(*batch);
    if (!accepted.ok()) {
      log::Warn("refused checkpoints", {{"error", accepted.status().message()}, {"client", req.client_ip}});
      return Problem(accepted.status(), req);
    }
    if (accepted->appended > 0) {
      log::Info("witnessed checkpoints",
                {{"appended", accepted->appended}, {"latest_seq", accepted->latest_seq}, {"client", req.client_ip}});
    }
    return http::JsonResponse(200, {{"appended", accepted->appended}, {"latest_seq", accepted->latest_seq}});
  }

  WitnessLedger& ledger_;
  const std::string token_;
};

}  // namespace

struct WitnessService::Parts {
  std::unique_ptr<WitnessLedger> ledger;
  std::unique_ptr<WitnessHandler> handler;
  std::unique_ptr<http::HttpServer> server;
  std::string address;
  bool stopped = false;
};

WitnessService::WitnessService(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

WitnessService::~WitnessService() { Stop(); }

Result<std::unique_ptr<WitnessService>> WitnessService::Start(const WitnessServiceOptions& o) {
  if (o.token.size() < 16) {
    return InvalidArgument("the witness needs a publishers' token of at least 16 characters");
  }
  auto parts = std::make_unique<Parts>();
  CL_ASSIGN_OR_RETURN(parts->ledger, WitnessLedger::Open(o.file));
  parts->handler = std::make_unique<WitnessHandler>(*parts->ledger, o.token);
  http::ServerOptions so;
  so.address = o.address;
  so.port = o.port;
  so.io_threads = 2;
  so.tls_cert_file = o.tls_cert;
  so.tls_key_file = o.tls_key;
  so.drain_timeout = std::chrono::seconds(10);
  parts->address = o.address;
  parts->server = std::make_unique<http::HttpServer>(so, *parts->handler);
  CL_RETURN_IF_ERROR(parts->server->Start());
  return std::unique_ptr<WitnessService>(new WitnessService(std::move(parts)));
}

std::string WitnessService::url() const {
  const std::string& a = parts_->address;
  const std::string host = a.find(':') != std::string::npos ? "[" + a + "]" : a;
  return fmt::format("{}://{}:{}", parts_->server->tls() ? "https" : "http", host, parts_->server->port());
}

size_t WitnessService::size() const { return parts_->ledger->size(); }

int64_t WitnessService::latest_seq() const { return parts_->ledger->latest_seq(); }

void WitnessService::Stop() {
  if (parts_->stopped) return;
  parts_->stopped = true;
  parts_->server->Stop();
  parts_->server->Wait();
}

}  // namespace cl
