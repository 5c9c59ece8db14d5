#include "controller/decision.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace gov::controller {

namespace {

using std::chrono::seconds;

// ceil(x) as a replica count: NaN and negatives give 0, huge values saturate (HPA caps the
// Value proposal at MaxInt32 the same way).
int32_t CeilReplicas(double x) {
  const double c = std::ceil(x);
  if (!(c > 0)) return 0;
  if (c >= static_cast<double>(std::numeric_limits<int32_t>::max())) {
    return std::numeric_limits<int32_t>::max();
  }
  return static_cast<int32_t>(c);
}

// Whole seconds, rounded up, in a positive duration.
int64_t CeilSeconds(core::Duration d) {
  const int64_t ns_per_s = 1'000'000'000;
  return (d.count() + ns_per_s - 1) / ns_per_s;
}

const MetricReading* FindReading(std::span<const MetricReading> readings, std::string_view name) {
  for (const MetricReading& r : readings) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string FormatRatio(double ratio) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", ratio);
  return buf;
}

AppliedLimit MakeLimit(LimitKind kind, std::optional<int32_t> value = std::nullopt) {
  AppliedLimit limit;
  limit.kind = kind;
  limit.value = value;
  return limit;
}

// Records a scale event for a change from `from` to `to` replicas (HPA storeScaleEvent).
void SetScaleEvent(Decision& d, int32_t from, int32_t to, core::TimePoint now) {
  if (to > from) d.scale_up_event = ScaleEvent{to - from, now};
  if (to < from) d.scale_down_event = ScaleEvent{from - to, now};
}

// Governor's cooldown: a scale-up waits scale_up_seconds after the last scale-up; a scale-down
// waits scale_down_seconds after the last scaling action of either direction. Returns the
// Cooldown limit when the change from `current` to `replicas` must wait.
std::optional<AppliedLimit> CooldownHold(const Cooldown& cooldown, const TargetState& state,
                                         int32_t current, int32_t replicas, core::TimePoint now) {
  if (replicas == current) return std::nullopt;
  const bool up = replicas > current;
  std::optional<core::TimePoint> last = state.last_scale_up;
  if (!up && state.last_scale_down && (!last || *state.last_scale_down > *last)) {
    last = state.last_scale_down;
  }
  const int64_t wait = up ? cooldown.scale_up_seconds : cooldown.scale_down_seconds;
  if (!last || wait <= 0) return std::nullopt;
  const core::Duration left = seconds(wait) - (now - *last);
  if (left <= core::Duration::zero()) return std::nullopt;
  AppliedLimit limit = MakeLimit(LimitKind::kCooldown);
  limit.seconds_left = CeilSeconds(left);
  limit.direction = up ? ScaleDirection::kUp : ScaleDirection::kDown;
  return limit;
}

// Result of the metric step: the desired count, or nullopt when missing data forbids acting.
struct MetricStep {
  std::optional<int32_t> desired;
  std::string leading_metric;  // first metric proposing the maximum (HPA's rescaleMetric)
  std::vector<std::string> missing;
};

// Per-metric proposals and their maximum (HPA computeReplicasForMetrics). If every metric is
// missing, or some are and the rest would not scale up (proposal < current), there is no
// desired count: HPA returns an error and does not scale, so a scale-down never happens on
// partial data while a scale-up still does.
MetricStep ComputeProposals(const TargetSpec& spec, const Observation& obs, core::TimePoint now,
                            std::vector<MetricProposal>& proposals) {
  const int32_t current = obs.current_replicas;
  const int32_t ready = obs.ready_replicas.value_or(current);
  const double up_tolerance = spec.behavior.scale_up.tolerance.value_or(spec.tolerance);
  const double down_tolerance = spec.behavior.scale_down.tolerance.value_or(spec.tolerance);
  MetricStep step;
  std::optional<int32_t> best;
  for (const MetricSpec& metric : spec.metrics) {
    MetricProposal p;
    p.metric = metric.name;
    p.type = metric.type;
    p.target = metric.target;
    const MetricReading* reading = FindReading(obs.metrics, metric.name);
    if (reading != nullptr && reading->value && std::isfinite(*reading->value)) {
      p.current = *reading->value;
      p.stale =
          reading->sampled_at && now - *reading->sampled_at > seconds(spec.metric_max_age_seconds);
    }
    if (p.current && !p.stale) {
      p.ratio = *p.current / metric.target;
      p.replicas = ProposeReplicas(metric.type, *p.current, metric.target, current, ready,
                                   up_tolerance, down_tolerance);
    }
    if (!p.replicas) {
      p.missing = true;
      step.missing.push_back(metric.name);
    } else if (!best || *p.replicas > *best) {
      best = p.replicas;
      step.leading_metric = metric.name;
    }
    proposals.push_back(std::move(p));
  }
  const bool all_missing = step.missing.size() >= spec.metrics.size();
  if (all_missing || (!step.missing.empty() && *best < current)) return step;
  step.desired = *best;
  return step;
}

// The bound a forecastAndScale prediction may raise maxReplicas to (maxCapacityBreach
// `increase`), when the plan asks for more than maxReplicas; else maxReplicas.
int32_t EffectiveMaxReplicas(const TargetSpec& spec, const Observation& obs) {
  if (!spec.predictive || spec.predictive->mode != PredictiveMode::kForecastAndScale ||
      spec.predictive->max_capacity_breach != MaxCapacityBreach::kIncrease || !obs.plan ||
      !obs.plan->replicas || *obs.plan->replicas <= spec.max_replicas) {
    return spec.max_replicas;
  }
  return *obs.plan->replicas;
}

}  // namespace

