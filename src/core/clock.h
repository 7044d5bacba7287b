// Time as the domain sees it: a Timestamp is microseconds since the Unix
// epoch in UTC. Clock is injected everywhere time matters so tests are
// deterministic; implementations must be thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cl {

struct Timestamp {
  int64_t micros = 0;  // since 1970-01-01T00:00:00Z
  auto operator<=>(const Timestamp&) const = default;
};

constexpr int64_t kMicrosPerSecond = 1'000'000;

inline Timestamp operator+(Timestamp t, int64_t micros) { return {t.micros + micros}; }
inline int64_t operator-(Timestamp a, Timestamp b) { return a.micros - b.micros; }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

// A clock tests move by hand. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_(start.micros) {}
  Timestamp Now() const override { return {now_.load()}; }
  void Advance(int64_t micros) { now_ += micros; }
  void Set(Timestamp t) { now_ = t.micros; }

 private:
  std::atomic<int64_t> now_;
};

// RFC 3339 in UTC with microseconds: "2026-11-23T10:00:00.123456Z".
std::string FormatRfc3339(Timestamp t);

// Parses RFC 3339 date-times ("2026-11-23T10:00:00Z", fractional seconds and
// numeric offsets allowed). Returns nullopt for anything else.
std::optional<Timestamp> ParseRfc3339(std::string_view text);

// Parses a duration such as "90d", "12h", "30m", "45s" into microseconds.
std::optional<int64_t> ParseDuration(std::string_view text);

}  // namespace cl
