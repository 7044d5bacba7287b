// Witnesses keep copies of the audit log's signed checkpoints where someone
// who can write the database cannot reach them (docs/audit.md, "Witnesses").
// Two kinds, named the same way on every command line:
//  - a file path: every new checkpoint is appended, one JSON line each (the
//    form of an export's checkpoints.jsonl), fsynced; the file goes on
//    storage the database's writers cannot write;
//  - an http(s) URL: a witness service (`changeledger witness`, or anything
//    speaking its protocol) on another machine, which accepts only
//    checkpoints that extend what it holds, so a rewritten log cannot be
//    witnessed again.
// Publishing catches up from the witness's newest checkpoint and is retried
// by the caller (the server, every second) until it works. One publishing
// thread per witness; reading (ReadAll) from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/audit_verify.h"
#include "core/status.h"
#include "core/store.h"

namespace cl {

class OutboundHttp;

class AuditWitness {
 public:
  virtual ~AuditWitness() = default;
  AuditWitness(const AuditWitness&) = delete;
  AuditWitness& operator=(const AuditWitness&) = delete;

  // The path or URL, for messages.
  const std::string& name() const { return name_; }
  // Sends the store's checkpoints newer than the newest the witness holds;
  // returns how many. kDataLoss when the witness refuses them as not
  // extending what it holds (the log was cut or rewritten since).
  Result<int64_t> Publish(Store& store);
  // The database must hold the witness's newest checkpoint, unchanged: else
  // events were cut or rewritten since it was witnessed (or an older backup
  // was restored). The problem, or nothing (also when the witness could not
  // be asked: Publish keeps trying and finds out then).
  std::optional<std::string> Contradiction(Tx& tx) const;
  // Every checkpoint the witness holds, oldest first.
  virtual Result<std::vector<WitnessedCheckpoint>> ReadAll() const = 0;
  // The seq of the newest checkpoint it is known to hold (0: none or not known yet).
  int64_t witnessed_seq() const { return last_ ? last_->seq : 0; }
  // Whether its newest checkpoint is known (it was reached since it was
  // opened, or since it last refused a batch).
  bool known() const { return known_; }

 protected:
  explicit AuditWitness(std::string name) : name_(std::move(name)) {}
  // Finds out the witness's newest checkpoint (into last_, known_).
  virtual Status Learn() = 0;
  // Hands the witness `batch` (ascending, each extending the one before).
  virtual Status Deliver(const std::vector<AuditCheckpoint>& batch) = 0;
  std::optional<AuditCheckpoint> last_;
  bool known_ = false;

 private:
  std::string name_;
};

// Opens the witness `where` names: an http(s) URL (with the bearer token the
// service expects for publishing; reading needs none) or a file path (created
// if missing). `client` must outlive the witness.
Result<std::unique_ptr<AuditWitness>> OpenAuditWitness(const std::string& where, const std::string& token,
                                                       const OutboundHttp& client);
// Every checkpoint the witness `where` holds, for verifying (nothing is created).
Result<std::vector<WitnessedCheckpoint>> ReadWitness(const std::string& where, const OutboundHttp& client);
bool IsWitnessUrl(const std::string& where);

// The protocol's limits: a checkpoint line is about 400 bytes, so anything
// far longer is not one; checkpoints sent or asked for in one request.
constexpr size_t kWitnessMaxLine = 16 * 1024;
constexpr int64_t kWitnessMaxBatch = 1000;

// Every checkpoint in a witness file. A last line cut short (a crash while
// appending) is skipped; any other malformed line is an error.
Result<std::vector<WitnessedCheckpoint>> ReadWitnessFile(const std::string& path);

// One witness-file line: a checkpoint, parsed with the limits for outside input.
Result<AuditCheckpoint> ParseWitnessLine(std::string_view line);
// Checkpoint lines (a witness file, a request or answer of the service);
// `source` names them in messages. With `tolerate_cut_last`, a malformed
// last line without a newline after it is skipped (a crash while appending).
Result<std::vector<AuditCheckpoint>> ParseWitnessLines(std::string_view text, const std::string& source,
                                                       bool tolerate_cut_last);

// Appends lines to a file, each write fsynced, ending a line a crash cut
// short first. For the witness file and the witness service.
class AppendOnlyFile {
 public:
  static Result<std::unique_ptr<AppendOnlyFile>> Open(const std::string& path);
  ~AppendOnlyFile();
  AppendOnlyFile(const AppendOnlyFile&) = delete;
  AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;
  // Appends `text` (whole lines); returns the offset it starts at.
  Result<int64_t> Append(std::string_view text);

 private:
  AppendOnlyFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
  int64_t size_ = 0;
  bool needs_newline_ = false;
};

}  // namespace cl