std::optional<int32_t> ProposeReplicas(MetricType type, double value, double target,
                                       int32_t current_replicas, int32_t ready_replicas,
                                       double scale_up_tolerance, double scale_down_tolerance) {
  // HPA: "did not receive metrics for targeted pods" — an error, i.e. a missing metric. (For
  // Value, HPA would propose ceil(ratio × 0) = 0; Governor treats it as missing instead.)
  if (!std::isfinite(value) || !(target > 0) || ready_replicas <= 0) return std::nullopt;
  // Tolerances.isWithin.
  auto within = [&](double ratio) {
    return (1.0 - scale_down_tolerance) <= ratio && ratio <= (1.0 + scale_up_tolerance);
  };
  const double usage_ratio = value / target;
  if (type == MetricType::kValue) {
    // getUsageRatioReplicaCount: a total over the target, spread over the ready replicas.
    if (within(usage_ratio)) return current_replicas;
    return CeilReplicas(usage_ratio * ready_replicas);
  }
  // calcPlainMetricReplicas / GetResourceReplicas with `value` the mean over ready replicas.
  const bool scale_up_with_unready = ready_replicas < current_replicas && usage_ratio > 1.0;
  if (!scale_up_with_unready) {
    if (within(usage_ratio)) return current_replicas;
    return CeilReplicas(usage_ratio * ready_replicas);
  }
  // On a scale-up, unready replicas count as using 0: recompute the mean over all replicas.
  const double new_usage_ratio = (value * ready_replicas / current_replicas) / target;
  if (within(new_usage_ratio) || new_usage_ratio < 1.0) {
    // Too small a change, or the unready replicas flip the direction: keep the count.
    return current_replicas;
  }
  const int32_t new_replicas = CeilReplicas(new_usage_ratio * current_replicas);
  if (new_replicas < current_replicas) return current_replicas;
  return new_replicas;
}

