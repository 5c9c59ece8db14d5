#pragma once

// Experiment results from the stored aggregates: per metric and variant the units, the mean,
// the effect against the control with its interval, the p-value (frequentist) or chance to win
// (Bayesian) and a verdict; the sample-ratio-mismatch check; warnings; the daily cumulative
// series. A pure function of the experiment, its metric definitions, the per-day deltas of the
// sufficient statistics and the counters, and `now`; the statistics engine does the math.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json_util.h"
#include "experiments/model.h"
#include "experiments/stats/analysis.h"
#include "experiments/stats/srm.h"
#include "experiments/unit_aggregation.h"

namespace gov::experiments {

// Below this many units in a variant the results carry a lowSample warning: under ~100 units
// per arm the normal approximations behind every interval are unreliable.
inline constexpr int64_t kLowSampleUnits = 100;

// A treatment's verdict on one metric, in the metric's direction: win (significantly better),
// loss (significantly worse), inconclusive. Frequentist: the (corrected) p-value is below
// alpha; Bayesian: the chance to win is at least 1 − alpha (win) or at most alpha (loss).
enum class Verdict : uint8_t { kWin, kLoss, kInconclusive };
inline constexpr std::array<std::string_view, 3> kVerdictNames = {"win", "loss", "inconclusive"};

enum class ResultsWarningKind : uint8_t {
  kLowSample,            // a variant has fewer than kLowSampleUnits units
  kMultipleExposures,    // units were exposed to two variants and excluded
  kPeeking,              // a running fixed-horizon frequentist experiment
  kSampleRatioMismatch,  // SRM p-value below stats::kSrmThreshold
};
inline constexpr std::array<std::string_view, 4> kResultsWarningNames = {
    "lowSample", "multipleExposures", "peeking", "sampleRatioMismatch"};

struct ResultsWarning {
  ResultsWarningKind kind = ResultsWarningKind::kLowSample;
  std::string message;
  std::optional<std::string> variant;
  bool operator==(const ResultsWarning&) const = default;
};

// One day's deltas of one variant and metric (as the aggregator stores them).
struct DailyStatsDelta {
  int64_t day = 0;  // days since the Unix epoch, UTC
  std::string variant;
  std::string metric;
  SufficientStats delta;
};

struct ResultCounters {
  int64_t exposures = 0;
  int64_t multiple_exposure_units = 0;
  // Events stored but not aggregated yet (of every environment): 0 when the results reflect
  // every event acknowledged so far.
  int64_t pending_events = 0;
};

// A treatment's power against the control at the current sample size (fixed-horizon, normal
// approximation, 80% power at the experiment's alpha, two-sided): the smallest effect it can
// detect now, the power to detect the effect observed so far, and the units and days still
// needed to detect that effect at the traffic so far (units per day since the start).
inline constexpr double kTargetPower = 0.8;
struct PowerSummary {
  double minimum_detectable_effect = 0;  // in the effect's units (relative or absolute)
  double power = 0;                      // for the observed effect
  double units_needed = 0;               // over control and this treatment
  std::optional<double> days_needed;     // more days at the current rate; 0 when reached
  bool operator==(const PowerSummary&) const = default;
};

struct VariantMetricResult {
  std::string variant;
  bool control = false;
  int64_t units = 0;
  double mean = 0;  // per unit, unadjusted (ratio: Σnumerator / Σdenominator)
  // The interval of `mean` at 1 - alpha (two-sided, normal approximation; ratio: delta
  // method); nullopt with fewer than two units or a degenerate variance.
  std::optional<std::pair<double, double>> mean_ci;
  // Treatments only: the engine's comparison with the control (CUPED-adjusted when on).
  std::optional<stats::VariantResult> comparison;
  std::optional<double> adjusted_p_value;  // frequentist, after the correction
  Verdict verdict = Verdict::kInconclusive;
  std::optional<PowerSummary> power;  // treatments with a comparison
};

struct MetricResult {
  std::string metric;
  MetricRole role = MetricRole::kGoal;
  MetricType type = MetricType::kProportion;
  Direction direction = Direction::kHigherIsBetter;
  bool cuped = false;
  std::vector<VariantMetricResult> variants;  // the control first
};

struct VariantSummary {
  std::string variant;
  bool control = false;
  int64_t units = 0;
  std::optional<int> weight;  // the arm's weight, when the experiment has arms
};

// One point of the daily cumulative series: the statistics up to the end of `day`.
struct SeriesPoint {
  int64_t day = 0;
  std::string metric;
  std::string variant;
  int64_t units = 0;
  double mean = 0;
  std::optional<double> effect;  // treatments with a computable comparison
  std::optional<double> ci_low;
  std::optional<double> ci_high;
};

struct Results {
  std::string experiment;
  ExperimentStatus status = ExperimentStatus::kDraft;
  AnalysisSettings analysis;
  core::TimePoint computed_at{};
  ResultCounters counters;
  std::vector<VariantSummary> variants;  // the control first
  std::optional<stats::SrmResult> srm;
  std::vector<MetricResult> metrics;  // in the experiment's order
  std::vector<ResultsWarning> warnings;
  std::vector<SeriesPoint> series;  // by day, metric, variant
};

// The results of `experiment` from its aggregates. `definitions` holds (at least) the metric
// definitions it uses; a metric without one is skipped. Pure: no I/O, no clock reads.
Results ComputeResults(const Experiment& experiment,
                       const std::vector<MetricDefinition>& definitions,
                       std::span<const DailyStatsDelta> deltas, const ResultCounters& counters,
                       core::TimePoint now);

// The JSON document of GET /api/v1/experiments/{key}/results (api/openapi.yaml,
// ExperimentResults).
core::Json ResultsToJson(const Results& results);

// CSV, one row per metric and variant, with a header row:
// metric,role,type,direction,variant,control,units,mean,effect,ci_low,ci_high,p_value,
// adjusted_p_value,chance_to_win,decision. Empty cells for what does not apply.
std::string ResultsToCsv(const Results& results);

// "YYYY-MM-DD" of a day number (days since the Unix epoch).
std::string DayToDate(int64_t day);

}  // namespace gov::experiments
