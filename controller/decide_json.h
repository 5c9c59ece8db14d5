#pragma once

#include <string>
#include <string_view>

namespace gov::controller {

struct DecideJsonResult {
  int exit_code = 0;   // 0 on success, 2 on invalid input
  std::string output;  // one JSON document, newline-terminated
};

// The `governor decide` contract: reads one JSON document describing a target, its history
// and this sync's observation, and returns the Decide result as JSON (DecisionToJson).
// Input fields (times are Unix seconds, numbers may be fractional):
//   now                      required
//   target                   required: {minReplicas?, maxReplicas, tolerance?, behavior?,
//                            cooldown?, name?, ...} as in ParseTargetSpec, without `metrics`
//   currentReplicas          required; readyReplicas optional (defaults to currentReplicas)
//   metrics | desiredReplicas  exactly one: [{name, type, target, current|null, timestamp?}]
//                            (current null = missing), or the desired count directly
//   recommendations          [{replicas, timestamp}]; absent = unknown history (HPA seeds it)
//   scaleUpEvents, scaleDownEvents  [{change, timestamp}]
//   lastScaleUp, lastScaleDown      for the cooldown
// Invalid input gives exit code 2 and
//   {"error": {"code": "invalid_argument", "message": ..., "field": ...}}.
// Pure; thread-safe.
DecideJsonResult RunDecideJson(std::string_view input);

}  // namespace gov::controller
