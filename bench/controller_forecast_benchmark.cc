// Forecasting cost per series: the fit (model choice by backtest, parameters, bands) plus a
// 48-hour forecast on 14 days of 5-minute data, on real traces and a synthetic one; the cheap
// per-sync forecast between fits; and a refit of 1,000 series.
//   build-bench/bench/controller_forecast_benchmark --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cmath>
#include <fstream>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "controller/trace.h"
#include "predictors/fitted_model.h"
#include "predictors/series.h"

namespace {

using gov::predictors::FittedModel;
using gov::predictors::PredictOptions;
using gov::predictors::Series;

constexpr std::size_t kFourteenDays = 14 * 288;  // 5-minute steps
constexpr std::size_t kFortyEightHours = 48 * 12;

// The last 14 days of a shared trace (5-minute steps), or an empty series when it is missing.
Series TraceSeries(const std::string& file) {
  std::ifstream in(std::string(GOVERNOR_BENCH_DIR) + "/../../shared/data/traces/" + file);
  std::ostringstream text;
  text << in.rdbuf();
  auto trace = gov::controller::ParseTraceCsv(text.str());
  if (!trace.ok()) return {};
  Series s = trace->series;
  if (s.values.size() > kFourteenDays) {
    const std::size_t drop = s.values.size() - kFourteenDays;
    s.start = s.TimeAt(drop);
    s.values.erase(s.values.begin(), s.values.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  return s;
}

// Daily and weekly cycles, a slow trend and noise (fixed seed).
Series SyntheticSeries(uint32_t seed, std::size_t n = kFourteenDays) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 8);
  Series s;
  s.start = gov::core::TimePoint(std::chrono::seconds(1'700'000'000));
  s.step = std::chrono::seconds(300);
  s.values.resize(n);
  for (std::size_t t = 0; t < n; ++t) {
    const double day = 2 * std::numbers::pi * static_cast<double>(t) / 288.0;
    const double week = 2 * std::numbers::pi * static_cast<double>(t) / (288.0 * 7);
    s.values[t] =
        200 + 0.01 * static_cast<double>(t) + 80 * std::sin(day) + 25 * std::sin(week) + noise(rng);
  }
  return s;
}

PredictOptions FitOptions() {
  PredictOptions options;
  options.horizon_steps = kFortyEightHours;
  options.quantiles = {0.5, 0.9};
  return options;
}

void FitAndForecast(benchmark::State& state, const Series& series) {
  if (series.values.empty()) {
    state.SkipWithError("trace not found");
    return;
  }
  std::string model;
  for (auto _ : state) {
    auto fitted = FittedModel::Fit(series, FitOptions());
    if (!fitted.ok()) {
      state.SkipWithError(fitted.status().ToString().c_str());
      return;
    }
    model = gov::predictors::ModelSpecName(fitted->prediction().model);
    if (fitted->usable()) {
      benchmark::DoNotOptimize(fitted->prediction().forecast.point.data());
    }
  }
  state.SetLabel(model);
}

void BM_FitAndForecast48h_Elb(benchmark::State& state) {
  static const Series s = TraceSeries("realAWSCloudwatch__elb_request_count_8c0756.csv");
  FitAndForecast(state, s);
}
void BM_FitAndForecast48h_TwitterAmzn(benchmark::State& state) {
  static const Series s = TraceSeries("realTweets__Twitter_volume_AMZN.csv");
  FitAndForecast(state, s);
}
void BM_FitAndForecast48h_Synthetic(benchmark::State& state) {
  static const Series s = SyntheticSeries(7);
  FitAndForecast(state, s);
}
BENCHMARK(BM_FitAndForecast48h_Elb)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FitAndForecast48h_TwitterAmzn)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FitAndForecast48h_Synthetic)->Unit(benchmark::kMillisecond);

// What a sync costs between fits: one new value, then the forecast one step further.
void BM_ForecastFromOneNewValue(benchmark::State& state) {
  const Series full = SyntheticSeries(7, kFourteenDays + 100'000);
  Series fit = full;
  fit.values.resize(kFourteenDays);
  auto fitted = FittedModel::Fit(fit, FitOptions());
  if (!fitted.ok() || !fitted->usable()) {
    state.SkipWithError("fit failed");
    return;
  }
  Series grown = fit;
  std::size_t next = kFourteenDays;
  for (auto _ : state) {
    if (next == full.values.size()) {
      // Out of new values: start again from the fitted end (not timed; the model's cached
      // state starts over too).
      state.PauseTiming();
      grown = fit;
      next = kFourteenDays;
      benchmark::DoNotOptimize(fitted->ForecastFrom(grown, 1));
      state.ResumeTiming();
    }
    grown.values.push_back(full.values[next++]);
    auto forecast = fitted->ForecastFrom(grown, 1);
    benchmark::DoNotOptimize(forecast);
  }
}
BENCHMARK(BM_ForecastFromOneNewValue)->Unit(benchmark::kMicrosecond);

// 1,000 series (different seeds) fitted one after another on one core.
void BM_Refit1000Series(benchmark::State& state) {
  std::vector<Series> series;
  for (uint32_t i = 0; i < 1000; ++i) series.push_back(SyntheticSeries(1000 + i));
  for (auto _ : state) {
    for (const Series& s : series) {
      auto fitted = FittedModel::Fit(s, FitOptions());
      benchmark::DoNotOptimize(fitted);
    }
  }
}
BENCHMARK(BM_Refit1000Series)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
