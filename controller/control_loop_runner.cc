#include "controller/control_loop_runner.h"

#include <algorithm>

#include "core/thread_priority.h"

namespace gov::controller {

ControlLoopRunner::ControlLoopRunner(ControlLoop& loop, LeaderElector& leader,
                                     ControllerMetrics* telemetry, const core::Clock& clock,
                                     ControlLoopRunnerOptions options)
    : loop_(loop),
      elector_(leader),
      telemetry_(telemetry),
      clock_(clock),
      options_(std::move(options)) {}

ControlLoopRunner::~ControlLoopRunner() { Stop(); }

void ControlLoopRunner::Log(const std::string& line) {
  if (options_.log) options_.log(line);
}

core::StatusOr<Leadership> ControlLoopRunner::RunOnce() {
  std::lock_guard run_lock(run_mu_);
  auto leadership = elector_.Check();
  if (!leadership.ok() || !leadership->leader) {
    if (leader_flag_.exchange(false)) {
      loop_.Reset();
      Log("controller: no longer the leader");
    }
    if (telemetry_ != nullptr) telemetry_->SetLeader(false, 0);
    if (!leadership.ok()) {
      if (leadership.status().message() != last_error_) {
        last_error_ = leadership.status().message();
        Log("controller: leader check failed: " + last_error_);
      }
    }
    return leadership;
  }
  if (leadership->acquired_now) {
    loop_.Reset();
    Log("controller: leading as " + elector_.holder() + " with epoch " +
        std::to_string(leadership->epoch));
  }
  leader_flag_ = true;
  if (telemetry_ != nullptr) telemetry_->SetLeader(true, leadership->epoch);
  auto synced = loop_.SyncDue(leadership->epoch);
  if (!synced.ok()) {
    if (synced.status().code() == core::StatusCode::kConflict) {
      // Deposed while holding the lock (our session was lost and regained): a new epoch.
      elector_.Invalidate();
      loop_.Reset();
    }
    if (synced.status().message() != last_error_) {
      last_error_ = synced.status().message();
      Log("controller: sync failed: " + last_error_);
    }
    return synced.status();
  }
  last_error_.clear();
  return leadership;
}

void ControlLoopRunner::Start() {
  thread_ = core::StartThread("gov-control", [this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      (void)RunOnce();
      core::Duration wait = options_.poll_interval;
      if (leader_flag_) {
        std::lock_guard run_lock(run_mu_);
        if (auto due = loop_.NextDue()) {
          wait = std::clamp<core::Duration>(*due - clock_.Now(), std::chrono::milliseconds(1),
                                            options_.poll_interval);
        }
      }
      lock.lock();
      cv_.wait_for(lock, wait, [this] { return stop_ || woken_; });
      woken_ = false;
    }
  });
}

void ControlLoopRunner::Wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

void ControlLoopRunner::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard run_lock(run_mu_);
  if (leader_flag_.exchange(false)) {
    loop_.Reset();
    Log("controller: resigned leadership");
  }
  (void)elector_.Resign();
  if (telemetry_ != nullptr) telemetry_->SetLeader(false, 0);
}

}  // namespace gov::controller
