#include "rollouts/plan_evidence.h"

#include <vector>

#include "experiments/stored_metric.h"
#include "experiments/unit_aggregation.h"
#include "store/plan_evidence_repository.h"

namespace gov::rollouts {

namespace {

// The event names `metric` reads: its numerator's and, for a ratio, its denominator's.
std::vector<std::string> EventNames(const experiments::MetricDefinition& metric) {
  std::vector<std::string> names = {metric.numerator.event};
  if (metric.type == experiments::MetricType::kRatio && metric.denominator &&
      metric.denominator->event != metric.numerator.event) {
    names.push_back(metric.denominator->event);
  }
  return names;
}

// Sums each exposed unit's contribution into its arm. `rows` are ordered by unit and variant
// (PlanEvidenceRepository::ReadExposedUnitEvents). A unit seen in both arms is skipped, as is
// a variant other than the two arms. Returns the number of units counted.
int64_t SumArms(const experiments::AggregationPlan& plan,
                const std::vector<store::PlanUnitEventRow>& rows, MetricSample& sample) {
  int64_t counted = 0;
  std::vector<experiments::StoredEvent> events;
  size_t i = 0;
  while (i < rows.size()) {
    const std::string& unit = rows[i].unit;
    size_t unit_end = i;
    while (unit_end < rows.size() && rows[unit_end].unit == unit) ++unit_end;
    if (rows[i].variant != rows[unit_end - 1].variant) {
      i = unit_end;  // exposed to both arms: it belongs to neither
      continue;
    }
    const std::string& variant = rows[i].variant;
    experiments::SufficientStats* arm = variant == kPlanArmExposed ? &sample.exposed
                                        : variant == kPlanArmRest  ? &sample.rest
                                                                   : nullptr;
    if (arm != nullptr) {
      events.clear();
      for (size_t j = i; j < unit_end; ++j) {
        const store::PlanUnitEventRow& r = rows[j];
        if (!r.seq) continue;
        experiments::StoredEvent e;
        e.seq = *r.seq;
        e.type = experiments::EventType::kTrack;
        e.name = r.name;
        e.unit = r.unit;
        e.value = r.value;
        e.at_ms = r.at_ms;
        events.push_back(std::move(e));
      }
      const std::vector<experiments::UnitMetricValue> values =
          experiments::ComputeValues(plan, rows[i].first_exposure_ms, events);
      *arm += experiments::Contribution(values.at(0));
      ++counted;
    }
    i = unit_end;
  }
  return counted;
}

}  // namespace

std::string PlanExposureKey(const std::string& plan, core::TimePoint milestone_started_at) {
  return "release-plan:" + plan + "@" + std::to_string(core::ToUnixMillis(milestone_started_at));
}

SqlPlanEvidence::SqlPlanEvidence(store::Database& db, SqlPlanEvidenceOptions options,
                                 std::shared_ptr<store::MetricStore> metrics)
    : db_(db),
      options_(options),
      metrics_(metrics ? std::move(metrics) : std::make_shared<store::SqlMetricStore>()) {}

core::StatusOr<std::optional<ExposureCounts>> SqlPlanEvidence::Exposures(
    const ReleasePlanSpec& spec, core::TimePoint since, core::TimePoint now) {
  const std::string key = PlanExposureKey(spec.name, since);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = counted_.find(key);
    if (it != counted_.end() && it->second.first <= now &&
        now - it->second.first < options_.exposures_interval) {
      return it->second.second;
    }
  }
  std::vector<store::PlanExposureCountRow> rows;
  RETURN_IF_ERROR(
      store::WithTransaction(db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) {
        ASSIGN_OR_RETURN(rows,
                         store::PlanEvidenceRepository::CountExposures(tx, spec.environment, key));
        return core::Status::Ok();
      }));
  ExposureCounts counts;
  for (const store::PlanExposureCountRow& row : rows) {
    if (row.variant == kPlanArmExposed) counts.exposed = row.units;
    if (row.variant == kPlanArmRest) counts.unexposed = row.units;
  }
  std::optional<ExposureCounts> out;
  if (counts.exposed != 0 || counts.unexposed != 0) out = counts;
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(counted_, [&](const auto& entry) {
    return now - entry.second.first >= options_.exposures_interval;
  });
  counted_[key] = {now, out};
  return out;
}

core::StatusOr<std::optional<MetricSample>> SqlPlanEvidence::Metric(
    const ReleasePlanSpec& spec, const MetricGuardrail& guardrail, core::TimePoint since,
    core::TimePoint now) {
  const std::string key = PlanExposureKey(spec.name, since);
  const auto cache_key = std::make_pair(key, guardrail.metric);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && it->second.first <= now &&
        now - it->second.first < options_.metric_interval) {
      return it->second.second;
    }
  }
  std::optional<MetricSample> sample;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(auto record, metrics_->Find(tx, guardrail.metric));
        if (!record) {
          return core::Status(core::StatusCode::kNotFound,
                              "metric " + guardrail.metric + " not found", "metric");
        }
        ASSIGN_OR_RETURN(experiments::MetricDefinition definition,
                         experiments::MetricDefinitionFromRecord(*record));
        const experiments::AggregationPlan plan{key, spec.environment, {definition}, {}, {}};
        ASSIGN_OR_RETURN(auto rows, store::PlanEvidenceRepository::ReadExposedUnitEvents(
                                        tx, spec.environment, key, EventNames(definition)));
        MetricSample computed{std::move(definition), {}, {}};
        if (SumArms(plan, rows, computed) > 0) sample = std::move(computed);
        return core::Status::Ok();
      }));
  std::lock_guard<std::mutex> lock(mu_);
  // Entries whose interval has passed are recomputed on their next call anyway: drop them, so
  // the windows of milestones long gone do not accumulate.
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (now - it->second.first >= options_.metric_interval) {
      it = cache_.erase(it);
    } else {
      ++it;
    }
  }
  cache_[cache_key] = {now, sample};
  return sample;
}

}  // namespace gov::rollouts
