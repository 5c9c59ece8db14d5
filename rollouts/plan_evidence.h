#pragma once

// Where a running release plan's evidence comes from: the exposures that server-side
// evaluation (OFREP, /api/frontend) records for it, and the track events of the units exposed.
//
// While a plan runs, each evaluation of its feature in its environment records an exposure of
// the unit (the plan's stickiness value: userId, else sessionId, for "default") to one of two
// arms, decided by the plan's managed flexibleRollout alone, exactly as that strategy buckets
// units: "exposed" when the unit's rollout hash (groupId = the feature) falls within the
// milestone's percentage, "rest" otherwise. Constraints are not part of the arm: a unit the
// bucket exposes counts as exposed even when a constraint kept the feature from it, so the
// arms keep the milestone's ratio exactly and the sample-ratio check stays valid.
//
// Each evidence window (a milestone's run: from its start, a resume or a step back) has its
// own key, PlanExposureKey(plan, milestone_started_at), stored as the exposure's `experiment`
// in the events table; the exposure's id is "exposure:<key>:<unit>", so a unit is counted
// once per window however often it is evaluated and on however many replicas.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "core/clock.h"
#include "core/status.h"
#include "experiments/model.h"
#include "experiments/running_experiments.h"
#include "rollouts/release_plan_service.h"
#include "store/database.h"
#include "store/metric_repository.h"

namespace gov::rollouts {

// The arms of a plan's evidence window.
inline constexpr std::string_view kPlanArmExposed = experiments::kRolloutArmExposed;
inline constexpr std::string_view kPlanArmRest = experiments::kRolloutArmRest;

// The key of the evidence window of `plan` whose milestone started at `milestone_started_at`:
// "release-plan:<plan>@<Unix milliseconds>".
std::string PlanExposureKey(const std::string& plan, core::TimePoint milestone_started_at);

struct SqlPlanEvidenceOptions {
  // A metric guardrail's sample is recomputed at most this often per window (it reads every
  // exposed unit's track events); between recomputations the last one is returned.
  core::Duration metric_interval = std::chrono::seconds(10);
  // A window's exposure counts are recounted at most this often (the count reads each of the
  // window's exposures; the runner asks twice a second); 0: every call.
  core::Duration exposures_interval = std::chrono::seconds(2);
};

// PlanEvidenceSource over the events table: the window's exposures (by the events_experiment
// index) and, for a metric guardrail, the metric of each exposed unit computed from its track
// events exactly as experiment aggregation computes it (experiments::ComputeValues: from the
// unit's first exposure in the window, within the metric's conversion window), summed per arm.
// A unit with exposures to both arms of a window (the bucketing never does that) counts in
// neither, in Exposures(...) as in Metric(...). Exposures(...) is nullopt when neither arm has
// a unit. Metric(...) is kNotFound naming the field "metric" when the definition is gone, and
// nullopt when neither arm has a unit yet; it reads the metric's events in one query (the
// window's exposures joined with their units' events by the events_unit_id index).
// Thread-safe.
class SqlPlanEvidence final : public PlanEvidenceSource {
 public:
  explicit SqlPlanEvidence(store::Database& db, SqlPlanEvidenceOptions options = {},
                           std::shared_ptr<store::MetricStore> metrics = nullptr);

  core::StatusOr<std::optional<ExposureCounts>> Exposures(const ReleasePlanSpec& spec,
                                                          core::TimePoint since,
                                                          core::TimePoint now) override;
  core::StatusOr<std::optional<MetricSample>> Metric(const ReleasePlanSpec& spec,
                                                     const MetricGuardrail& guardrail,
                                                     core::TimePoint since,
                                                     core::TimePoint now) override;

 private:
  store::Database& db_;
  SqlPlanEvidenceOptions options_;
  std::shared_ptr<store::MetricStore> metrics_;
  std::mutex mu_;
  // (window key, metric) -> when computed, and the sample.
  std::map<std::pair<std::string, std::string>,
           std::pair<core::TimePoint, std::optional<MetricSample>>>
      cache_;
  // window key -> when counted, and the counts.
  std::map<std::string, std::pair<core::TimePoint, std::optional<ExposureCounts>>> counted_;
};

}  // namespace gov::rollouts
