#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "experiments/running_experiments.h"
#include "flags/context.h"
#include "store/event_repository.h"

namespace gov::experiments {

struct ExposureRecorderOptions {
  // (experiment, unit) pairs remembered as already recorded. When full the memory is cleared
  // at once; a pair seen again is then queued again, which the store ignores (the same id).
  size_t max_remembered = 1'000'000;
  // Exposures waiting to be written at most; beyond it new ones are dropped and counted.
  size_t max_queued = 100'000;
  // Exposures per write at most; a full batch wakes the writer thread at once.
  size_t max_batch = 5'000;
  // The writer thread writes what is queued at least this often.
  std::chrono::milliseconds flush_interval{500};
};

// Counters since construction.
struct ExposureRecorderStats {
  int64_t queued = 0;        // exposures queued for writing
  int64_t deduplicated = 0;  // already recorded (in memory)
  int64_t dropped = 0;       // the queue was full
  int64_t written = 0;       // stored by the sink (new or already there)
  int64_t failed = 0;        // a write failed (they are queued again when seen again)
};

// The value of `field` (an experiment's randomization unit: userId, sessionId, remoteAddress,
// appName, or properties.X / X for a custom property) in `context`, or nullptr when unset or
// empty. A standard field is read when set, else the property of that name, as flag
// stickiness reads it.
const std::string* UnitValue(const flags::Context& context, std::string_view field);

// Records the exposures server-side evaluation assigns: deduplicated per (experiment, unit) in
// memory, queued, and written in batches off the request path. Record never waits for I/O
// (it takes a mutex for a few map operations); Flush, from the writer thread (or a test),
// hands a batch to the sink. Exposure ids are "exposure:" + experiment + ":" + unit, so a
// re-recorded exposure (another replica, a restart) is stored once. Thread-safe.
class ExposureRecorder {
 public:
  // Stores rows durably: per row whether it was new (EventService::Write).
  using Sink = std::function<core::StatusOr<std::vector<bool>>(std::vector<store::EventRow>)>;

  ExposureRecorder(const RunningExperiments& running, const core::Clock& clock, Sink sink,
                   ExposureRecorderOptions options = {});
  ~ExposureRecorder();
  ExposureRecorder(const ExposureRecorder&) = delete;
  ExposureRecorder& operator=(const ExposureRecorder&) = delete;

  // The index evaluation consults (one atomic load per request: Current()).
  const RunningExperiments& running() const { return running_; }

  // Records that `unit` was assigned `variant` of `experiment` now. Returns true when queued,
  // false when already recorded or dropped (queue full).
  bool Record(const RunningExperiment& experiment, std::string_view unit, std::string_view variant);

  // Writes up to max_batch queued exposures through the sink; returns how many were handed
  // to it. Called by the writer thread; tests call it directly.
  size_t Flush();

  // Starts the writer thread (Flush when a batch is full or every flush_interval).
  void Start();
  // Stops the writer thread after writing everything queued. Idempotent.
  void Stop();

  ExposureRecorderStats stats() const;
  size_t queued() const;

 private:
  // Sets `key` to the memory key of (experiment, unit).
  static void Key(const RunningExperiment& experiment, std::string_view unit, std::string& key);

  const RunningExperiments& running_;
  const core::Clock& clock_;
  Sink sink_;
  ExposureRecorderOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_set<std::string> remembered_;
  std::vector<store::EventRow> queue_;
  std::vector<std::string> queue_keys_;  // remembered_ keys of queue_, in the same order
  ExposureRecorderStats stats_;
  bool stopping_ = false;
  std::thread writer_;
  std::mutex flush_mu_;  // one Flush at a time
};

}  // namespace gov::experiments
