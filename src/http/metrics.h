// Metrics: Prometheus counters and histograms for HTTP requests (by route,
// method and status) and database timings (reads, group commits, batch
// sizes), rendered in the text exposition format for GET /metrics.
// Lock-free on the hot path (relaxed atomics); thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/store.h"

namespace cl::http {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  // Appends the _bucket/_sum/_count lines for one label set ("" or `a="b",`).
  void Render(std::string& out, const std::string& name, const std::string& labels) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micro_{0};  // sum in millionths, to stay integral
};

class Metrics final : public StoreObserver {
 public:
  // One label pair per route: method and pattern. Index route_count is "unmatched".
  explicit Metrics(std::vector<std::pair<std::string, std::string>> routes);
  ~Metrics() override;

  void ObserveRequest(size_t route_index, int status, int64_t micros);
  void OnRead(int64_t micros, bool ok) override;
  void OnCommit(size_t batch_size, int64_t micros, bool ok) override;
  void AddGauge(std::string name, std::string help, std::function<double()> read);

  std::string Render() const;
  uint64_t RequestCount(size_t route_index, int status) const;

 private:
  struct RouteStats;
  std::vector<std::pair<std::string, std::string>> labels_;
  std::vector<std::unique_ptr<RouteStats>> routes_;
  Histogram db_read_;
  Histogram db_commit_;
  Histogram db_batch_;
  std::atomic<uint64_t> db_read_errors_{0};
  std::atomic<uint64_t> db_commit_errors_{0};
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  std::vector<Gauge> gauges_;
};

}  // namespace cl::http
