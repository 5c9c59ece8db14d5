#include "experiments/unit_aggregation.h"

#include <algorithm>

namespace gov::experiments {

namespace {

enum class Window : uint8_t { kNone, kPost, kPre };

// Which window of the unit's metric values an event at `at_ms` falls in.
Window WindowOf(const AggregationPlan& plan, const MetricDefinition& metric,
                int64_t first_exposure_ms, int64_t at_ms) {
  if (plan.stopped_at_ms && at_ms >= *plan.stopped_at_ms) return Window::kNone;
  if (at_ms >= first_exposure_ms) {
    if (metric.conversion_window_seconds &&
        at_ms >= first_exposure_ms + *metric.conversion_window_seconds * 1000) {
      return Window::kNone;
    }
    return Window::kPost;
  }
  if (plan.cuped_lookback_ms && metric.type != MetricType::kRatio &&
      at_ms >= first_exposure_ms - *plan.cuped_lookback_ms) {
    return Window::kPre;
  }
  return Window::kNone;
}

double Amount(const EventAggregate& aggregate, const StoredEvent& event) {
  if (aggregate.aggregation == Aggregation::kCount) return 1;
  return event.value.value_or(1.0);
}

// Adds a track event to one unit's value of `metric` when it falls in one of its windows.
void AddTrack(const AggregationPlan& plan, const MetricDefinition& metric,
              int64_t first_exposure_ms, const StoredEvent& event, UnitMetricValue& v) {
  if (event.type != EventType::kTrack) return;
  const bool numerator = event.name == metric.numerator.event;
  const bool denominator = metric.type == MetricType::kRatio && metric.denominator &&
                           event.name == metric.denominator->event;
  if (!numerator && !denominator) return;
  const Window window = WindowOf(plan, metric, first_exposure_ms, event.at_ms);
  if (window == Window::kNone) return;
  double& target = window == Window::kPost ? v.value : v.pre_value;
  switch (metric.type) {
    case MetricType::kProportion:
      target = 1;
      break;
    case MetricType::kMean:
      target += Amount(metric.numerator, event);
      break;
    case MetricType::kRatio:
      if (numerator) v.value += Amount(metric.numerator, event);
      if (denominator) v.denominator += Amount(*metric.denominator, event);
      break;
  }
}

void AppendDeltas(const std::string& variant, int64_t day,
                  const std::vector<UnitMetricValue>& before, bool was_counted,
                  const std::vector<UnitMetricValue>& after, bool is_counted,
                  std::vector<StatsDelta>& out) {
  const size_t count = std::max(before.size(), after.size());
  for (size_t i = 0; i < count; ++i) {
    SufficientStats delta;
    if (is_counted && i < after.size()) delta += Contribution(after[i]);
    if (was_counted && i < before.size()) delta -= Contribution(before[i]);
    if (delta == SufficientStats{}) continue;
    out.push_back(StatsDelta{variant, i, day, delta});
  }
}

}  // namespace

int64_t DayOf(int64_t at_ms) {
  // Floor division: days before the epoch are negative.
  return at_ms >= 0 ? at_ms / kMillisPerDay : -((-at_ms + kMillisPerDay - 1) / kMillisPerDay);
}

bool AggregationPlan::UsesEvent(const std::string& name) const {
  for (const MetricDefinition& m : metrics) {
    if (m.numerator.event == name) return true;
    if (m.type == MetricType::kRatio && m.denominator && m.denominator->event == name) return true;
  }
  return false;
}

SufficientStats& SufficientStats::operator+=(const SufficientStats& o) {
  n += o.n;
  sum += o.sum;
  sum_squares += o.sum_squares;
  den_sum += o.den_sum;
  den_sum_squares += o.den_sum_squares;
  cross_sum += o.cross_sum;
  pre_sum += o.pre_sum;
  pre_sum_squares += o.pre_sum_squares;
  pre_cross_sum += o.pre_cross_sum;
  return *this;
}

SufficientStats& SufficientStats::operator-=(const SufficientStats& o) {
  n -= o.n;
  sum -= o.sum;
  sum_squares -= o.sum_squares;
  den_sum -= o.den_sum;
  den_sum_squares -= o.den_sum_squares;
  cross_sum -= o.cross_sum;
  pre_sum -= o.pre_sum;
  pre_sum_squares -= o.pre_sum_squares;
  pre_cross_sum -= o.pre_cross_sum;
  return *this;
}

SufficientStats Contribution(const UnitMetricValue& v) {
  return SufficientStats{1,
                         v.value,
                         v.value * v.value,
                         v.denominator,
                         v.denominator * v.denominator,
                         v.value * v.denominator,
                         v.pre_value,
                         v.pre_value * v.pre_value,
                         v.value * v.pre_value};
}

bool NeedsHistory(const AggregationPlan& plan, const std::optional<UnitState>& state,
                  const StoredEvent& event) {
  if (event.type != EventType::kExposure || event.experiment != plan.key || !event.variant) {
    return false;
  }
  if (plan.stopped_at_ms && event.at_ms >= *plan.stopped_at_ms) return false;
  if (!state) return true;
  return !state->excluded && state->variant == *event.variant &&
         event.at_ms < state->first_exposure_ms;
}

std::vector<UnitMetricValue> ComputeValues(const AggregationPlan& plan, int64_t first_exposure_ms,
                                           std::span<const StoredEvent> events) {
  std::vector<UnitMetricValue> values(plan.metrics.size());
  for (const StoredEvent& e : events) {
    for (size_t i = 0; i < plan.metrics.size(); ++i) {
      AddTrack(plan, plan.metrics[i], first_exposure_ms, e, values[i]);
    }
  }
  return values;
}

UnitUpdate ApplyEvent(const AggregationPlan& plan, const std::optional<UnitState>& state,
                      const StoredEvent& event, std::span<const StoredEvent> history) {
  UnitUpdate out;
  out.state = state;
  if (event.type == EventType::kExposure) {
    if (event.experiment != plan.key || !event.variant) return out;
    if (plan.stopped_at_ms && event.at_ms >= *plan.stopped_at_ms) return out;
    out.exposures = 1;
    const std::string& variant = *event.variant;
    if (!state) {
      // A new unit: n += 1 and its values from the events that arrived before the exposure.
      UnitState fresh{variant, event.at_ms, false, ComputeValues(plan, event.at_ms, history)};
      AppendDeltas(variant, DayOf(event.at_ms), {}, false, fresh.values, true, out.deltas);
      out.state = std::move(fresh);
      out.state_changed = true;
      return out;
    }
    if (state->excluded) return out;
    const int64_t day = DayOf(std::max(event.at_ms, state->first_exposure_ms));
    if (state->variant != variant) {
      UnitState excluded = *state;
      excluded.excluded = true;
      AppendDeltas(state->variant, day, state->values, true, {}, false, out.deltas);
      out.state = std::move(excluded);
      out.state_changed = true;
      out.newly_excluded = 1;
      return out;
    }
    if (event.at_ms >= state->first_exposure_ms) return out;
    // An earlier exposure to the same variant: the windows move, so recompute from the events.
    UnitState moved{variant, event.at_ms, false, ComputeValues(plan, event.at_ms, history)};
    AppendDeltas(variant, day, state->values, true, moved.values, true, out.deltas);
    out.state_changed = moved != *state;
    out.state = std::move(moved);
    return out;
  }
  if (!state || state->excluded || !plan.UsesEvent(event.name)) return out;
  UnitState next = *state;
  next.values.resize(plan.metrics.size());
  for (size_t i = 0; i < plan.metrics.size(); ++i) {
    AddTrack(plan, plan.metrics[i], next.first_exposure_ms, event, next.values[i]);
  }
  if (next == *state) return out;
  AppendDeltas(state->variant, DayOf(std::max(event.at_ms, state->first_exposure_ms)),
               state->values, true, next.values, true, out.deltas);
  out.state = std::move(next);
  out.state_changed = true;
  return out;
}

}  // namespace gov::experiments
