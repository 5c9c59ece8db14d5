#pragma once

// Synthetic and recorded series for the predictor tests.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/time_format.h"
#include "predictors/series.h"

namespace gov::predictors::testing {

// level + slope*t + amplitude*sin(2 pi t / period) + N(0, noise), with a fixed seed.
inline std::vector<double> SineSeries(std::size_t n, std::size_t period, double level, double slope,
                                      double amplitude, double noise, uint32_t seed = 7) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0, noise);
  std::vector<double> y(n);
  for (std::size_t t = 0; t < n; ++t) {
    const double phase =
        2 * std::numbers::pi * static_cast<double>(t) / static_cast<double>(period);
    y[t] = level + slope * static_cast<double>(t) + amplitude * std::sin(phase) +
           (noise > 0 ? normal(rng) : 0.0);
  }
  return y;
}

inline Series MakeSeries(std::vector<double> values, std::chrono::seconds step) {
  Series s;
  s.start = *core::ParseRfc3339("2025-01-06T00:00:00Z");  // a Monday
  s.step = step;
  s.values = std::move(values);
  return s;
}

// Reads tests/predictors/testdata/<name> (CSV "timestamp,value", NAB's "YYYY-MM-DD HH:MM:SS").
inline std::vector<Point> ReadTrace(const std::string& name) {
  std::ifstream in(std::string(GOVERNOR_TEST_SOURCE_DIR) + "/tests/predictors/testdata/" + name);
  std::vector<Point> points;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    auto time =
        comma == std::string::npos ? std::nullopt : core::ParseRfc3339(line.substr(0, comma) + "Z");
    if (!time) {
      ADD_FAILURE() << name << ": malformed line " << line;
      continue;
    }
    points.push_back({*time, std::stod(line.substr(comma + 1))});
  }
  return points;
}

}  // namespace gov::predictors::testing
