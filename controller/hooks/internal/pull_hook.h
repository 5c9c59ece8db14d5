#pragma once

#include "controller/hooks/hook.h"

namespace gov::controller {

// For platforms that poll Governor (GET /api/v1/targets/{name}/scale) instead of being
// pushed to: Scale records nothing outside the log and always succeeds, because the decision
// the loop persists is what the API serves; the platform's count is not readable here.
class PullHook final : public Hook {
 public:
  explicit PullHook(const HookEnv& env) : env_(env) {}

  std::string_view kind() const override { return "pull"; }
  core::StatusOr<std::optional<int>> ReadReplicas() override { return std::optional<int>(); }
  core::Status Scale(const ScaleRequest& request) override {
    if (env_.log) {
      env_.log("pull " + request.target + " " + std::to_string(request.from_replicas) + "->" +
               std::to_string(request.to_replicas) + " (decision " + request.decision_id +
               "): served at GET /api/v1/targets/" + request.target + "/scale");
    }
    return core::Status::Ok();
  }

 private:
  HookEnv env_;
};

}  // namespace gov::controller
