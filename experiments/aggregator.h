#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/status.h"
#include "experiments/experiment_catalog.h"
#include "store/database.h"

namespace gov::experiments {

struct AggregatorOptions {
  // Events aggregated per transaction.
  int64_t batch_size = 1000;
  // How long the background thread waits (real time) once it has caught up, or after an error.
  std::chrono::milliseconds idle_wait{500};
  // The background thread's nice value (core::LowerThreadPriority): aggregation yields the CPU
  // to request threads (flag evaluation above all) when both want it, and catches up when the
  // CPU is free. 0 keeps the default priority.
  int nice = 10;
  // Receives one line per distinct error. Default: none.
  std::function<void(std::string_view line)> log;
};

// Turns stored events into experiment aggregates: reads the events after the cursor in seq
// order, applies each to the units of the experiments it concerns (experiments/
// unit_aggregation.h) and writes the units, the daily sufficient statistics, the counters and
// the new cursor in the same transaction, so a failure or a crash never counts an event twice
// nor loses one. Several processes sharing a database take turns (the cursor row is locked).
// A step with nothing new to aggregate only reads (no write transaction).
class Aggregator {
 public:
  Aggregator(store::Database& db, ExperimentCatalog& catalog, AggregatorOptions options = {});
  ~Aggregator();

  // Aggregates up to batch_size events after the cursor in one transaction. Returns how many
  // events it consumed (0: caught up). Thread-safe (serialized with the background thread).
  core::StatusOr<int64_t> Step();
  // Starts the background thread, which calls Step until it returns 0, then waits idle_wait.
  void Start();
  // Wakes the background thread now (e.g. after events were stored). Thread-safe.
  void Wake();
  // Stops the thread; safe to call more than once.
  void Stop();

 private:
  void Run();

  store::Database& db_;
  ExperimentCatalog& catalog_;
  AggregatorOptions options_;
  std::mutex step_mu_;  // serializes Step
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool wake_ = false;
  std::thread thread_;
};

}  // namespace gov::experiments
