// The loop's hot serializations (one state and one decision record per target per sync),
// written with core's DOM-free JsonWriter: with nlohmann::json's per-node allocations they
// took most of a 10,000-target sync (bench/controller_loop_benchmark.cc). The shapes are those
// of TargetStateToJson and SyncRecordToJson; the decision inside a record is written by
// WriteDecisionJson, which shares its one definition with DecisionToJson (decision_json.cc).
#include "controller/decision_json.h"
#include "controller/target_state.h"
#include "core/json_writer.h"
#include "core/time_format.h"

namespace gov::controller {

namespace {

std::optional<int64_t> OptionalMillis(const std::optional<core::TimePoint>& t) {
  return t ? std::optional<int64_t>(core::ToUnixMillis(*t)) : std::nullopt;
}

void MillisEvents(core::JsonWriter& w, const std::vector<ScaleEvent>& events) {
  w.BeginArray();
  for (const ScaleEvent& e : events) {
    w.BeginObject()
        .Key("change")
        .Int(e.change)
        .Key("timestamp")
        .Int(core::ToUnixMillis(e.timestamp));
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

std::string TargetStateJsonText(const TargetState& state) {
  std::string out;
  out.reserve(256);
  core::JsonWriter w(out);
  w.BeginObject().Key("recommendations");
  if (state.recommendations) {
    w.BeginArray();
    for (const Recommendation& r : *state.recommendations) {
      w.BeginObject().Key("replicas").Int(r.replicas);
      w.Key("timestamp").Int(core::ToUnixMillis(r.timestamp)).EndObject();
    }
    w.EndArray();
  } else {
    w.Null();
  }
  w.Key("scaleUpEvents");
  MillisEvents(w, state.scale_up_events);
  w.Key("scaleDownEvents");
  MillisEvents(w, state.scale_down_events);
  w.Key("lastScaleUp");
  core::WriteOptionalNumber(w, OptionalMillis(state.last_scale_up));
  w.Key("lastScaleDown");
  core::WriteOptionalNumber(w, OptionalMillis(state.last_scale_down));
  w.EndObject();
  return out;
}

std::string SyncRecordJsonText(const SyncRecord& r) {
  std::string out;
  out.reserve(1024);
  core::JsonWriter w(out);
  w.BeginObject();
  w.Key("id").String(r.id);
  w.Key("target").String(r.target);
  w.Key("at").String(core::FormatRfc3339(r.at));
  w.Key("epoch").Int(r.epoch);
  w.Key("mode").String(TargetModeName(r.mode));
  w.Key("currentReplicas").Int(r.decision.current_replicas);
  w.Key("replicasSource").String(ReplicasSourceName(r.replicas_source));
  w.Key("replicas").Int(r.decision.replicas);
  w.Key("reason").String(DecisionReasonName(r.decision.reason));
  w.Key("message").String(r.decision.message);
  w.Key("actuation")
      .BeginObject()
      .Key("status")
      .String(store::ActuationName(r.actuation))
      .Key("hook");
  if (r.hook.empty()) {
    w.Null();
  } else {
    w.String(r.hook);
  }
  w.Key("error");
  if (r.error) {
    w.String(*r.error);
  } else {
    w.Null();
  }
  w.EndObject();
  w.Key("metrics").BeginArray();
  for (const auto& [name, s] : r.metrics) {
    w.BeginObject().Key("name").String(name).Key("source").String(s.source).Key("value");
    core::WriteOptionalNumber(w, s.value);
    w.Key("sampledAt");
    if (s.sampled_at) {
      w.String(core::FormatRfc3339(*s.sampled_at));
    } else {
      w.Null();
    }
    if (s.source == "push") w.Key("instances").Int(s.instances);
    if (!s.error.empty()) w.Key("error").String(s.error);
    w.EndObject();
  }
  w.EndArray();
  w.Key("decision");
  WriteDecisionJson(w, r.decision);
  w.EndObject();
  return out;
}

}  // namespace gov::controller
