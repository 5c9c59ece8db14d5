#include "controller/hooks/hook.h"

#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

#include "core/time_format.h"

namespace gov::controller {

HookEnv SystemHookEnv() {
  return HookEnv{
      .clock = core::SystemClock::Instance(),
      .sleep = [](core::Duration d) { std::this_thread::sleep_for(d); },
      .rng_seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}(),
      .getenv = [](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        if (v == nullptr) return std::nullopt;
        return std::string(v);
      },
      .log = [](std::string_view line) { std::clog << "[hooks] " << line << '\n'; },
  };
}

std::string ScaleRequestJson(const ScaleRequest& request) {
  core::Json body = {
      {"target", request.target},
      {"from", request.from_replicas},
      {"to", request.to_replicas},
      {"reason", request.reason},
      {"decisionId", request.decision_id},
      {"epoch", request.epoch},
      {"decidedAt", core::FormatRfc3339(request.decided_at)},
  };
  return body.dump();
}

}  // namespace gov::controller