Decision Decide(const TargetSpec& spec, const TargetState& state, const Observation& obs,
                core::TimePoint now) {
  Decision d;
  const int32_t current = obs.current_replicas;
  d.current_replicas = current;
  d.replicas = current;

  // HPA recordInitialRecommendation: an unknown history starts as {current, now}.
  std::vector<Recommendation> seeded;
  if (!state.recommendations) {
    seeded.push_back({current, now});
    d.new_recommendations.push_back({current, now});
  }
  const std::span<const Recommendation> history =
      state.recommendations ? std::span<const Recommendation>(*state.recommendations)
                            : std::span<const Recommendation>(seeded);

  // HPA reconcileAutoscaler: a target scaled to zero (with minReplicas >= 1) is left alone.
  if (current <= 0) {
    d.reason = DecisionReason::kScalingDisabled;
    d.message = "scaling is disabled since the replica count of the target is zero";
    return d;
  }
  if (spec.predictive && obs.plan) d.plan = obs.plan;
  const int32_t max_replicas = EffectiveMaxReplicas(spec, obs);
  // Outside [min, max] (e.g. after a config change): go straight to the bound.
  if (current > max_replicas || current < spec.min_replicas) {
    const bool above = current > max_replicas;
    d.replicas = above ? max_replicas : spec.min_replicas;
    d.reason = above ? DecisionReason::kTooManyReplicas : DecisionReason::kTooFewReplicas;
    d.message = "current replica count " + std::to_string(current) +
                (above ? " is above maxReplicas " : " is below minReplicas ") +
                std::to_string(d.replicas) + "; scaling " + std::to_string(current) + " -> " +
                std::to_string(d.replicas);
    d.limits.push_back(
        MakeLimit(above ? LimitKind::kTooManyReplicas : LimitKind::kTooFewReplicas, d.replicas));
    SetScaleEvent(d, current, d.replicas, now);
    return d;
  }

  std::string summary;
  int32_t desired = 0;
  if (obs.desired_replicas) {
    desired = std::max(0, *obs.desired_replicas);
    d.desired_source = DesiredSource::kGiven;
    summary = "desired replicas given as " + std::to_string(desired);
  } else {
    MetricStep step = ComputeProposals(spec, obs, now, d.proposals);
    if (!step.desired) {
      d.reason = DecisionReason::kMissingMetrics;
      const bool all = step.missing.size() >= spec.metrics.size();
      d.message = (all ? "no usable metric (" + JoinNames(step.missing) + " missing or stale)"
                       : "metrics " + JoinNames(step.missing) +
                             " missing or stale and the others do not ask for a scale-up") +
                  "; keeping " + std::to_string(current) + " replicas";
      AppliedLimit limit = MakeLimit(LimitKind::kMissingMetrics);
      limit.metrics = std::move(step.missing);
      d.limits.push_back(std::move(limit));
      return d;
    }
    desired = *step.desired;
    if (desired > current) {
      summary = step.leading_metric + " above target";
      for (const MetricProposal& p : d.proposals) {
        if (p.metric == step.leading_metric) summary += " (ratio " + FormatRatio(*p.ratio) + ")";
      }
    } else if (desired < current) {
      summary = "all metrics below target";
    } else {
      summary = "metrics within tolerance of target";
    }
    if (!step.missing.empty()) summary += "; " + JoinNames(step.missing) + " missing or stale";
  }
  d.reactive_replicas = desired;
  // Prediction: the planner's proposal raises the desired count, never lowers it.
  if (d.plan) {
    const PredictivePlan& plan = *d.plan;
    const bool scale = spec.predictive->mode == PredictiveMode::kForecastAndScale;
    if (!plan.replicas) {
      summary += "; prediction proposes nothing (" + plan.message + "), reactive only";
    } else if (*plan.replicas > desired) {
      if (scale) {
        d.prediction_acted = true;
        d.desired_source = DesiredSource::kPrediction;
        summary += "; prediction raises " + std::to_string(desired) + " to " +
                   std::to_string(*plan.replicas) + ": " + plan.message;
        desired = *plan.replicas;
      } else {
        d.prediction_would_act = true;
        summary += "; forecastOnly: prediction would raise " + std::to_string(desired) + " to " +
                   std::to_string(*plan.replicas) + ": " + plan.message;
      }
    } else {
      summary += "; prediction asks for " + std::to_string(*plan.replicas) + ", not more (" +
                 plan.message + ")";
    }
  }
  d.desired_replicas = desired;
  std::string message = summary + "; proposal " + std::to_string(desired) + " (current " +
                        std::to_string(current) + ")";

  // HPA normalizeDesiredReplicasWithBehaviors: stabilize, then rate-limit and clamp.
  const Stabilization stabilized = Stabilize(current, desired, history, spec.behavior, now);
  d.stabilized_replicas = stabilized.replicas;
  d.new_recommendations.push_back({desired, now});
  if (stabilized.replicas != desired) {
    const bool up = stabilized.reason == DecisionReason::kScaleUpStabilized;
    const int32_t window = up ? spec.behavior.scale_up.stabilization_window_seconds
                              : spec.behavior.scale_down.stabilization_window_seconds;
    AppliedLimit limit = MakeLimit(
        up ? LimitKind::kScaleUpStabilized : LimitKind::kScaleDownStabilized, stabilized.replicas);
    limit.window_seconds = window;
    d.limits.push_back(std::move(limit));
    message += "; stabilized to " + std::to_string(stabilized.replicas) +
               (up ? ": recent recommendations were lower, applying the lowest of the last "
                   : ": recent recommendations were higher, applying the highest of the last ") +
               std::to_string(window) + "s";
  }
  const RateLimit limited =
      ApplyRateLimits(current, stabilized.replicas, spec.min_replicas, max_replicas,
                      state.scale_up_events, state.scale_down_events, spec.behavior, now);
  d.reason = limited.reason;
  if (const std::optional<LimitKind> kind = ReasonLimit(limited.reason)) {
    AppliedLimit limit = MakeLimit(*kind, limited.replicas);
    const ScalingRules& rules =
        *kind == LimitKind::kScaleUpLimit ? spec.behavior.scale_up : spec.behavior.scale_down;
    if (*kind == LimitKind::kScaleUpLimit || *kind == LimitKind::kScaleDownLimit) {
      limit.policy = limited.limit.policy_index
                         ? DescribePolicy(rules.policies[*limited.limit.policy_index])
                         : "selectPolicy Disabled";
    }
    message += "; limited to " + std::to_string(limited.replicas) + ": " +
               std::string(limited.message) +
               (limit.policy.empty() ? "" : " (" + limit.policy + ")");
    d.limits.push_back(std::move(limit));
  } else if (stabilized.replicas != desired) {
    d.reason = stabilized.reason;
  }

  // Governor's cooldown, on top of behavior.
  int32_t replicas = limited.replicas;
  if (std::optional<AppliedLimit> hold =
          CooldownHold(spec.cooldown, state, current, replicas, now)) {
    d.reason = DecisionReason::kCooldown;
    message += "; held at " + std::to_string(current) + ": " +
               (replicas > current ? "scale-up" : "scale-down") + " cooldown, " +
               std::to_string(*hold->seconds_left) + "s left";
    d.limits.push_back(std::move(*hold));
    replicas = current;
  }
  d.replicas = replicas;
  message += replicas == current
                 ? "; keeping " + std::to_string(current)
                 : "; scaling " + std::to_string(current) + " -> " + std::to_string(replicas);
  d.message = std::move(message);
  SetScaleEvent(d, current, replicas, now);
  return d;
}

TargetState PruneState(const Behavior& behavior, const TargetState& state, core::TimePoint now) {
  TargetState out = state;
  if (out.recommendations) {
    const core::TimePoint up_cutoff = now - seconds(behavior.scale_up.stabilization_window_seconds);
    const core::TimePoint down_cutoff =
        now - seconds(behavior.scale_down.stabilization_window_seconds);
    std::erase_if(*out.recommendations, [&](const Recommendation& r) {
      return r.timestamp < up_cutoff && r.timestamp < down_cutoff;
    });
  }
  // HPA getLongestPolicyPeriod + markScaleEventsOutdated.
  auto prune_events = [&](std::vector<ScaleEvent>& events, const ScalingRules& rules) {
    int32_t longest = 0;
    for (const ScalingPolicy& p : rules.policies) longest = std::max(longest, p.period_seconds);
    const core::TimePoint cutoff = now - seconds(longest);
    std::erase_if(events, [&](const ScaleEvent& e) { return e.timestamp < cutoff; });
  };
  prune_events(out.scale_up_events, behavior.scale_up);
  prune_events(out.scale_down_events, behavior.scale_down);
  return out;
}

}  // namespace gov::controller
