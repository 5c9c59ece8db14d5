#include "controller/target_views.h"

#include "controller/target_state.h"
#include "core/time_format.h"

namespace gov::controller {

core::Json ParseStoredJson(const std::string& text) {
  auto json = core::ParseJson(text);
  return json.ok() ? std::move(json).value() : core::Json(nullptr);
}

core::Json TargetDetailsToJson(const TargetDetails& d) {
  core::Json status = {{"replicas", nullptr},     {"desiredReplicas", nullptr},
                       {"lastSyncAt", nullptr},   {"epoch", nullptr},
                       {"lastDecision", nullptr}, {"conditions", core::Json::array()}};
  if (d.state) {
    status["replicas"] = d.state->replicas;
    status["desiredReplicas"] =
        d.state->desired_replicas ? core::Json(*d.state->desired_replicas) : core::Json(nullptr);
    status["lastSyncAt"] = core::FormatRfc3339(d.state->last_sync_at);
    status["epoch"] = d.state->epoch;
  }
  if (d.last_decision) {
    core::Json record = DecisionRecordToJson(*d.last_decision);
    core::StatusOr<core::Json> conditions = ConditionsFromRecord(record);
    if (conditions.ok()) {
      status["conditions"] = *std::move(conditions);
    } else {
      status["conditionsError"] = conditions.status().ToString();
    }
    status["lastDecision"] = std::move(record);
  }
  return {{"name", d.record.name},
          {"source", d.record.source},
          {"version", d.record.version},
          {"createdAt", core::FormatRfc3339(d.record.created_at)},
          {"updatedAt", core::FormatRfc3339(d.record.updated_at)},
          {"spec", ParseStoredJson(d.record.spec_json)},
          {"status", std::move(status)}};
}

core::Json DecisionRecordToJson(const store::DecisionRecord& d) {
  core::Json out = ParseStoredJson(d.record_json);
  if (!out.is_object()) out = core::Json::object();
  out["id"] = d.id;
  out["epoch"] = d.epoch;
  out["actuation"]["status"] = std::string(store::ActuationName(d.actuation));
  out["actuation"]["error"] = d.error ? core::Json(*d.error) : core::Json(nullptr);
  return out;
}

core::Json ScaleViewToJson(const ScaleView& v) {
  return {{"target", v.target},
          {"desiredReplicas", v.desired_replicas},
          {"currentReplicas", v.state.replicas},
          {"decisionId", v.state.last_decision_id},
          {"decidedAt", core::FormatRfc3339(v.state.last_sync_at)},
          {"mode", std::string(TargetModeName(v.mode))}};
}

}  // namespace gov::controller
