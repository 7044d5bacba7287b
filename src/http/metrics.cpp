#include "http/metrics.h"

#include <fmt/format.h>

namespace cl::http {
namespace {

const std::vector<double> kLatencyBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                            0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
const std::vector<double> kBatchBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Header(std::string& out, const char* name, const char* help, const char* type) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size()]) {
  for (size_t i = 0; i < bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::Observe(double v) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (v <= bounds_[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<uint64_t>(v * 1e6), std::memory_order_relaxed);
}

void Histogram::Render(std::string& out, const std::string& name, const std::string& labels) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    fmt::format_to(std::back_inserter(out), "{}_bucket{{{}le=\"{}\"}} {}\n", name, labels, bounds_[i], cumulative);
  }
  const uint64_t total = count_.load(std::memory_order_relaxed);
  const std::string plain = labels.empty() ? "" : "{" + labels.substr(0, labels.size() - 1) + "}";
  fmt::format_to(std::back_inserter(out), "{}_bucket{{{}le=\"+Inf\"}} {}\n{}_sum{} {}\n{}_count{} {}\n", name, labels,
                 total, name, plain, static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6, name, plain,
                 total);
}

struct Metrics::RouteStats {
  std::array<std::atomic<uint64_t>, 600> by_status{};
  Histogram latency{kLatencyBounds};
};

Metrics::Metrics(std::vector<std::pair<std::string, std::string>> routes)
    : labels_(std::move(routes)), db_read_(kLatencyBounds), db_commit_(kLatencyBounds), db_batch_(kBatchBounds) {
  labels_.emplace_back("", "unmatched");
  for (size_t i = 0; i < labels_.size(); ++i) routes_.push_back(std::make_unique<RouteStats>());
}

Metrics::~Metrics() = default;

void Metrics::ObserveRequest(size_t route_index, int status, int64_t micros) {
  if (route_index >= routes_.size()) route_index = routes_.size() - 1;
  RouteStats& r = *routes_[route_index];
  if (status >= 100 && status < 600) r.by_status[status].fetch_add(1, std::memory_order_relaxed);
  r.latency.Observe(static_cast<double>(micros) / 1e6);
}

uint64_t Metrics::RequestCount(size_t route_index, int status) const {
  if (route_index >= routes_.size() || status < 100 || status >= 600) return 0;
  return routes_[route_index]->by_status[status].load(std::memory_order_relaxed);
}

void Metrics::OnRead(int64_t micros, bool ok) {
  db_read_.Observe(static_cast<double>(micros) / 1e6);
  if (!ok) db_read_errors_.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::OnCommit(size_t batch_size, int64_t micros, bool ok) {
  db_commit_.Observe(static_cast<double>(micros) / 1e6);
  db_batch_.Observe(static_cast<double>(batch_size));
  if (!ok) db_commit_errors_.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> read) {
  gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::Render() const {
  std::string out;
  out.reserve(64 * 1024);
  Header(out, "changeledger_http_requests_total", "HTTP requests by route, method and status.", "counter");
  for (size_t i = 0; i < routes_.size(); ++i) {
    for (int s = 100; s < 600; ++s) {
      const uint64_t n = routes_[i]->by_status[s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      fmt::format_to(std::back_inserter(out),
                     "changeledger_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                     Escape(labels_[i].first), Escape(labels_[i].second), s, n);
    }
  }
  Header(out, "changeledger_http_request_duration_seconds",
         "Time from a complete request to its response being handed to the socket.", "histogram");
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i]->latency.count() == 0) continue;
    routes_[i]->latency.Render(
        out, "changeledger_http_request_duration_seconds",
        fmt::format("method=\"{}\",route=\"{}\",", Escape(labels_[i].first), Escape(labels_[i].second)));
  }
  Header(out, "changeledger_db_read_duration_seconds", "Read transactions, including the wait for a connection.",
         "histogram");
  db_read_.Render(out, "changeledger_db_read_duration_seconds", "");
  Header(out, "changeledger_db_commit_duration_seconds", "Group commits: from BEGIN to durable COMMIT of one batch.",
         "histogram");
  db_commit_.Render(out, "changeledger_db_commit_duration_seconds", "");
  Header(out, "changeledger_db_commit_batch_size", "Writes per group commit.", "histogram");
  db_batch_.Render(out, "changeledger_db_commit_batch_size", "");
  Header(out, "changeledger_db_errors_total", "Failed database operations.", "counter");
  fmt::format_to(std::back_inserter(out),
                 "changeledger_db_errors_total{{op=\"read\"}} {}\n"
                 "changeledger_db_errors_total{{op=\"commit\"}} {}\n",
                 db_read_errors_.load(), db_commit_errors_.load());
  for (const Gauge& g : gauges_) {
    Header(out, g.name.c_str(), g.help.c_str(), "gauge");
    fmt::format_to(std::back_inserter(out), "{} {}\n", g.name, g.read());
  }
  return out;
}

}  // namespace cl::http
