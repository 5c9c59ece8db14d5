// DecisionToJson and WriteDecisionJson: the decision in the `governor decide` output shape,
// written by one function for both the DOM and the text.
#include "controller/decision_json.h"

#include <string_view>
#include <utility>
#include <vector>

namespace gov::controller {

namespace {

// JsonWriter's calls, building a Json value instead of text: a double stays a float (70.0),
// as `governor decide` prints it, where text parsed back would turn it into an integer.
class JsonBuilder {
 public:
  explicit JsonBuilder(core::Json& root) : root_(root) {}

  JsonBuilder& BeginObject() { return Open(core::Json::object()); }
  JsonBuilder& EndObject() { return Close(); }
  JsonBuilder& BeginArray() { return Open(core::Json::array()); }
  JsonBuilder& EndArray() { return Close(); }
  JsonBuilder& Key(std::string_view key) {
    key_ = key;
    return *this;
  }
  JsonBuilder& String(std::string_view s) { return Value(std::string(s)); }
  JsonBuilder& Int(int64_t v) { return Value(v); }
  JsonBuilder& Double(double v) { return Value(v); }
  JsonBuilder& Bool(bool v) { return Value(v); }
  JsonBuilder& Null() { return Value(nullptr); }

 private:
  // Places `v` in the innermost open container (under the last key in an object).
  core::Json& Put(core::Json v) {
    if (open_.empty()) return root_ = std::move(v);
    core::Json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return parent.back();
    }
    return parent[key_] = std::move(v);
  }
  JsonBuilder& Value(core::Json v) {
    Put(std::move(v));
    return *this;
  }
  JsonBuilder& Open(core::Json container) {
    open_.push_back(&Put(std::move(container)));
    return *this;
  }
  JsonBuilder& Close() {
    open_.pop_back();
    return *this;
  }

  core::Json& root_;
  std::vector<core::Json*> open_;  // only the innermost grows, so the outer pointers stay valid
  std::string key_;
};

template <typename Writer>
void WriteEvent(Writer& w, const std::optional<ScaleEvent>& e) {
  if (!e) {
    w.Null();
    return;
  }
  w.BeginObject()
      .Key("change")
      .Int(e->change)
      .Key("timestamp")
      .Double(core::ToUnixSeconds(e->timestamp));
  w.EndObject();
}

template <typename Writer>
void WritePlan(Writer& w, const PredictivePlan& p, bool acted, bool would_act) {
  w.Key("prediction").BeginObject();
  w.Key("metric").String(p.metric);
  w.Key("replicas");
  core::WriteOptionalNumber(w, p.replicas);
  w.Key("acted").Bool(acted);
  w.Key("wouldAct").Bool(would_act);
  w.Key("provisionFor");
  if (p.provision_for) {
    w.Double(core::ToUnixSeconds(*p.provision_for));
  } else {
    w.Null();
  }
  w.Key("forecast");
  core::WriteOptionalNumber(w, p.forecast_load);
  w.Key("forecastAtQuantile");
  core::WriteOptionalNumber(w, p.forecast_load_quantile);
  w.Key("quantile").Double(p.quantile);
  w.Key("model");
  if (p.model) {
    w.String(predictors::ModelSpecName(*p.model));
  } else {
    w.Null();
  }
  w.Key("skillRatio");
  core::WriteOptionalNumber(w, p.skill_ratio);
  w.Key("capped").Bool(p.capped);
  w.Key("fallback").String(PlanFallbackName(p.fallback));
  w.Key("predictorFallback").String(predictors::FallbackReasonName(p.predictor_fallback));
  w.Key("message").String(p.message);
  w.EndObject();
}

// The one definition of the decision's JSON shape; times are Unix seconds.
template <typename Writer>
void WriteDecision(Writer& w, const Decision& d) {
  w.BeginObject();
  w.Key("replicas").Int(d.replicas);
  w.Key("currentReplicas").Int(d.current_replicas);
  w.Key("reason").String(DecisionReasonName(d.reason));
  w.Key("message").String(d.message);
  w.Key("proposals").BeginArray();
  for (const MetricProposal& p : d.proposals) {
    w.BeginObject();
    w.Key("metric").String(p.metric);
    w.Key("type").String(MetricTypeName(p.type));
    w.Key("target").Double(p.target);
    w.Key("current");
    core::WriteOptionalNumber(w, p.current);
    w.Key("ratio");
    core::WriteOptionalNumber(w, p.ratio);
    w.Key("replicas");
    core::WriteOptionalNumber(w, p.replicas);
    w.Key("missing").Bool(p.missing);
    w.Key("stale").Bool(p.stale);
    w.EndObject();
  }
  w.EndArray();
  w.Key("desiredReplicas");
  core::WriteOptionalNumber(w, d.desired_replicas);
  w.Key("stabilizedReplicas");
  core::WriteOptionalNumber(w, d.stabilized_replicas);
  w.Key("limits").BeginArray();
  for (const AppliedLimit& limit : d.limits) {
    w.BeginObject().Key("kind").String(LimitKindName(limit.kind));
    if (limit.value) w.Key("value").Int(*limit.value);
    if (!limit.policy.empty()) w.Key("policy").String(limit.policy);
    if (limit.window_seconds) w.Key("windowSeconds").Int(*limit.window_seconds);
    if (limit.seconds_left) w.Key("secondsLeft").Int(*limit.seconds_left);
    if (limit.direction) w.Key("direction").String(ScaleDirectionName(*limit.direction));
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
    w.Key("timestamp").Double(core::ToUnixSeconds(r.timestamp)).EndObject();
  }
  w.EndArray();
  w.Key("scaleUpEvent");
  WriteEvent(w, d.scale_up_event);
  w.Key("scaleDownEvent");
  WriteEvent(w, d.scale_down_event);
  // Only for targets with a `predictive` block, so other decisions keep their shape.
  if (d.plan) {
    w.Key("desiredSource").String(DesiredSourceName(d.desired_source));
    w.Key("reactiveReplicas");
    core::WriteOptionalNumber(w, d.reactive_replicas);
    WritePlan(w, *d.plan, d.prediction_acted, d.prediction_would_act);
  }
  w.EndObject();
}

}  // namespace

core::Json DecisionToJson(const Decision& d) {
  core::Json out;
  JsonBuilder builder(out);
  WriteDecision(builder, d);
  return out;
}

void WriteDecisionJson(core::JsonWriter& w, const Decision& d) { WriteDecision(w, d); }

}  // namespace gov::controller
