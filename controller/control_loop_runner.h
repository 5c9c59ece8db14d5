#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "controller/control_loop.h"
#include "controller/controller_metrics.h"
#include "controller/leader.h"
#include "core/clock.h"

namespace gov::controller {

struct ControlLoopRunnerOptions {
  // Longest real-time wait between leadership checks (and so the longest a follower waits to
  // take over after the leader's lock frees).
  core::Duration poll_interval = std::chrono::seconds(1);
  // Receives one line per leadership change and per distinct error. Default: none.
  std::function<void(std::string_view line)> log;
};

// Runs the control loop on a background thread while this process is the leader: every
// poll interval (or sooner, when a target is due) it checks leadership and syncs the due
// targets. A new leadership starts from the store; a lost one drops the cache.
class ControlLoopRunner {
 public:
  ControlLoopRunner(ControlLoop& loop, LeaderElector& leader, ControllerMetrics* telemetry,
                    const core::Clock& clock, ControlLoopRunnerOptions options = {});
  ~ControlLoopRunner();

  // Starts the background thread.
  void Start();
  // Stops the thread and releases leadership so another process takes over at once.
  // Safe to call more than once.
  void Stop();
  // One step on the caller's thread (tests; the thread calls it too): check leadership, then
  // sync what is due. Thread-safe (serialized with the background thread).
  core::StatusOr<Leadership> RunOnce();
  // Makes the background thread run a step now (e.g. after a target changed). Thread-safe.
  void Wake();
  bool leader() const { return leader_flag_.load(); }

 private:
  void Log(const std::string& line);

  ControlLoop& loop_;
  LeaderElector& elector_;
  ControllerMetrics* telemetry_;
  const core::Clock& clock_;
  ControlLoopRunnerOptions options_;
  std::mutex run_mu_;  // serializes RunOnce
  std::string last_error_;
  std::atomic<bool> leader_flag_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace gov::controller
