#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "controller/decision.h"
#include "controller/metric_source.h"
#include "controller/target_spec.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"
#include "store/decision_repository.h"

namespace gov::controller {

// The TargetState as stored between syncs: times are Unix milliseconds (the loop works on
// millisecond-truncated times, so the round trip is exact). `recommendations` null means
// "unknown history" (Decide seeds it).
core::Json TargetStateToJson(const TargetState& state);
// TargetStateToJson as compact text, written without a DOM (the loop's hot path).
std::string TargetStateJsonText(const TargetState& state);
// Inverse of TargetStateToJson. kInvalidArgument naming the field for malformed input.
core::StatusOr<TargetState> TargetStateFromJson(const core::Json& json);

// The state after `decision`: its recommendations appended, and when its count change took
// effect (`scaled`: the hook accepted it, or dry-run mode recorded it) the scale event and the
// last-action time; pruned to what later decisions can read. Pure.
TargetState ApplyDecision(const TargetSpec& spec, TargetState state, const Decision& decision,
                          bool scaled, core::TimePoint now);

// Where a sync's current replica count came from.
enum class ReplicasSource : uint8_t {
  kHook,          // the hook read the platform's count
  kLastDecision,  // the count the last decision left
  kAssumedMin,    // no hook reading and no decision yet: minReplicas is assumed
};

// "hook", "lastDecision", "minReplicas".
std::string_view ReplicasSourceName(ReplicasSource source);
// The source named `name`; kInvalidArgument for any other text.
core::StatusOr<ReplicasSource> ParseReplicasSource(std::string_view name);

// One sync of one target: what it observed, decided and did. Serialized as the decision
// record the API serves (GET /api/v1/targets/{name}/decisions).
struct SyncRecord {
  std::string id;
  std::string target;
  core::TimePoint at;
  int64_t epoch = 0;
  TargetMode mode = TargetMode::kActive;
  ReplicasSource replicas_source = ReplicasSource::kAssumedMin;
  std::vector<std::pair<std::string, MetricSample>> metrics;  // by metric name, spec order
  Decision decision;
  store::Actuation actuation = store::Actuation::kNone;
  std::string hook;                  // the hook kind, "" when none was built
  std::optional<std::string> error;  // hook or read failure
};

// {"id", "target", "at" (RFC 3339), "epoch", "mode", "currentReplicas", "replicasSource",
//  "replicas", "reason", "message", "actuation": {"status", "hook", "error"},
//  "metrics": [{"name", "source", "value", "sampledAt", "instances"?, "error"?}],
//  "decision": DecisionToJson(...)}.
core::Json SyncRecordToJson(const SyncRecord& record);
// SyncRecordToJson as compact text, written without a DOM (the loop's hot path).
std::string SyncRecordJsonText(const SyncRecord& record);

// HPA-style status conditions (AbleToScale, ScalingActive, ScalingLimited) derived from the
// latest decision record (SyncRecordToJson's shape):
// [{"type", "status": "True"|"False", "reason", "message"}]. kInvalidArgument naming the field
// when the record's reason, actuation status, limit kind or direction has no known name.
core::StatusOr<core::Json> ConditionsFromRecord(const core::Json& record);

}  // namespace gov::controller
