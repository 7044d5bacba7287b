// Witnesses keep copies of the audit log's signed checkpoints where someone
// who can write the database cannot reach them. AuditWitnessFile appends
// every new checkpoint, one JSON line each (the form of an export's
// checkpoints.jsonl), to a file the operator puts on other storage, fsynced,
// catching up from its last line after a restart. One publishing thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/audit_verify.h"
#include "core/status.h"
#include "core/store.h"

namespace cl {

class AuditWitnessFile {
 public:
  // Opens (creating) `path` for appending and reads its newest checkpoint.
  static Result<std::unique_ptr<AuditWitnessFile>> Open(const std::string& path);
  ~AuditWitnessFile();
  AuditWitnessFile(const AuditWitnessFile&) = delete;
  AuditWitnessFile& operator=(const AuditWitnessFile&) = delete;

  // Appends the store's checkpoints newer than the newest in the file;
  // returns how many.
  Result<int64_t> Publish(Store& store);
  // The database must hold the file's newest checkpoint, unchanged: else
  // events were cut or rewritten since it was witnessed (or an older backup
  // was restored). Returns the problem, or nothing.
  std::optional<std::string> Contradiction(Tx& tx) const;
  const std::string& path() const { return path_; }

 private:
  AuditWitnessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
  bool needs_newline_ = false;  // the file ends in a line cut short by a crash
  std::optional<AuditCheckpoint> last_;
};

// Every checkpoint in a witness file. A last line cut short (a crash while
// appending) is skipped; any other malformed line is an error.
Result<std::vector<WitnessedCheckpoint>> ReadWitnessFile(const std::string& path);

}  // namespace cl
