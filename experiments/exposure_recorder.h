#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "experiments/running_experiments.h"
#include "flags/context.h"
#include "store/event_repository.h"

namespace gov::experiments {

struct ExposureRecorderOptions {
  // (experiment, unit) pairs remembered as already recorded, as 64-bit hashes (16 bytes each
  // at most, with the table's free slots) in up to 64 shards. When a shard is full it is
  // cleared at once; a pair of it seen again is then queued again, which the store ignores
  // (the same id). Below 32,768 pairs there is one shard, so the bound is exact.
  size_t max_remembered = 1'000'000;
  // Exposures waiting to be written at most; beyond it new ones are dropped and counted.
  size_t max_queued = 100'000;
  // Exposures per write at most; a full batch wakes the writer thread at once.
  size_t max_batch = 5'000;
  // The writer thread writes what is queued at least this often.
  std::chrono::milliseconds flush_interval{500};
  // The writer thread's nice value (core::LowerThreadPriority): it yields the CPU to request
  // threads when both want it. 0 keeps the default priority.
  int nice = 10;
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
// The same for a field resolved once (ResolveUnitField).
const std::string* UnitValue(const flags::Context& context, const UnitField& field);

// Records the exposures server-side evaluation assigns: deduplicated per (experiment, unit) in
// memory, queued, and written in batches off the request path. Record never waits for I/O:
// a pair already recorded costs a hash and a lock-free probe of one shard's table; a new pair
// takes that shard's mutex and the queue's. Flush, from the writer thread (or a test), hands
// a batch to the sink. Exposure ids are "exposure:" + experiment + ":" + unit, so a
// re-recorded exposure (another replica, a restart) is stored once. Thread-safe.
//
// The memory holds 64-bit hashes of (environment, experiment, unit), not the strings: two
// pairs with the same hash make the second look recorded, so its exposure is not queued
// until its shard is next cleared. With n pairs remembered a new pair collides with
// probability about n / 2^64 (below 1e-13 at the default 1,000,000), negligible beside the
// exposures a full queue drops.
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
  // The same with ExperimentHash(experiment) computed beforehand (the evaluation path's
  // index keeps it).
  bool Record(const RunningExperiment& experiment, uint64_t experiment_hash, std::string_view unit,
              std::string_view variant);
  // True when (experiment, unit) is remembered as recorded (counted as deduplicated): the
  // lock-free check Record starts with, for a caller with more to check before recording.
  bool Recorded(uint64_t experiment_hash, std::string_view unit);

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
  // An open-addressing (linear probing) set of nonzero 64-bit hashes. Readers probe without
  // the mutex; writers hold it. A grown table replaces the current one and the old one is
  // kept (a reader may still probe it) until the shard is destroyed: at most as many slots
  // again as the largest table. A reader racing a writer may miss a hash, and then checks
  // again under the mutex.
  // A table is one block: element 0 holds the mask (slots - 1), the slots follow, so a probe
  // reads the shard's line and the block.
  using Table = std::unique_ptr<std::atomic<uint64_t>[]>;
  struct alignas(64) Shard {
    // What a probe reads first, in one cache line.
    std::atomic<std::atomic<uint64_t>*> table{nullptr};
    // Counted without a locked instruction: concurrent hits on one shard may lose a count.
    std::atomic<int64_t> deduplicated{0};
    std::mutex mu;
    std::vector<Table> tables;  // the current one last
    size_t count = 0;           // hashes in the current table
    void CountDeduplicated() {
      deduplicated.store(deduplicated.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
    }

    bool Contains(uint64_t hash) const;
    void Insert(uint64_t hash);  // with mu held; hash not present
    void Erase(uint64_t hash);   // with mu held
    void Clear();                // with mu held
  };

  static uint64_t PairHash(uint64_t experiment_hash, std::string_view unit);
  Shard& ShardOf(uint64_t hash) const { return shards_[(hash >> 40) & (shard_count_ - 1)]; }

  const RunningExperiments& running_;
  const core::Clock& clock_;
  Sink sink_;
  ExposureRecorderOptions options_;
  size_t shard_count_ = 1;  // a power of two
  size_t shard_max_ = 0;    // pairs a shard remembers before it is cleared
  std::unique_ptr<Shard[]> shards_;

  // Lock order: a shard's mu, then mu_.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<store::EventRow> queue_;
  std::vector<uint64_t> queue_hashes_;  // remembered hashes of queue_, in the same order
  ExposureRecorderStats stats_;
  bool stopping_ = false;
  std::thread writer_;
  std::mutex flush_mu_;  // one Flush at a time
};

}  // namespace gov::experiments
