#pragma once

// Drives release plans on the leader: calls ReleasePlanService::Tick at least once a second
// while this process leads (the composition root says whether it does). On every replica it
// republishes the running plans' evidence windows each interval.

#include <chrono>
#include <functional>
#include <string_view>

#include "core/clock.h"
#include "core/periodic.h"
#include "rollouts/release_plan_service.h"

namespace gov::rollouts {

struct ReleasePlanRunnerOptions {
  // How often the runner ticks while this process leads (at most a second).
  std::chrono::milliseconds interval{500};
  // Whether this process leads now. Null: never.
  std::function<bool()> leading;
  // Receives one line per transition and per error. Null: no logging.
  std::function<void(std::string_view)> log;
};

class ReleasePlanRunner {
 public:
  ReleasePlanRunner(ReleasePlanService& service, const core::Clock& clock,
                    ReleasePlanRunnerOptions options)
      : service_(service), clock_(clock), options_(std::move(options)) {}
  ~ReleasePlanRunner() { Stop(); }
  ReleasePlanRunner(const ReleasePlanRunner&) = delete;
  ReleasePlanRunner& operator=(const ReleasePlanRunner&) = delete;

  // One run: PublishWindows (on every replica), then Tick(clock.Now()) when leading (logging
  // what it did).
  TickResult Tick();
  // Starts the thread that ticks every interval. Call once.
  void Start();
  // Stops and joins the thread. Safe to call more than once.
  void Stop();

 private:
  ReleasePlanService& service_;
  const core::Clock& clock_;
  const ReleasePlanRunnerOptions options_;
  core::PeriodicThread thread_;
};

}  // namespace gov::rollouts
