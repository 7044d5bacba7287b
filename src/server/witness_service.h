// The witness service (`changeledger witness`), run on another machine than
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
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace cl {

struct WitnessServiceOptions {
  std::string file;  // the append-only file (created if missing)
  std::string address = "127.0.0.1";
  uint16_t port = 0;              // 0: a free one
  std::string token;              // publishers' bearer token, at least 16 characters
  std::string tls_cert, tls_key;  // both set: HTTPS
};

class WitnessService {
 public:
  // Opens (and checks) the file, then serves until Stop.
  static Result<std::unique_ptr<WitnessService>> Start(const WitnessServiceOptions& options);
  ~WitnessService();
  std::string url() const;
  size_t size() const;  // checkpoints held
  int64_t latest_seq() const;
  void Stop();  // stops accepting and waits for requests in flight

 private:
  struct Parts;
  explicit WitnessService(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace cl
