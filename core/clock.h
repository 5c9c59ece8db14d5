#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace gov::core {

using Duration = std::chrono::nanoseconds;
// Wall-clock time (Unix epoch). Everything Governor persists or compares uses this.
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Duration>;

// The only way code reads time. Inject SystemClock in production, FakeClock in tests.
class Clock {
 public:
  virtual ~Clock() = default;
  // Current wall-clock time. Thread-safe.
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance.
  static SystemClock& Instance();
};

// A clock that only moves when told. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint(std::chrono::seconds(1'700'000'000)))
      : now_ns_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(Duration(now_ns_.load())); }
  void Advance(Duration d) { now_ns_.fetch_add(d.count()); }
  void Set(TimePoint t) { now_ns_.store(t.time_since_epoch().count()); }

 private:
  std::atomic<int64_t> now_ns_;
};

// Seconds since the Unix epoch, fractional.
inline double ToUnixSeconds(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}
inline TimePoint FromUnixSeconds(double s) {
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s)));
}
inline int64_t ToUnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline TimePoint FromUnixMillis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

}  // namespace gov::core
