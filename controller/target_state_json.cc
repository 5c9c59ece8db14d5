// The loop's hot serializations (one state and one decision record per target per sync),
// written with core's DOM-free JsonWriter: with nlohmann::json's per-node allocations they
// took most of a 10,000-target sync (bench/controller_loop_benchmark.cc). The shapes are those
// of TargetStateToJson, SyncRecordToJson and DecisionToJson; target_state_test.cc checks that
// the text parses to exactly DecisionToJson's output.
#include "controller/target_state.h"
#include "core/json_writer.h"
#include "core/time_format.h"

namespace gov::controller {

namespace {

template <typename T>
void OptInt(JsonWriter& w, const std::optional<T>& v) {
  if (v) {
    w.Int(*v);
  } else {
    w.Null();
  }
}

void OptDouble(JsonWriter& w, const std::optional<double>& v) {
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

void MillisEvents(JsonWriter& w, const std::vector<ScaleEvent>& events) {
  w.BeginArray();
  for (const ScaleEvent& e : events) {
    w.BeginObject().Key("change").Int(e.change).Key("timestamp").Int(ToUnixMillis(e.timestamp));
    w.EndObject();
  }
  w.EndArray();
}

void SecondsEvent(JsonWriter& w, const std::optional<ScaleEvent>& e) {
  if (!e) {
    w.Null();
    return;
  }
  w.BeginObject().Key("change").Int(e->change).Key("timestamp").Double(ToUnixSeconds(e->timestamp));
  w.EndObject();
}

// DecisionToJson's shape (decision_json.cc).
void WriteDecision(JsonWriter& w, const Decision& d) {
  w.BeginObject();
  w.Key("replicas").Int(d.replicas);
  w.Key("currentReplicas").Int(d.current_replicas);
  w.Key("reason").String(d.reason);
  w.Key("message").String(d.message);
  w.Key("proposals").BeginArray();
  for (const MetricProposal& p : d.proposals) {
    w.BeginObject();
    w.Key("metric").String(p.metric);
    w.Key("type").String(MetricTypeName(p.type));
    w.Key("target").Double(p.target);
    w.Key("current");
    OptDouble(w, p.current);
    w.Key("ratio");
    OptDouble(w, p.ratio);
    w.Key("replicas");
    OptInt(w, p.replicas);
    w.Key("missing").Bool(p.missing);
    w.Key("stale").Bool(p.stale);
    w.EndObject();
  }
  w.EndArray();
  w.Key("desiredReplicas");
  OptInt(w, d.desired_replicas);
  w.Key("stabilizedReplicas");
  OptInt(w, d.stabilized_replicas);
  w.Key("limits").BeginArray();
  for (const AppliedLimit& limit : d.limits) {
    w.BeginObject().Key("kind").String(limit.kind);
    if (limit.value) w.Key("value").Int(*limit.value);
    if (!limit.policy.empty()) w.Key("policy").String(limit.policy);
    if (limit.window_seconds) w.Key("windowSeconds").Int(*limit.window_seconds);
    if (limit.seconds_left) w.Key("secondsLeft").Int(*limit.seconds_left);
    if (!limit.direction.empty()) w.Key("direction").String(limit.direction);
    if (!limit.metrics.empty()) {
      w.Key("metrics").BeginArray();
      for (const std::string& m : limit.metrics) w.String(m);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("newRecommendations").BeginArray();
  for (const Recommendation& r : d.new_recommendations) {
    w.BeginObject().Key("replicas").Int(r.replicas);
    w.Key("timestamp").Double(ToUnixSeconds(r.timestamp)).EndObject();
  }
  w.EndArray();
  w.Key("scaleUpEvent");
  SecondsEvent(w, d.scale_up_event);
  w.Key("scaleDownEvent");
  SecondsEvent(w, d.scale_down_event);
  w.EndObject();
}

}  // namespace

std::string TargetStateJsonText(const TargetState& state) {
  std::string out;
  out.reserve(256);
  JsonWriter w(out);
  w.BeginObject().Key("recommendations");
  if (state.recommendations) {
    w.BeginArray();
    for (const Recommendation& r : *state.recommendations) {
      w.BeginObject().Key("replicas").Int(r.replicas);
      w.Key("timestamp").Int(ToUnixMillis(r.timestamp)).EndObject();
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
  OptInt(w, state.last_scale_up ? std::optional<int64_t>(ToUnixMillis(*state.last_scale_up))
                                : std::nullopt);
  w.Key("lastScaleDown");
  OptInt(w, state.last_scale_down ? std::optional<int64_t>(ToUnixMillis(*state.last_scale_down))
                                  : std::nullopt);
  w.EndObject();
  return out;
}

std::string SyncRecordJsonText(const SyncRecord& r) {
  std::string out;
  out.reserve(1024);
  JsonWriter w(out);
  w.BeginObject();
  w.Key("id").String(r.id);
  w.Key("target").String(r.target);
  w.Key("at").String(FormatRfc3339(r.at));
  w.Key("epoch").Int(r.epoch);
  w.Key("mode").String(TargetModeName(r.mode));
  w.Key("currentReplicas").Int(r.decision.current_replicas);
  w.Key("replicasSource").String(r.replicas_source);
  w.Key("replicas").Int(r.decision.replicas);
  w.Key("reason").String(r.decision.reason);
  w.Key("message").String(r.decision.message);
  w.Key("actuation").BeginObject().Key("status").String(r.actuation).Key("hook");
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
    OptDouble(w, s.value);
    w.Key("sampledAt");
    if (s.sampled_at) {
      w.String(FormatRfc3339(*s.sampled_at));
    } else {
      w.Null();
    }
    if (s.source == "push") w.Key("instances").Int(s.instances);
    if (!s.error.empty()) w.Key("error").String(s.error);
    w.EndObject();
  }
  w.EndArray();
  w.Key("decision");
  WriteDecision(w, r.decision);
  w.EndObject();
  return out;
}

}  // namespace gov::controller
