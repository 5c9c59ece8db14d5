// Results from hand-computed aggregates: verdict signs (incl. lowerIsBetter), SRM, warnings,
// corrections, the daily series, JSON and CSV.
#include "experiments/results.h"

#include <gtest/gtest.h>

#include <cmath>

#include "experiments/stats/corrections.h"

namespace gov::experiments {
namespace {

constexpr int64_t kDay0 = 20'000;  // 2024-10-04

// A variant's statistics with `n` units whose values have this mean and sample variance.
SufficientStats Stats(int64_t n, double mean, double variance) {
  SufficientStats s;
  s.n = n;
  s.sum = static_cast<double>(n) * mean;
  s.sum_squares = static_cast<double>(n - 1) * variance + static_cast<double>(n) * mean * mean;
  return s;
}

MetricDefinition Mean(std::string name, Direction direction = Direction::kHigherIsBetter) {
  MetricDefinition m;
  m.name = std::move(name);
  m.type = MetricType::kMean;
  m.numerator = {"purchase", Aggregation::kSum};
  m.direction = direction;
  return m;
}

Experiment MakeExperiment(std::vector<std::string> metrics) {
  Experiment e;
  e.key = "exp";
  e.environment = "production";
  e.feature = "checkout";
  e.control_variant = "control";
  for (size_t i = 0; i < metrics.size(); ++i) {
    e.metrics.push_back({metrics[i], i == 0 ? MetricRole::kGoal : MetricRole::kSecondary});
  }
  e.status = ExperimentStatus::kRunning;
  e.arms = {{"control", 500}, {"treatment", 500}};
  e.analysis.difference = Difference::kAbsolute;
  e.analysis.sequential_tuning_parameter = std::nullopt;
  e.analysis.correction = Correction::kNone;
  return e;
}

std::vector<DailyStatsDelta> TwoArms(const std::string& metric, SufficientStats control,
                                     SufficientStats treatment) {
  return {{kDay0, "control", metric, control}, {kDay0, "treatment", metric, treatment}};
}

const core::TimePoint kNow = core::FromUnixMillis((kDay0 + 3) * kMillisPerDay);

bool HasWarning(const Results& r, ResultsWarningKind kind) {
  for (const ResultsWarning& w : r.warnings) {
    if (w.kind == kind) return true;
  }
  return false;
}

TEST(ResultsTest, DayToDate) {
  EXPECT_EQ(DayToDate(0), "1970-01-01");
  EXPECT_EQ(DayToDate(kDay0), "2024-10-04");
  EXPECT_EQ(DayToDate(-1), "1969-12-31");
}

struct VerdictCase {
  const char* name;
  Direction direction;
  double treatment_mean;
  Verdict expected;
};

TEST(ResultsTest, VerdictFollowsTheMetricsDirection) {
  // n = 10000 per arm, variance 1: the standard error of the difference is sqrt(2/10000) =
  // 0.01414; a difference of ±0.1 is z = 7.07 (p < 1e-11), ±0.001 is z = 0.07 (p = 0.94).
  const std::vector<VerdictCase> cases = {
      {"higher is better, up", Direction::kHigherIsBetter, 10.1, Verdict::kWin},
      {"higher is better, down", Direction::kHigherIsBetter, 9.9, Verdict::kLoss},
      {"lower is better, up", Direction::kLowerIsBetter, 10.1, Verdict::kLoss},
      {"lower is better, down", Direction::kLowerIsBetter, 9.9, Verdict::kWin},
      {"no difference", Direction::kHigherIsBetter, 10.001, Verdict::kInconclusive},
  };
  for (const VerdictCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Results r = ComputeResults(
        MakeExperiment({"m"}), {Mean("m", c.direction)},
        TwoArms("m", Stats(10000, 10, 1), Stats(10000, c.treatment_mean, 1)), {}, kNow);
    ASSERT_EQ(r.metrics.size(), 1u);
    ASSERT_EQ(r.metrics[0].variants.size(), 2u);
    const VariantMetricResult& control = r.metrics[0].variants[0];
    const VariantMetricResult& treatment = r.metrics[0].variants[1];
    EXPECT_TRUE(control.control);
    EXPECT_FALSE(control.comparison);
    ASSERT_TRUE(treatment.comparison);
    EXPECT_NEAR(treatment.comparison->expected, c.treatment_mean - 10, 1e-9);
    EXPECT_EQ(treatment.verdict, c.expected);
    EXPECT_DOUBLE_EQ(treatment.mean, c.treatment_mean);
    EXPECT_EQ(treatment.units, 10000);
  }
}

TEST(ResultsTest, PowerAndTheTimeToDetectTheObservedEffect) {
  // Absolute difference, n = 10000 per arm, variance 1: SE = sqrt(2/10000) = 0.014142.
  // MDE at 80% power, alpha 0.05 two-sided: (1.959964 + 0.841621) * SE = 0.039620.
  // Observed effect 0.02: power = Phi(0.02/SE - 1.959964) + Phi(-0.02/SE - 1.959964) = 0.2930.
  // Units to detect 0.02: 20000 * (0.039620 / 0.02)^2 = 78,489; at 20000 units in 2 days
  // (started 2 days before now, 10000 a day), 5.849 more days (scipy.stats.norm).
  Experiment e = MakeExperiment({"m"});
  e.started_at = kNow - std::chrono::hours(48);
  const Results r = ComputeResults(
      e, {Mean("m")}, TwoArms("m", Stats(10000, 10, 1), Stats(10000, 10.02, 1)), {}, kNow);
  const VariantMetricResult& t = r.metrics[0].variants[1];
  ASSERT_TRUE(t.power);
  EXPECT_NEAR(t.power->minimum_detectable_effect, 0.0396204, 1e-6);
  EXPECT_NEAR(t.power->power, 0.29299, 1e-4);
  EXPECT_NEAR(t.power->units_needed, 78488.8, 1.0);
  ASSERT_TRUE(t.power->days_needed);
  EXPECT_NEAR(*t.power->days_needed, 5.8488, 1e-3);
  EXPECT_FALSE(r.metrics[0].variants[0].power);  // the control has no comparison
  // A stopped experiment gains no more units: no time.
  e.status = ExperimentStatus::kStopped;
  e.stopped_at = kNow;
  const Results stopped = ComputeResults(
      e, {Mean("m")}, TwoArms("m", Stats(10000, 10, 1), Stats(10000, 10.02, 1)), {}, kNow);
  ASSERT_TRUE(stopped.metrics[0].variants[1].power);
  EXPECT_FALSE(stopped.metrics[0].variants[1].power->days_needed);
}

TEST(ResultsTest, BayesianVerdictUsesTheChanceToWin) {
  Experiment e = MakeExperiment({"m"});
  e.analysis.engine = Engine::kBayesian;
  const Results lower =
      ComputeResults(e, {Mean("m", Direction::kLowerIsBetter)},
                     TwoArms("m", Stats(10000, 10, 1), Stats(10000, 9.9, 1)), {}, kNow);
  const VariantMetricResult& t = lower.metrics[0].variants[1];
  ASSERT_TRUE(t.comparison && t.comparison->chance_to_win);
  EXPECT_GT(*t.comparison->chance_to_win, 0.99);
  EXPECT_EQ(t.verdict, Verdict::kWin);
  EXPECT_FALSE(HasWarning(lower, ResultsWarningKind::kPeeking));  // Bayesian: no p-values
}

TEST(ResultsTest, SampleRatioMismatchBelowOneInAThousandWarns) {
  // 1000 vs 1200 at 50/50: χ² = 2·100²/1100 = 18.18, p = 2.0e-5.
  const Results bad = ComputeResults(MakeExperiment({"m"}), {Mean("m")},
                                     TwoArms("m", Stats(1000, 1, 1), Stats(1200, 1, 1)), {}, kNow);
  ASSERT_TRUE(bad.srm);
  EXPECT_NEAR(bad.srm->chi_square, 18.1818, 1e-3);
  EXPECT_LT(bad.srm->p_value, 0.001);
  EXPECT_TRUE(HasWarning(bad, ResultsWarningKind::kSampleRatioMismatch));
  // 1000 vs 1010: χ² = 0.0498, p = 0.82.
  const Results ok = ComputeResults(MakeExperiment({"m"}), {Mean("m")},
                                    TwoArms("m", Stats(1000, 1, 1), Stats(1010, 1, 1)), {}, kNow);
  ASSERT_TRUE(ok.srm);
  EXPECT_GT(ok.srm->p_value, 0.8);
  EXPECT_FALSE(HasWarning(ok, ResultsWarningKind::kSampleRatioMismatch));
}

TEST(ResultsTest, WarnsOfLowSampleMultipleExposuresAndPeeking) {
  Experiment e = MakeExperiment({"m"});
  const Results r = ComputeResults(e, {Mean("m")}, TwoArms("m", Stats(99, 1, 1), Stats(100, 1, 1)),
                                   ResultCounters{250, 3}, kNow);
  ASSERT_EQ(r.warnings.size(), 3u);
  EXPECT_EQ(r.warnings[0].kind, ResultsWarningKind::kLowSample);
  EXPECT_EQ(r.warnings[0].variant, "control");  // 100 units is enough
  EXPECT_EQ(r.warnings[1].kind, ResultsWarningKind::kMultipleExposures);
  EXPECT_EQ(r.warnings[1].message,
            "3 units were exposed to more than one variant and are excluded");
  EXPECT_EQ(r.warnings[2].kind, ResultsWarningKind::kPeeking);
  // Sequential testing, or a stopped experiment: no peeking warning.
  e.analysis.sequential_tuning_parameter = 5000;
  EXPECT_FALSE(
      HasWarning(ComputeResults(e, {Mean("m")}, {}, {}, kNow), ResultsWarningKind::kPeeking));
  e.analysis.sequential_tuning_parameter = std::nullopt;
  e.status = ExperimentStatus::kStopped;
  EXPECT_FALSE(
      HasWarning(ComputeResults(e, {Mean("m")}, {}, {}, kNow), ResultsWarningKind::kPeeking));
}

TEST(ResultsTest, CorrectionsAcrossMetricsCanTurnAWinInconclusive) {
  // Each metric alone: difference 0.0307 with SE 0.014142, z = 2.17, p ≈ 0.030 < 0.05.
  // Holm over the two: both adjusted to ≈ 0.060 ≥ 0.05.
  std::vector<DailyStatsDelta> deltas = TwoArms("a", Stats(10000, 0, 1), Stats(10000, 0.0307, 1));
  for (const DailyStatsDelta& d : TwoArms("b", Stats(10000, 0, 1), Stats(10000, 0.0307, 1))) {
    deltas.push_back(d);
  }
  Experiment e = MakeExperiment({"a", "b"});
  const std::vector<MetricDefinition> defs = {Mean("a"), Mean("b")};
  const Results plain = ComputeResults(e, defs, deltas, {}, kNow);
  const double p = *plain.metrics[0].variants[1].comparison->p_value;
  EXPECT_NEAR(p, 0.030, 0.001);
  EXPECT_EQ(plain.metrics[0].variants[1].verdict, Verdict::kWin);
  EXPECT_FALSE(plain.metrics[0].variants[1].adjusted_p_value);

  e.analysis.correction = Correction::kHolm;
  const Results holm = ComputeResults(e, defs, deltas, {}, kNow);
  for (const MetricResult& m : holm.metrics) {
    ASSERT_TRUE(m.variants[1].adjusted_p_value);
    EXPECT_NEAR(*m.variants[1].adjusted_p_value, 2 * p, 1e-12);  // Holm: min(1, 2·p), 2 equal
    EXPECT_EQ(m.variants[1].verdict, Verdict::kInconclusive);
  }
  e.analysis.correction = Correction::kBenjaminiHochberg;
  const Results bh = ComputeResults(e, defs, deltas, {}, kNow);
  for (const MetricResult& m : bh.metrics) {
    EXPECT_NEAR(*m.variants[1].adjusted_p_value, p, 1e-12);  // BH: min(2p/1, 2p/2) = p
    EXPECT_EQ(m.variants[1].verdict, Verdict::kWin);
  }
}

TEST(ResultsTest, SeriesIsCumulativePerDay) {
  const std::vector<DailyStatsDelta> deltas = {
      {kDay0, "control", "m", Stats(200, 1, 1)},
      {kDay0, "treatment", "m", Stats(200, 2, 1)},
      {kDay0 + 1, "control", "m", Stats(300, 1, 1)},
      {kDay0 + 1, "treatment", "m", Stats(100, 2, 1)},
  };
  const Results r = ComputeResults(MakeExperiment({"m"}), {Mean("m")}, deltas, {}, kNow);
  ASSERT_EQ(r.series.size(), 4u);
  EXPECT_EQ(r.series[0].day, kDay0);
  EXPECT_EQ(r.series[0].units, 200);
  EXPECT_FALSE(r.series[0].effect);
  EXPECT_EQ(r.series[1].units, 200);
  ASSERT_TRUE(r.series[1].effect);
  EXPECT_NEAR(*r.series[1].effect, 1.0, 1e-9);
  EXPECT_EQ(r.series[2].day, kDay0 + 1);
  EXPECT_EQ(r.series[2].units, 500);
  EXPECT_EQ(r.series[3].units, 300);
  EXPECT_EQ(r.variants[0].units, 500);
  EXPECT_EQ(r.variants[1].units, 300);
  EXPECT_EQ(r.variants[1].weight, 500);
}

TEST(ResultsTest, RatioMeanIsTheRatioOfSums) {
  MetricDefinition ratio;
  ratio.name = "r";
  ratio.type = MetricType::kRatio;
  ratio.numerator = {"purchase", Aggregation::kSum};
  ratio.denominator = EventAggregate{"visit", Aggregation::kCount};
  SufficientStats c{4, 8, 20, 4, 6, 10};
  const Results r = ComputeResults(MakeExperiment({"r"}), {ratio}, TwoArms("r", c, c), {}, kNow);
  EXPECT_DOUBLE_EQ(r.metrics[0].variants[0].mean, 2.0);
}

TEST(ResultsTest, CupedUsesTheCovariateAndNarrowsTheInterval) {
  // Per arm 1000 units, post and pre values with variance ≈ 2 and covariance ≈ 1.9
  // (correlation ≈ 0.95): CUPED removes most of the variance.
  auto arm = [](double post_sum) {
    SufficientStats s;
    s.n = 1000;
    s.sum = post_sum;
    s.sum_squares = 2 * 999 + post_sum * post_sum / 1000;
    s.pre_sum = 1000;
    s.pre_sum_squares = 3000;
    s.pre_cross_sum = 1.9 * 999 + post_sum;
    return s;
  };
  Experiment e = MakeExperiment({"m"});
  const Results plain =
      ComputeResults(e, {Mean("m")}, TwoArms("m", arm(1000), arm(1100)), {}, kNow);
  e.analysis.cuped_lookback_seconds = 86400;
  const Results cuped =
      ComputeResults(e, {Mean("m")}, TwoArms("m", arm(1000), arm(1100)), {}, kNow);
  EXPECT_FALSE(plain.metrics[0].cuped);
  EXPECT_TRUE(cuped.metrics[0].cuped);
  const stats::VariantResult& p = *plain.metrics[0].variants[1].comparison;
  const stats::VariantResult& c = *cuped.metrics[0].variants[1].comparison;
  ASSERT_FALSE(p.error);
  ASSERT_FALSE(c.error);
  EXPECT_NEAR(p.expected, 0.1, 1e-9);
  EXPECT_LT(c.std_error, p.std_error / 2);
  // Ratio metrics have no covariate.
  MetricDefinition ratio;
  ratio.name = "r";
  ratio.type = MetricType::kRatio;
  ratio.numerator = {"purchase", Aggregation::kSum};
  ratio.denominator = EventAggregate{"visit", Aggregation::kCount};
  Experiment re = MakeExperiment({"r"});
  re.analysis.cuped_lookback_seconds = 86400;
  EXPECT_FALSE(ComputeResults(re, {ratio}, {}, {}, kNow).metrics[0].cuped);
}

TEST(ResultsTest, CsvHasOneRowPerMetricAndVariant) {
  const Results r =
      ComputeResults(MakeExperiment({"m"}), {Mean("m")},
                     TwoArms("m", Stats(10000, 10, 1), Stats(10000, 10.1, 1)), {}, kNow);
  const std::string csv = ResultsToCsv(r);
  const std::string header =
      "metric,role,type,direction,variant,control,units,mean,effect,ci_low,ci_high,p_value,"
      "adjusted_p_value,chance_to_win,decision\n";
  ASSERT_EQ(csv.substr(0, header.size()), header);
  const std::string control_row = "m,goal,mean,higherIsBetter,control,true,10000,10,,,,,,,\n";
  EXPECT_EQ(csv.substr(header.size(), control_row.size()), control_row);
  const std::string treatment = csv.substr(header.size() + control_row.size());
  EXPECT_EQ(treatment.rfind("m,goal,mean,higherIsBetter,treatment,false,10000,10.1,", 0), 0u)
      << treatment;
  EXPECT_EQ(treatment.substr(treatment.size() - 5), ",win\n");
}

TEST(ResultsTest, JsonCarriesEveryPart) {
  const Results r = ComputeResults(MakeExperiment({"m"}), {Mean("m")},
                                   TwoArms("m", Stats(10000, 10, 1), Stats(10000, 10.1, 1)),
                                   ResultCounters{20000, 0}, kNow);
  const core::Json j = ResultsToJson(r);
  EXPECT_EQ(j["experiment"], "exp");
  EXPECT_EQ(j["status"], "running");
  EXPECT_EQ(j["exposures"], 20000);
  EXPECT_EQ(j["variants"][1]["weight"], 500);
  EXPECT_EQ(j["metrics"][0]["variants"][1]["decision"], "win");
  EXPECT_EQ(j["metrics"][0]["variants"][1]["ci"].size(), 2u);
  EXPECT_FALSE(j["metrics"][0]["variants"][0].contains("decision"));
  EXPECT_EQ(j["series"][0]["date"], "2024-10-04");
  EXPECT_EQ(j["warnings"][0]["code"], "peeking");
  EXPECT_FALSE(j["srm"]["mismatch"].get<bool>());
}

TEST(ResultsTest, DegenerateComparisonIsInconclusiveWithItsError) {
  const Results r = ComputeResults(MakeExperiment({"m"}), {Mean("m")},
                                   TwoArms("m", Stats(1, 1, 0), Stats(1, 2, 0)), {}, kNow);
  const VariantMetricResult& t = r.metrics[0].variants[1];
  ASSERT_TRUE(t.comparison && t.comparison->error);
  EXPECT_EQ(t.verdict, Verdict::kInconclusive);
  const core::Json j = ResultsToJson(r);
  EXPECT_EQ(j["metrics"][0]["variants"][1]["error"]["code"], "tooFewUnits");
}

}  // namespace
}  // namespace gov::experiments
