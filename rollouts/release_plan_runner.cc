#include "rollouts/release_plan_runner.h"

#include <algorithm>
#include <string>

#include "rollouts/runtime_json.h"

namespace gov::rollouts {

TickResult ReleasePlanRunner::Tick() {
  // Every replica records the running plans' exposures: each learns their windows here.
  if (core::Status s = service_.PublishWindows(); !s.ok() && options_.log) {
    options_.log("release plans: evidence windows: " + s.ToString());
  }
  if (!options_.leading || !options_.leading()) return {};
  TickResult result = service_.Tick(clock_.Now());
  if (options_.log) {
    for (const auto& [plan, t] : result.transitions) {
      options_.log("release plan " + plan + ": " + TransitionToJson(t).dump());
    }
    for (const auto& e : result.errors) options_.log("release plans: " + e.ToString());
  }
  return result;
}

void ReleasePlanRunner::Start() {
  thread_.Start(std::min(options_.interval, std::chrono::milliseconds(1000)), [this] { Tick(); });
}

void ReleasePlanRunner::Stop() { thread_.Stop(); }

}  // namespace gov::rollouts
