// The server process's background jobs, each on a PeriodicThread of its own
// that the constructor starts and the destructor stops: what runs in `serve`
// besides requests. server/process.cpp starts them once the listener is up
// and stops them after the last request has drained.
#pragma once

#include <vector>

#include "platform/periodic_thread.h"
#include "server/local_app.h"

namespace cl {

// Signs the audit tail every second (after publishing to every witness),
// raises findings for overdue emergency changes every minute and removes
// long-dead sessions hourly.
class Housekeeping {
 public:
  explicit Housekeeping(LocalApp& app);

 private:
  void Tick();
  // Retried every second until it works; a witness catches up from its
  // newest checkpoint. Said once when it starts failing, then every minute,
  // and when it works again. A witness that refuses the log's checkpoints
  // (they do not extend what it holds) stops writes, as a tampered log does.
  void Publish(AuditWitness& witness, int& failures);

  LocalApp& app_;
  int ticks_ = 0;              // only the thread touches it
  std::vector<int> failures_;  // per witness, in a row
  PeriodicThread thread_;      // last: stops before the rest goes
};

// Reconciles the records with the audit log right after start-up and then
// every `minutes` (0: at start-up only). An edit made outside the log raises
// a finding and, like a tampered log, stops every write (reads go on,
// /readyz fails) until an operator has looked: a write on an edited row would
// carry the edit on. A log from before reconciliation is baselined once.
class RecordsReconciler {
 public:
  RecordsReconciler(LocalApp& app, int minutes);

 private:
  void ReconcileOnce();

  LocalApp& app_;
  PeriodicThread thread_;  // last
};

// Has the newest checkpoint time-stamped every `seconds` (serve --audit-tsa).
// Said once when the authority starts failing, then every tenth try, and
// when it works again; the verifier's bound (an hour by default) rides out
// the outage in between.
class TimestampJob {
 public:
  TimestampJob(LocalApp& app, int seconds);

 private:
  void Tick();

  LocalApp& app_;
  int failures_ = 0;       // only the thread touches it
  PeriodicThread thread_;  // last
};

}  // namespace cl
