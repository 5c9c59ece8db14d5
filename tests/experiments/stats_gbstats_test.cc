// The statistics engine against GrowthBook's published gbstats test values: inputs and
// expected outputs (rounded to 5 decimals there) from growthbook/growthbook
//   packages/stats/tests/frequentist/test_tests.py (TestTwoSidedTTest, TestSequentialTTest,
//     TestOneSidedGreaterTTest, TestOneSidedLesserTTest)
//   packages/stats/tests/bayesian/test_tests.py (TestBinom, TestNorm on GaussianEffectABTest,
//     flat prior)
// gbstats shares our conventions: mean variance (Σx² − (Σx)²/n)/(n−1), proportion variance
// p(1−p), the delta-method relative effect, Welch df, the asymptotic confidence sequence, the
// Gaussian effect posterior. (Its one-sided *sequential* tests use a different construction
// and are not compared.)

#include <gtest/gtest.h>

#include <optional>

#include "experiments/stats/analysis.h"

namespace gov::experiments::stats {
namespace {

constexpr double kRounded = 6e-6;  // gbstats rounds to 5 decimals

const SampleStats kMeanA{3407, 1396.87, 52377.9767};
const SampleStats kMeanB{3461, 2422.7, 134698.29};
const SampleStats kMeanA3000{3000, 1396.87, 52377.9767};

struct Expected {
  double expected;
  std::optional<double> ci_low;
  std::optional<double> ci_high;
  double std_error;
  double p_value;
};

void ExpectFrequentist(const VariantResult& r, const Expected& e, double tolerance = kRounded) {
  ASSERT_FALSE(r.error.has_value()) << r.error->message;
  EXPECT_NEAR(r.expected, e.expected, tolerance);
  EXPECT_NEAR(r.std_error, e.std_error, tolerance);
  ASSERT_TRUE(r.p_value.has_value());
  EXPECT_NEAR(*r.p_value, e.p_value, tolerance);
  ASSERT_EQ(r.ci_low.has_value(), e.ci_low.has_value());
  ASSERT_EQ(r.ci_high.has_value(), e.ci_high.has_value());
  if (e.ci_low) EXPECT_NEAR(*r.ci_low, *e.ci_low, tolerance);
  if (e.ci_high) EXPECT_NEAR(*r.ci_high, *e.ci_high, tolerance);
}

AnalysisOptions Options(MetricKind metric, Difference difference,
                        Alternative alternative = Alternative::kTwoSided) {
  AnalysisOptions o;
  o.metric = metric;
  o.difference = difference;
  o.alternative = alternative;
  return o;
}

TEST(GbstatsTest, TwoSidedTTestRelative) {  // test_two_sided_ttest
  ExpectFrequentist(Compare(Options(MetricKind::kMean, Difference::kRelative), kMeanA, kMeanB),
                    {0.70732, -0.03526, 1.44989, 0.37879, 0.06191});
}

TEST(GbstatsTest, TwoSidedTTestAbsolute) {  // test_two_sided_ttest_absolute
  ExpectFrequentist(Compare(Options(MetricKind::kMean, Difference::kAbsolute), kMeanA, kMeanB),
                    {0.29, 0.04538, 0.53462, 0.12478, 0.02016});
}

TEST(GbstatsTest, TwoSidedTTestBinomial) {  // test_two_sided_ttest_binom
  ExpectFrequentist(Compare(Options(MetricKind::kProportion, Difference::kRelative),
                            SampleStats{28, 14, 14}, SampleStats{30, 16, 16}),
                    {0.06667, -0.47767, 0.61101, 0.2717, 0.80707});
}

TEST(GbstatsTest, TwoSidedTTestMissingVarianceIsAnError) {  // test_two_sided_ttest_missing_variance
  const VariantResult r = Compare(Options(MetricKind::kMean, Difference::kRelative),
                                  SampleStats{2, 1396.87, 52377.9767}, kMeanB);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_FALSE(r.p_value.has_value());
}

TEST(GbstatsTest, SequentialTTest) {  // test_sequential_test_runs (tuning 1000)
  AnalysisOptions o = Options(MetricKind::kMean, Difference::kRelative);
  o.sequential_tuning_parameter = 1000;
  ExpectFrequentist(Compare(o, kMeanA3000, kMeanB), {0.50336, -0.55844, 1.56516, 0.33341, 1});
}

TEST(GbstatsTest, SequentialTTestProportion) {  // test_sequential_test_runs_prop (default 5000)
  AnalysisOptions o = Options(MetricKind::kProportion, Difference::kRelative);
  o.sequential_tuning_parameter = kDefaultSequentialTuningParameter;
  ExpectFrequentist(Compare(o, SampleStats{3000, 1396, 1396}, SampleStats{3461, 2422, 2422}),
                    {0.50386, 0.40098, 0.60675, 0.03386, 0.0});
}

TEST(GbstatsTest, SequentialTTestCuped) {  // test_sequential_test_runs_ra
  AnalysisOptions o = Options(MetricKind::kMean, Difference::kRelative);
  o.sequential_tuning_parameter = kDefaultSequentialTuningParameter;
  const CupedStats a{3000, {1396.87, 52377.9767}, {16.87, 527.9767}, 1};
  const CupedStats b{3461, {2422.7, 134698.29}, {22.7, 1348.29}, 1};
  ExpectFrequentist(Compare(o, a, b), {0.50338, -0.50969, 1.51646, 0.33341, 1});
}

TEST(GbstatsTest, OneSidedGreater) {  // TestOneSidedGreaterTTest (published at full precision)
  ExpectFrequentist(
      Compare(Options(MetricKind::kMean, Difference::kRelative, Alternative::kGreater), kMeanA3000,
              kMeanB),
      {0.5033610858562358, -0.045136675850396046, std::nullopt, 0.3334122146400735,
       0.06558262868467746},
      1e-9);
  ExpectFrequentist(
      Compare(Options(MetricKind::kMean, Difference::kAbsolute, Alternative::kGreater), kMeanA3000,
              kMeanB),
      {0.23437666666666668, 0.020791480063255735, std::nullopt, 0.12983081254184736,
       0.03554272489873023},
      1e-9);
}

TEST(GbstatsTest, OneSidedLess) {  // TestOneSidedLesserTTest
  ExpectFrequentist(Compare(Options(MetricKind::kMean, Difference::kRelative, Alternative::kLess),
                            kMeanA3000, kMeanB),
                    {0.5033610858562358, std::nullopt, 1.0518588475628676, 0.3334122146400735,
                     0.9344173713153225},
                    1e-9);
  ExpectFrequentist(Compare(Options(MetricKind::kMean, Difference::kAbsolute, Alternative::kLess),
                            kMeanA3000, kMeanB),
                    {0.23437666666666668, std::nullopt, 0.44796185327007765, 0.12983081254184736,
                     0.9644572751012698},
                    1e-9);
}

struct BayesExpected {
  double expected, ci_low, ci_high, std_error, chance_to_win, risk_control, risk_treatment;
};

void ExpectBayesian(const VariantResult& r, const BayesExpected& e) {
  ASSERT_FALSE(r.error.has_value()) << r.error->message;
  EXPECT_NEAR(r.expected, e.expected, kRounded);
  EXPECT_NEAR(*r.ci_low, e.ci_low, kRounded);
  EXPECT_NEAR(*r.ci_high, e.ci_high, kRounded);
  EXPECT_NEAR(r.std_error, e.std_error, kRounded);
  EXPECT_NEAR(*r.chance_to_win, e.chance_to_win, kRounded);
  EXPECT_NEAR((*r.risk)[0], e.risk_control, kRounded);
  EXPECT_NEAR((*r.risk)[1], e.risk_treatment, kRounded);
  EXPECT_FALSE(r.p_value.has_value());
}

TEST(GbstatsTest, BayesianBinomial) {  // TestBinom.test_bayesian_binomial_ab_test
  AnalysisOptions o = Options(MetricKind::kProportion, Difference::kRelative);
  o.engine = Engine::kBayesian;
  ExpectBayesian(Compare(o, SampleStats{100, 49, 49}, SampleStats{100, 51, 51}),
                 {0.04082, -0.24779, 0.32943, 0.14725, 0.60918, 0.0814, 0.04058});
}

TEST(GbstatsTest, BayesianGaussian) {  // TestNorm.test_bayesian_gaussian_ab_test
  AnalysisOptions o = Options(MetricKind::kMean, Difference::kRelative);
  o.engine = Engine::kBayesian;
  ExpectBayesian(Compare(o, SampleStats{10, 100, 1002.25}, SampleStats{10, 105, 1111.5}),
                 {0.05, -0.02, 0.12, 0.03572, 0.91923, 0.05131, 0.00131});
}

}  // namespace
}  // namespace gov::experiments::stats
