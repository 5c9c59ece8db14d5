// DecisionToJson (declared in decision.h): the decision in the `governor decide` output shape.
#include <utility>

#include "controller/decision.h"

namespace gov::controller {

namespace {

template <typename T>
Json OrNull(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

Json LimitToJson(const AppliedLimit& limit) {
  Json out = {{"kind", limit.kind}};
  if (limit.value) out["value"] = *limit.value;
  if (!limit.policy.empty()) out["policy"] = limit.policy;
  if (limit.window_seconds) out["windowSeconds"] = *limit.window_seconds;
  if (limit.seconds_left) out["secondsLeft"] = *limit.seconds_left;
  if (!limit.direction.empty()) out["direction"] = limit.direction;
  if (!limit.metrics.empty()) out["metrics"] = limit.metrics;
  return out;
}

Json EventToJson(const ScaleEvent& event) {
  return {{"change", event.change}, {"timestamp", ToUnixSeconds(event.timestamp)}};
}

}  // namespace

Json DecisionToJson(const Decision& d) {
  Json proposals = Json::array();
  for (const MetricProposal& p : d.proposals) {
    proposals.push_back({{"metric", p.metric},
                         {"type", std::string(MetricTypeName(p.type))},
                         {"target", p.target},
                         {"current", OrNull(p.current)},
                         {"ratio", OrNull(p.ratio)},
                         {"replicas", OrNull(p.replicas)},
                         {"missing", p.missing},
                         {"stale", p.stale}});
  }
  Json limits = Json::array();
  for (const AppliedLimit& limit : d.limits) limits.push_back(LimitToJson(limit));
  Json recommendations = Json::array();
  for (const Recommendation& r : d.new_recommendations) {
    recommendations.push_back(
        {{"replicas", r.replicas}, {"timestamp", ToUnixSeconds(r.timestamp)}});
  }
  Json out = {
      {"replicas", d.replicas},
      {"currentReplicas", d.current_replicas},
      {"reason", d.reason},
      {"message", d.message},
      {"proposals", std::move(proposals)},
      {"desiredReplicas", OrNull(d.desired_replicas)},
      {"stabilizedReplicas", OrNull(d.stabilized_replicas)},
      {"limits", std::move(limits)},
      {"newRecommendations", std::move(recommendations)},
      {"scaleUpEvent", d.scale_up_event ? EventToJson(*d.scale_up_event) : Json(nullptr)},
      {"scaleDownEvent", d.scale_down_event ? EventToJson(*d.scale_down_event) : Json(nullptr)}};
  return out;
}

}  // namespace gov::controller
