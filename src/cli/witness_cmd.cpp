// `changeledger witness`: the witness service, run on another machine than
// the database (docs/audit.md, "Witnesses"). It keeps the checkpoints servers
// publish in an append-only file and accepts only checkpoints that extend
// what it holds: the next one must name the newest held one as `prev`, and
// one it already holds must arrive unchanged. So a log cut or rewritten
// after it was witnessed can never be witnessed again, and `audit verify
// --witness URL` finds the difference. Publishing needs the bearer token;
// reading is open (checkpoints are signed hashes, not records).
//
//   POST /v1/checkpoints          checkpoint lines (application/x-ndjson), oldest first
//   GET  /v1/checkpoints/latest   the newest held checkpoint (404: none yet)
//   GET  /v1/checkpoints?after=SEQ&limit=N   the held lines after SEQ (N <= 1000)
//   GET  /healthz
#include <fcntl.h>
#include <fmt/format.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <mutex>

#include "cli/audit_witness.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/audit_checkpoint.h"
#include "crypto/crypto.h"
#include "http/message.h"
#include "http/problem.h"
#include "http/server.h"
#include "platform/log.h"

namespace cl::cli {
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
    CL_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, size_t{1} << 40));
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
          return Conflict(fmt::format("this witness holds no checkpoint at seq {} but holds later ones (up to seq "
                                      "{}): the log was rewritten after it was witnessed",
                                      cp.seq, tip->seq));
        }
        CL_ASSIGN_OR_RETURN(std::string line, ReadLine(*entry));
        CL_ASSIGN_OR_RETURN(AuditCheckpoint held, ParseWitnessLine(line));
        if (CheckpointMessage(held) != CheckpointMessage(cp)) {
          return Conflict(fmt::format("the checkpoint at seq {} differs from the one this witness holds: the log "
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
    auto it = std::upper_bound(index_.begin(), index_.end(), after,
                               [](int64_t seq, const Entry& e) { return seq < e.seq; });
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
      return Conflict(fmt::format("the checkpoint at seq {} does not extend the newest one this witness holds "
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
    auto it = std::lower_bound(index_.begin(), index_.end(), seq,
                               [](const Entry& e, int64_t s) { return e.seq < s; });
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

  void Handle(http::Request& req, std::function<void(http::Response)> respond) override {
    respond(Answer(req));
  }

  http::Response Reject(int status, std::string_view detail, const http::Request& partial) override {
    const http::ProblemType* type = http::ProblemByStatus(status);
    return Problem(Status(type ? type->code : ErrorCode::kMalformed, std::string(detail)), partial);
  }

 private:
  static http::Response Problem(const Status& s, const http::Request& req) {
    return http::ProblemResponse(s, req);
  }

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
      log::Info("witnessed checkpoints", {{"appended", accepted->appended}, {"latest_seq", accepted->latest_seq},
                                          {"client", req.client_ip}});
    }
    return http::JsonResponse(200, {{"appended", accepted->appended}, {"latest_seq", accepted->latest_seq}});
  }

  WitnessLedger& ledger_;
  const std::string token_;
};

struct WitnessOptions {
  std::string file;
  std::string listen = "127.0.0.1:9480";
  std::string token_file;
  std::string tls_cert, tls_key;
  std::string log_level = "info";
};

int RunWitness(const WitnessOptions& o) {
  sigset_t signals;  // as in serve: blocked before any thread starts
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  log::Init(o.log_level == "debug"   ? log::Level::kDebug
            : o.log_level == "warn"  ? log::Level::kWarn
            : o.log_level == "error" ? log::Level::kError
                                     : log::Level::kInfo);

  auto listen = ParseListen(o.listen);
  if (!listen.ok()) return Fail(listen.status());
  auto token = ReadSharedSecret(o.token_file, "CHANGELEDGER_WITNESS_TOKEN", "a witness token");
  if (!token.ok()) return Fail(token.status());
  if (token->size() < 16) {
    return Fail(InvalidArgument("the witness needs a token of at least 16 characters for publishers: --token-file "
                                "FILE or CHANGELEDGER_WITNESS_TOKEN (the servers' --audit-witness-token-file holds "
                                "the same)"));
  }
  auto ledger = WitnessLedger::Open(o.file);
  if (!ledger.ok()) return Fail(ledger.status());
  WitnessHandler handler(**ledger, *token);
  http::ServerOptions so;
  so.address = listen->first;
  so.port = listen->second;
  so.io_threads = 2;
  so.tls_cert_file = o.tls_cert;
  so.tls_key_file = o.tls_key;
  so.drain_timeout = std::chrono::seconds(10);
  http::HttpServer server(so, handler);
  if (Status s = server.Start(); !s.ok()) return Fail(s);
  const std::string host = so.address.find(':') != std::string::npos ? "[" + so.address + "]" : so.address;
  std::cout << fmt::format("Changeledger witness serving {}://{}:{} (file {}, {} checkpoints, newest seq {})\n",
                           server.tls() ? "https" : "http", host, server.port(), o.file, (*ledger)->size(),
                           (*ledger)->latest_seq())
            << std::flush;
  int sig = 0;
  sigwait(&signals, &sig);
  server.Stop();
  server.Wait();
  log::Flush();
  return 0;
}

}  // namespace

void AddWitnessCommand(CLI::App& app, int& exit) {
  auto o = std::make_shared<WitnessOptions>();
  CLI::App* cmd = app.add_subcommand(
      "witness", "Run a witness service: keeps the audit checkpoints servers publish (serve --audit-witness URL) "
                 "and refuses any that do not extend what it holds; run it where the database's writers cannot "
                 "reach");
  cmd->add_option("--file", o->file, "The append-only file it keeps the checkpoints in (created if missing)")
      ->required();
  cmd->add_option("--listen", o->listen, "ADDRESS:PORT to serve on")->capture_default_str();
  cmd->add_option("--token-file", o->token_file,
                  "File holding the bearer token publishers must send (else CHANGELEDGER_WITNESS_TOKEN)");
  cmd->add_option("--tls-cert", o->tls_cert, "PEM certificate chain, to serve HTTPS");
  cmd->add_option("--tls-key", o->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--log-level", o->log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  cmd->callback([o, &exit] { exit = RunWitness(*o); });
}

}  // namespace cl::cli
