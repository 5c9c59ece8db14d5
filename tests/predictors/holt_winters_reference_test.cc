// Holt-Winters against statsmodels' ExponentialSmoothing (0.13.5, Debian python3-statsmodels) on
// the cases in testdata/hw_reference.json, written by testdata/make_hw_reference.py. Both fits
// start from the same initial state and minimize the same one-step SSE over the same parameter
// region; only the optimizers differ (statsmodels: the better of its default and basinhopping;
// ours: BOBYQA from the two best points of a coarse design). So:
//   - our initial state is the one the script ported, to 1e-9;
//   - our recursions with statsmodels' parameters reproduce its SSE (relative 1e-9);
//   - our fitted SSE is no worse than statsmodels' + 0.1%;
//   - our forecasts (two seasons, at most 96 steps) stay within a tenth of the one-step RMSE
//     of statsmodels' on average and half of it at worst. Near the optimum the SSE surface is
//     flat, so parameters may differ a little; the forecasts may not differ by more than that.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "predictors/holt_winters.h"

namespace gov::predictors {
namespace {

nlohmann::json LoadFixture() {
  std::ifstream in(std::string(GOVERNOR_TEST_SOURCE_DIR) +
                   "/tests/predictors/testdata/hw_reference.json");
  EXPECT_TRUE(in.good());
  return nlohmann::json::parse(in);
}

TEST(HoltWintersReference, MatchesStatsmodels) {
  const nlohmann::json doc = LoadFixture();
  ASSERT_GE(doc["cases"].size(), 6u);
  for (const auto& c : doc["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    HoltWintersConfig config;
    config.period = c["period"].get<std::size_t>();
    config.seasonality =
        c["seasonality"] == "additive" ? Seasonality::kAdditive : Seasonality::kMultiplicative;
    const std::string trend = c["trend"];
    config.trend =
        trend == "none" ? Trend::kNone : (trend == "additive" ? Trend::kAdditive : Trend::kDamped);
    const auto y = c["values"].get<std::vector<double>>();
    HoltWintersState initial{c["initial"]["level"], c["initial"]["trend"],
                             c["initial"]["seasonal"].get<std::vector<double>>()};

    // Our initial-state heuristic is the one the script ported.
    auto ours_initial = HoltWintersInitialState(y, config);
    ASSERT_TRUE(ours_initial.ok());
    EXPECT_NEAR(ours_initial->level, initial.level, 1e-9 * std::abs(initial.level));
    EXPECT_NEAR(ours_initial->trend, initial.trend, 1e-9 * (1 + std::abs(initial.trend)));
    for (std::size_t j = 0; j < config.period; ++j) {
      EXPECT_NEAR(ours_initial->seasonal[j], initial.seasonal[j],
                  1e-9 * (1 + std::abs(initial.seasonal[j])));
    }

    const HoltWintersParams sm_params{c["params"]["alpha"], c["params"]["beta"],
                                      c["params"]["gamma"], c["params"]["phi"]};
    const double sm_sse = c["sse"];
    EXPECT_NEAR(HoltWintersSse(y, config, sm_params, initial), sm_sse, 1e-9 * sm_sse);

    auto fit = FitHoltWinters(y, config, initial);
    ASSERT_TRUE(fit.ok()) << fit.status().ToString();
    EXPECT_LE(fit->sse, sm_sse * (1 + 1e-3));

    const double rmse = std::sqrt(sm_sse / static_cast<double>(y.size()));
    const auto sm_forecast = c["forecast"].get<std::vector<double>>();
    const auto forecast = HoltWintersForecast(*fit, sm_forecast.size());
    double worst = 0, mean = 0;
    for (std::size_t h = 0; h < forecast.size(); ++h) {
      worst = std::max(worst, std::abs(forecast[h] - sm_forecast[h]));
      mean += std::abs(forecast[h] - sm_forecast[h]) / static_cast<double>(forecast.size());
    }
    EXPECT_LT(mean, 0.1 * rmse);
    EXPECT_LT(worst, 0.5 * rmse) << "ours alpha=" << fit->params.alpha
                                 << " beta=" << fit->params.beta << " gamma=" << fit->params.gamma
                                 << " phi=" << fit->params.phi << " sse=" << fit->sse
                                 << " vs statsmodels " << sm_sse;
  }
}

}  // namespace
}  // namespace gov::predictors
