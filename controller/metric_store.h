#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace gov::controller {

// One pushed value of a target's metric, from one instance ("" when the pusher gave none).
struct PushedSample {
  std::string metric;
  double value = 0;
  core::TimePoint timestamp;
  std::string instance;
};

// A push metric's value at one sync.
struct PushedReading {
  std::optional<double> value;                // nullopt: no instance reported within the window
  std::optional<core::TimePoint> sampled_at;  // the newest sample averaged
  int instances = 0;                          // instances averaged
};

// Samples pushed through the API (`POST /api/v1/targets/{name}/metrics`), held in memory:
// for each (target, metric, instance) only the newest sample. A process restart, or a push
// that reached another replica, is not seen here; pushers send every sync period, so a value
// is back within one period. Thread-safe.
class PushMetricStore {
 public:
  // Keeps each sample unless its instance already has a newer one. Instances whose newest
  // sample is older than `retain` before `now` are forgotten.
  void Record(const std::string& target, std::span<const PushedSample> samples,
              core::Duration retain, core::TimePoint now);
  // The mean over the instances whose newest sample is at most `window` older than `now`.
  // A sample newer than `now` counts: it arrived while the sync was reading (or the pusher's
  // clock runs ahead, which the API bounds). Missing when no instance qualifies.
  PushedReading Read(const std::string& target, const std::string& metric, core::Duration window,
                     core::TimePoint now) const;
  // Forgets everything pushed for `target`.
  void Erase(const std::string& target);

 private:
  struct Latest {
    double value = 0;
    core::TimePoint timestamp;
  };
  using Instances = std::map<std::string, Latest, std::less<>>;
  using Metrics = std::map<std::string, Instances, std::less<>>;

  mutable std::mutex mu_;
  std::unordered_map<std::string, Metrics> targets_;
};

}  // namespace gov::controller
