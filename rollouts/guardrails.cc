#include "rollouts/guardrails.h"

#include <array>
#include <cmath>
#include <variant>

#include "experiments/stats/srm.h"

namespace gov::rollouts {

namespace {

namespace stats = experiments::stats;

bool Beyond(const PrometheusGuardrail& g, double value) {
  if (std::isnan(value)) return false;
  return g.comparison == Comparison::kAbove ? value > g.threshold : value < g.threshold;
}

// `state` with `status`, keeping `since` when the status does not change.
void SetStatus(GuardrailState& state, GuardrailStatus status, core::TimePoint since) {
  if (state.status != status || !state.since) state.since = since;
  state.status = status;
}

stats::MetricKind KindOf(experiments::MetricType type) {
  switch (type) {
    case experiments::MetricType::kProportion:
      return stats::MetricKind::kProportion;
    case experiments::MetricType::kMean:
      return stats::MetricKind::kMean;
    case experiments::MetricType::kRatio:
      return stats::MetricKind::kRatio;
  }
  return stats::MetricKind::kMean;
}

stats::VariantStats ToVariantStats(experiments::MetricType type,
                                   const experiments::SufficientStats& s) {
  if (type == experiments::MetricType::kRatio) {
    return stats::RatioStats{
        s.n, {s.sum, s.sum_squares}, {s.den_sum, s.den_sum_squares}, s.cross_sum};
  }
  return stats::SampleStats{s.n, s.sum, s.sum_squares};
}

}  // namespace

GuardrailState ObservePrometheus(const PrometheusGuardrail& g, const GuardrailState& state,
                                 const PrometheusObservation& obs) {
  GuardrailState out = state;
  out.last_evaluated_at = obs.at;
  if (!obs.error.empty()) {
    if (!out.error_since) out.error_since = obs.at;
    out.error = obs.error;
    SetStatus(out, GuardrailStatus::kError, *out.error_since);
    return out;
  }
  out.error_since.reset();
  out.error.reset();
  out.value = obs.value;
  if (!obs.value || !Beyond(g, *obs.value)) {
    out.beyond_since.reset();
    SetStatus(out, GuardrailStatus::kOk, obs.at);
    return out;
  }
  if (!out.beyond_since) out.beyond_since = obs.at;
  const bool long_enough = obs.at - *out.beyond_since >= g.for_duration;
  out.status = long_enough ? GuardrailStatus::kBreached : GuardrailStatus::kBreaching;
  out.since = out.beyond_since;
  return out;
}

bool ErrorTooLong(const PrometheusGuardrail& g, const GuardrailState& state, core::TimePoint now) {
  return state.status == GuardrailStatus::kError && state.error_since &&
         now - *state.error_since >= g.for_duration;
}

core::TimePoint NextEvaluationAt(const PrometheusGuardrail& g, const GuardrailState& state) {
  if (!state.last_evaluated_at) return core::TimePoint{};
  return *state.last_evaluated_at + g.evaluation_interval;
}

double MetricThreshold(const MetricGuardrail& g, experiments::Direction direction) {
  return direction == experiments::Direction::kLowerIsBetter ? g.max_relative_drop
                                                             : -g.max_relative_drop;
}

GuardrailState EvaluateMetric(const MetricGuardrail& g, const GuardrailState& state,
                              const MetricSample& sample, core::TimePoint now,
                              const MetricTestOptions& options) {
  GuardrailState out = state;
  out.last_evaluated_at = now;
  stats::AnalysisOptions o;
  o.metric = KindOf(sample.metric.type);
  o.engine = stats::Engine::kFrequentist;
  o.difference = stats::Difference::kRelative;
  o.alpha = options.alpha;
  o.alternative = stats::Alternative::kTwoSided;
  o.sequential_tuning_parameter = options.tuning_parameter;
  o.inverse = sample.metric.direction == experiments::Direction::kLowerIsBetter;
  const stats::VariantResult r = stats::Compare(o, ToVariantStats(sample.metric.type, sample.rest),
                                                ToVariantStats(sample.metric.type, sample.exposed));
  if (r.error || !r.ci_low || !r.ci_high) {
    out.error = r.error ? r.error->message : "no confidence sequence";
    out.value.reset();
    out.ci_low.reset();
    out.ci_high.reset();
    SetStatus(out, GuardrailStatus::kError, now);
    return out;
  }
  out.error.reset();
  out.value = r.expected;
  out.ci_low = r.ci_low;
  out.ci_high = r.ci_high;
  const double threshold = MetricThreshold(g, sample.metric.direction);
  const bool lower_is_better = o.inverse;
  const bool whole_sequence_bad = lower_is_better ? *r.ci_low > threshold : *r.ci_high < threshold;
  const bool estimate_bad = lower_is_better ? r.expected > threshold : r.expected < threshold;
  if (whole_sequence_bad) {
    SetStatus(out, GuardrailStatus::kBreached, now);
  } else if (estimate_bad) {
    SetStatus(out, GuardrailStatus::kBreaching, now);
  } else {
    SetStatus(out, GuardrailStatus::kOk, now);
  }
  return out;
}

std::optional<SampleRatioCheck> CheckSampleRatio(int rollout_percent,
                                                 const ExposureCounts& counts) {
  if (rollout_percent <= 0 || rollout_percent >= 100) return std::nullopt;
  if (counts.exposed < 0 || counts.unexposed < 0) return std::nullopt;
  const double total = static_cast<double>(counts.exposed + counts.unexposed);
  const double share = rollout_percent / 100.0;
  constexpr double kMinExpected = 5;
  if (total * share < kMinExpected || total * (1 - share) < kMinExpected) return std::nullopt;
  const std::array<int64_t, 2> units = {counts.exposed, counts.unexposed};
  const std::array<double, 2> weights = {share, 1 - share};
  const std::optional<stats::SrmResult> srm = stats::SampleRatioMismatch(units, weights);
  if (!srm) return std::nullopt;
  return SampleRatioCheck{srm->p_value, srm->mismatch, share,
                          static_cast<double>(counts.exposed) / total};
}

}  // namespace gov::rollouts
