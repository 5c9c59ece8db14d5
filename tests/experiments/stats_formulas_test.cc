// The statistics engine's formulas on textbook examples and hand computations, and its
// degenerate inputs (per-variant errors, never NaN). The scipy-backed and gbstats-backed
// checks are in stats_reference_test.cc and stats_gbstats_test.cc.

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "experiments/stats/analysis.h"
#include "experiments/stats/corrections.h"
#include "experiments/stats/power.h"
#include "experiments/stats/srm.h"
#include "experiments/stats/sufficient_stats.h"

namespace gov::experiments::stats {
namespace {

SampleStats FromValues(const std::vector<double>& xs) {
  SampleStats s;
  s.n = static_cast<int64_t>(xs.size());
  for (double x : xs) {
    s.sum += x;
    s.sum_squares += x * x;
  }
  return s;
}

// Wikipedia, "Welch's t-test", example 1 (the first two samples): t = −2.46, df ≈ 25.0,
// p = 0.021 for A1 − A2; we report A2 (treatment) − A1 (control), so t = +2.46.
TEST(StatsFormulasTest, WelchTextbookExample) {
  const SampleStats a1 = FromValues(
      {27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4});
  const SampleStats a2 = FromValues(
      {27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4});
  AnalysisOptions o;
  o.difference = Difference::kAbsolute;
  const VariantResult r = Compare(o, a1, a2);
  ASSERT_FALSE(r.error.has_value());
  EXPECT_NEAR(r.expected / r.std_error, 2.46, 0.005);
  EXPECT_NEAR(r.degrees_of_freedom, 25.0, 0.05);
  EXPECT_NEAR(*r.p_value, 0.021, 0.0005);
}

TEST(StatsFormulasTest, MeanVarianceIsTheSampleVariance) {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x − 5)² = 32, sample variance 32/7.
  const auto m = std::get<Moments>(MeanMoments(FromValues({2, 4, 4, 4, 5, 5, 7, 9})));
  EXPECT_EQ(m.n, 8);
  EXPECT_DOUBLE_EQ(m.mean, 5);
  EXPECT_NEAR(m.variance, 32.0 / 7, 1e-12);
}

TEST(StatsFormulasTest, ProportionVarianceIsPTimesOneMinusP) {
  const auto m = std::get<Moments>(ProportionMoments(SampleStats{200, 50, 50}));
  EXPECT_DOUBLE_EQ(m.mean, 0.25);
  EXPECT_DOUBLE_EQ(m.variance, 0.25 * 0.75);
}

TEST(StatsFormulasTest, RatioVarianceByTheDeltaMethod) {
  // x = {1, 2, 3}, y = {2, 2, 5}: μx = 2, μy = 3, σ²x = 1, σ²y = 3, cov = (1·2+2·2+3·5 − 6·9/3)/2
  // = 1.5; variance = 1/9 − 2·1.5·2/27 + 3·4/81 = 0.1111 − 0.2222 + 0.1481 = 0.037037.
  const RatioStats s{3, {6, 14}, {9, 33}, 21};
  const auto m = std::get<Moments>(RatioMoments(s));
  EXPECT_NEAR(m.mean, 2.0 / 3, 1e-12);
  EXPECT_NEAR(m.variance, 1.0 / 9 - 6.0 / 27 + 12.0 / 81, 1e-12);
}

TEST(StatsFormulasTest, AbsoluteAndRelativeEffects) {
  const Moments a{100, 10, 4};
  const Moments b{200, 11, 9};
  const Effect abs = ComputeEffect(a, b, Difference::kAbsolute);
  EXPECT_DOUBLE_EQ(abs.estimate, 1);
  EXPECT_DOUBLE_EQ(abs.variance, 9.0 / 200 + 4.0 / 100);
  const Effect rel = ComputeEffect(a, b, Difference::kRelative);
  EXPECT_DOUBLE_EQ(rel.estimate, 0.1);
  EXPECT_DOUBLE_EQ(rel.variance, 9.0 / (200 * 100.0) + 4.0 * 121 / (100 * 10000.0));
  // A negative control mean: the effect is relative to |μA|, so "up" stays up.
  const Effect neg =
      ComputeEffect(Moments{100, -10, 4}, Moments{100, -9, 4}, Difference::kRelative);
  EXPECT_DOUBLE_EQ(neg.estimate, 0.1);
}

TEST(StatsFormulasTest, SequentialPValueIsDualToTheSequence) {
  // At |Δ| equal to the half-width for α, the always-valid p-value is α.
  for (double tuning : {500.0, 5000.0, 50000.0}) {
    const double half = SequentialHalfWidth(0.02, 20000, 0.05, tuning);
    EXPECT_NEAR(SequentialPValue(half, 0.02, 20000, 0.05, tuning), 0.05, 1e-12);
    EXPECT_NEAR(SequentialPValue(-half, 0.02, 20000, 0.05, tuning), 0.05, 1e-12);
    // Wider than the fixed-horizon interval.
    EXPECT_GT(half, 1.96 * 0.02);
  }
  EXPECT_DOUBLE_EQ(SequentialPValue(0, 0.02, 20000, 0.05, 5000), 1);
}

TEST(StatsFormulasTest, BayesianConjugateNormalWithPrior) {
  // Flat prior: the posterior is the estimate; a prior N(m, v) with the estimate's variance s²
  // gives the precision-weighted mean (Δ/s² + m/v)/(1/s² + 1/v).
  const SampleStats a{1000, 1000, 3000};  // mean 1, variance (3000 − 1000)/999
  const SampleStats b{1000, 1100, 3400};
  AnalysisOptions o;
  o.engine = Engine::kBayesian;
  const VariantResult flat = Compare(o, a, b);
  const VariantResult freq = Compare(AnalysisOptions{}, a, b);
  EXPECT_DOUBLE_EQ(flat.expected, freq.expected);
  EXPECT_DOUBLE_EQ(flat.std_error, freq.std_error);
  o.prior = GaussianPrior{0, flat.std_error * flat.std_error};  // as strong as the data
  const VariantResult half = Compare(o, a, b);
  EXPECT_NEAR(half.expected, flat.expected / 2, 1e-12);
  EXPECT_NEAR(half.std_error, flat.std_error / std::sqrt(2.0), 1e-12);
  // Inverse: chance to win and risk swap sides.
  o.prior.reset();
  o.inverse = true;
  const VariantResult inv = Compare(o, a, b);
  EXPECT_NEAR(*inv.chance_to_win, 1 - *flat.chance_to_win, 1e-12);
  EXPECT_DOUBLE_EQ((*inv.risk)[0], (*flat.risk)[1]);
  EXPECT_DOUBLE_EQ((*inv.risk)[1], (*flat.risk)[0]);
  // Risk identity: E[max(Δ,0)] − E[max(−Δ,0)] = E[Δ].
  EXPECT_NEAR((*flat.risk)[0] - (*flat.risk)[1], flat.expected, 1e-12);
}

TEST(StatsFormulasTest, CupedReducesTheStandardError) {
  // post = pre + noise: θ near 1 and a much smaller standard error than without CUPED.
  const CupedStats a{4,
                     {10 + 21 + 29 + 40, 100 + 441 + 841 + 1600},
                     {10 + 20 + 30 + 40, 3000},
                     10 * 10 + 21 * 20 + 29 * 30 + 40 * 40};
  const CupedStats b{4,
                     {12 + 23 + 31 + 42, 144 + 529 + 961 + 1764},
                     {10 + 20 + 30 + 40, 3000},
                     12 * 10 + 23 * 20 + 31 * 30 + 42 * 40};
  EXPECT_NEAR(CupedTheta(a, b), 1.0, 0.05);
  AnalysisOptions o;
  o.difference = Difference::kAbsolute;
  const VariantResult cuped = Compare(o, a, b);
  const VariantResult plain = Compare(o, SampleStats{4, a.post.sum, a.post.sum_squares},
                                      SampleStats{4, b.post.sum, b.post.sum_squares});
  ASSERT_FALSE(cuped.error.has_value());
  EXPECT_NEAR(cuped.expected, 2.0, 0.1);
  EXPECT_LT(cuped.std_error, plain.std_error / 5);
}

TEST(StatsFormulasTest, HolmAndBenjaminiHochbergByHand) {
  // p = {0.01, 0.04, 0.03, 0.005}; sorted 0.005, 0.01, 0.03, 0.04.
  // Holm: 4·0.005 = 0.02, 3·0.01 = 0.03, 2·0.03 = 0.06, max(1·0.04, 0.06) = 0.06.
  // BH: 0.005·4/1 = 0.02, 0.01·4/2 = 0.02, 0.03·4/3 = 0.04, 0.04·4/4 = 0.04.
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  EXPECT_EQ(HolmAdjusted(p), (std::vector<double>{0.03, 0.06, 0.06, 0.02}));
  const std::vector<double> bh = BenjaminiHochbergAdjusted(p);
  const std::vector<double> expected = {0.02, 0.04, 0.04, 0.02};
  for (size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(bh[i], expected[i], 1e-15);
  EXPECT_TRUE(HolmAdjusted({}).empty());
  EXPECT_EQ(HolmAdjusted(std::vector<double>{0.7, 0.9}), (std::vector<double>{1.0, 1.0}));
}

TEST(StatsFormulasTest, SrmByHand) {
  // 5000 vs 5100 on 50/50: χ² = (50² + 50²)/5050; with 1 df, p = erfc(sqrt(χ²/2)).
  const std::vector<int64_t> units = {5000, 5100};
  const std::vector<double> weights = {500, 500};
  const auto srm = SampleRatioMismatch(units, weights);
  ASSERT_TRUE(srm.has_value());
  const double chi2 = 5000.0 / 5050;
  EXPECT_NEAR(srm->chi_square, chi2, 1e-12);
  EXPECT_NEAR(srm->p_value, std::erfc(std::sqrt(chi2 / 2)), 1e-12);
  EXPECT_FALSE(srm->mismatch);
  const std::vector<int64_t> skewed = {5000, 5400};
  EXPECT_TRUE(SampleRatioMismatch(skewed, weights)->mismatch);  // p ≈ 8.8e-5
  EXPECT_FALSE(SampleRatioMismatch(units, std::vector<double>{1}).has_value());
  EXPECT_FALSE(SampleRatioMismatch(units, std::vector<double>{1, 0}).has_value());
  EXPECT_FALSE(
      SampleRatioMismatch(std::vector<int64_t>{0, 0}, std::vector<double>{1, 1}).has_value());
}

TEST(StatsFormulasTest, SampleSizeTextbookFormula) {
  // n per arm = 2(z₀.₉₇₅ + z₀.₈)²σ²/δ² = 62.79 for σ = 1, δ = 0.5 (α = 0.05 two-sided, 80%).
  const double se_at_200 = std::sqrt(1.0 / 100 + 1.0 / 100);  // 100 units per arm
  const PowerOptions options;
  const TimeToDetect t = TimeToDetectEffect(0.5, se_at_200, 200, 10, options);
  EXPECT_NEAR(t.units_needed / 2, 62.79, 0.01);
  EXPECT_EQ(t.additional_units, 0);
  EXPECT_EQ(t.days, 0.0);
  const double se_at_100 = std::sqrt(1.0 / 50 + 1.0 / 50);
  const TimeToDetect later = TimeToDetectEffect(0.5, se_at_100, 100, 20, options);
  EXPECT_NEAR(later.additional_units, 125.58 - 100, 0.02);
  EXPECT_NEAR(*later.days, (125.58 - 100) / 20, 0.001);
  EXPECT_FALSE(TimeToDetectEffect(0.5, se_at_100, 100, 0, options).days.has_value());
  // At the MDE the power is the target.
  EXPECT_NEAR(Power(MinimumDetectableEffect(0.1, options), 0.1, options), 0.8, 1e-4);
}

// docs/statistics.md's worked example (gbstats' two-sided t-test inputs), every engine; the
// numbers were computed with scipy and are printed in the document.
TEST(StatsFormulasTest, DocsWorkedExample) {
  const SampleStats control{3407, 1396.87, 52377.9767};
  const SampleStats treatment{3461, 2422.7, 134698.29};
  AnalysisOptions o;
  VariantResult r = Compare(o, control, treatment);
  EXPECT_NEAR(r.control.variance, 15.21, 1e-9);
  EXPECT_NEAR(r.treatment.variance, 38.44, 1e-9);
  EXPECT_NEAR(r.expected, 0.707317, 1e-6);
  EXPECT_NEAR(r.std_error, 0.378794, 1e-6);
  EXPECT_NEAR(r.degrees_of_freedom, 5841.74, 0.01);
  EXPECT_NEAR(*r.ci_low, -0.035260, 1e-6);
  EXPECT_NEAR(*r.ci_high, 1.449894, 1e-6);
  EXPECT_NEAR(*r.p_value, 0.061912, 1e-6);
  o.sequential_tuning_parameter = 5000;
  r = Compare(o, control, treatment);
  EXPECT_NEAR(*r.ci_high - r.expected, 1.151741, 1e-6);
  EXPECT_NEAR(*r.p_value, 0.698673, 1e-6);
  o = AnalysisOptions{};
  o.engine = Engine::kBayesian;
  r = Compare(o, control, treatment);
  EXPECT_NEAR(*r.ci_low, -0.035106, 1e-6);
  EXPECT_NEAR(*r.chance_to_win, 0.969069, 1e-6);
  EXPECT_NEAR((*r.risk)[0], 0.711874, 1e-6);
  EXPECT_NEAR((*r.risk)[1], 0.004557, 1e-6);
  o.prior = GaussianPrior{0, 0.09};
  r = Compare(o, control, treatment);
  EXPECT_NEAR(r.expected, 0.272645, 1e-6);
  EXPECT_NEAR(r.std_error, 0.235177, 1e-6);
  EXPECT_NEAR(*r.chance_to_win, 0.876837, 1e-6);
}

// ---- Degenerate input: an explicit error for that variant, never NaN ----------------------

struct DegenerateCase {
  const char* name;
  AnalysisOptions options;
  VariantStats control;
  VariantStats treatment;
  DegenerateKind kind;
};

AnalysisOptions Opt(MetricKind metric, Difference difference = Difference::kRelative,
                    Engine engine = Engine::kFrequentist) {
  AnalysisOptions o;
  o.metric = metric;
  o.difference = difference;
  o.engine = engine;
  return o;
}

TEST(StatsFormulasTest, DegenerateInputsGetPerVariantErrors) {
  const SampleStats ok{100, 50, 80};
  const std::vector<DegenerateCase> cases = {
      {"n0", Opt(MetricKind::kMean), SampleStats{0, 0, 0}, ok, DegenerateKind::kTooFewUnits},
      {"n1", Opt(MetricKind::kMean), ok, SampleStats{1, 5, 25}, DegenerateKind::kTooFewUnits},
      {"constant", Opt(MetricKind::kMean), SampleStats{10, 50, 250}, ok,
       DegenerateKind::kZeroVariance},
      {"no conversions", Opt(MetricKind::kProportion, Difference::kAbsolute),
       SampleStats{100, 0, 0}, SampleStats{100, 5, 5}, DegenerateKind::kZeroVariance},
      {"zero control mean", Opt(MetricKind::kMean), SampleStats{2, 0, 2}, ok,
       DegenerateKind::kZeroControlMean},
      {"zero control mean bayesian",
       Opt(MetricKind::kMean, Difference::kRelative, Engine::kBayesian), SampleStats{2, 0, 2}, ok,
       DegenerateKind::kZeroControlMean},
      {"zero denominator", Opt(MetricKind::kRatio), RatioStats{10, {5, 5}, {0, 0}, 0},
       RatioStats{10, {5, 5}, {5, 5}, 5}, DegenerateKind::kZeroDenominator},
      {"mismatched", Opt(MetricKind::kMean), ok, RatioStats{10, {5, 5}, {5, 5}, 5},
       DegenerateKind::kMismatchedStats},
      {"ratio stats on a mean metric", Opt(MetricKind::kMean), RatioStats{10, {5, 5}, {5, 5}, 5},
       RatioStats{10, {5, 5}, {5, 5}, 5}, DegenerateKind::kMismatchedStats},
      {"inconsistent", Opt(MetricKind::kMean), SampleStats{10, 100, 10}, ok,
       DegenerateKind::kInconsistentStats},
      {"proportion above n", Opt(MetricKind::kProportion), SampleStats{10, 11, 11}, ok,
       DegenerateKind::kInconsistentStats},
      {"cuped n1", Opt(MetricKind::kMean), CupedStats{1, {1, 1}, {1, 1}, 1},
       CupedStats{10, {5, 5}, {5, 5}, 5}, DegenerateKind::kTooFewUnits},
  };
  for (const DegenerateCase& c : cases) {
    SCOPED_TRACE(c.name);
    const VariantResult r = Compare(c.options, c.control, c.treatment);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->kind, c.kind) << r.error->message;
    EXPECT_FALSE(r.error->message.empty());
    EXPECT_FALSE(r.p_value.has_value());
    EXPECT_FALSE(r.chance_to_win.has_value());
    EXPECT_FALSE(std::isnan(r.expected));
    EXPECT_FALSE(std::isnan(r.std_error));
  }
}

TEST(StatsFormulasTest, OneDegenerateTreatmentDoesNotStopTheOthers) {
  const SampleStats control{100, 50, 80};
  const std::vector<VariantStats> treatments = {SampleStats{1, 1, 1}, SampleStats{100, 60, 90}};
  const std::vector<VariantResult> results = Analyze(AnalysisOptions{}, control, treatments);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].error.has_value());
  EXPECT_FALSE(results[1].error.has_value());
  EXPECT_TRUE(results[1].p_value.has_value());
}

}  // namespace
}  // namespace gov::experiments::stats
