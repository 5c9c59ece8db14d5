#pragma once

// How the targets API shows a target, its decisions and the scale a polling platform reads:
// the records TargetService returns and their JSON.

#include <cstdint>
#include <optional>
#include <string>

#include "controller/target_spec.h"
#include "core/json_util.h"
#include "store/decision_repository.h"
#include "store/target_repository.h"
#include "store/target_state_repository.h"

namespace gov::controller {

// A target with what the loop last recorded for it.
struct TargetDetails {
  store::TargetRecord record;
  std::optional<store::TargetStateRecord> state;
  std::optional<store::DecisionRecord> last_decision;
};

// What a platform that polls (KEDA's metrics-api scaler, the pull hook) reads.
struct ScaleView {
  std::string target;
  int64_t desired_replicas = 0;
  store::TargetStateRecord state;
  TargetMode mode = TargetMode::kActive;
};

// JSON the service stored (a spec, a decision record), parsed; null when it does not parse.
core::Json ParseStoredJson(const std::string& text);

// {"name", "source", "version", "createdAt", "updatedAt", "spec": {...every field...},
//  "status": {"replicas", "desiredReplicas", "lastSyncAt", "epoch", "lastDecision",
//             "conditions"}} (status fields null before the first sync).
core::Json TargetDetailsToJson(const TargetDetails& details);
// The stored decision record, with the actuation columns (which the loop updates last).
core::Json DecisionRecordToJson(const store::DecisionRecord& decision);
// {"target", "desiredReplicas", "currentReplicas", "decisionId", "decidedAt", "mode"}:
// KEDA's metrics-api scaler reads `desiredReplicas` (valueLocation).
core::Json ScaleViewToJson(const ScaleView& view);

}  // namespace gov::controller
