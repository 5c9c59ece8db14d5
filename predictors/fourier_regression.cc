#include "predictors/fourier_regression.h"

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

namespace gov::predictors {
namespace {

// Weekly harmonics that coincide with a daily one (k * m_w / m_d whole) are left out: they are
// the same column twice.
bool DuplicatesDaily(std::size_t k, const FourierConfig& config, std::size_t daily_terms) {
  if (config.daily_period == 0 || daily_terms == 0) return false;
  const std::size_t num = k * config.daily_period;
  if (num % config.weekly_period != 0) return false;
  return num / config.weekly_period <= daily_terms;
}

}  // namespace

void FourierModel::Features(double t, double* row) const {
  std::size_t c = 0;
  row[c++] = 1;
  row[c++] = t / time_scale_;
  constexpr double kTwoPi = 2 * std::numbers::pi;
  // sin(k x) and cos(k x) by repeated angle addition: two libm calls per season, not per term.
  auto harmonics = [&](std::size_t period, std::size_t terms, bool skip_daily) {
    const double angle =
        kTwoPi * std::fmod(t, static_cast<double>(period)) / static_cast<double>(period);
    const double s1 = std::sin(angle), c1 = std::cos(angle);
    double sk = s1, ck = c1;
    for (std::size_t k = 1, used = 0; used < terms; ++k) {
      if (!skip_daily || !DuplicatesDaily(k, config_, daily_terms_)) {
        row[c++] = sk;
        row[c++] = ck;
        ++used;
      }
      const double next_s = sk * c1 + ck * s1;
      ck = ck * c1 - sk * s1;
      sk = next_s;
    }
  };
  if (daily_terms_ > 0) harmonics(config_.daily_period, daily_terms_, false);
  if (weekly_terms_ > 0) harmonics(config_.weekly_period, weekly_terms_, true);
}

core::StatusOr<FourierModel> FourierModel::Fit(std::span<const double> y,
                                               const FourierConfig& config, FourierSums* keep) {
  FourierModel model;
  model.config_ = config;
  if (config.daily_period >= 2) {
    model.daily_terms_ =
        std::min({config.daily_harmonics, (config.daily_period - 1) / 2, kMaxHarmonics});
  }
  if (config.weekly_period >= 2) {
    model.weekly_terms_ =
        std::min({config.weekly_harmonics, (config.weekly_period - 1) / 2, kMaxHarmonics});
  }
  model.time_scale_ = std::max<double>(1.0, static_cast<double>(y.size()));
  const std::size_t p = 2 + 2 * (model.daily_terms_ + model.weekly_terms_);
  std::size_t observed = 0;
  for (double v : y) observed += std::isnan(v) ? 0 : 1;
  if (observed < 2 * p) {
    return core::InvalidArgument("Fourier regression needs " + std::to_string(2 * p) +
                                     " observations, got " + std::to_string(observed),
                                 "series.values");
  }
  // The design rows, computed once: the normal equations and the fitted regression use them.
  // Rows are `width` wide, zero-padded past p, so that a tile of kTile entries starting at any
  // coefficient stays inside the row.
  constexpr std::size_t kChunk = 128, kTile = 8;
  const std::size_t n = y.size(), width = p + kTile - 1;
  FourierSums local;
  FourierSums& sums = keep != nullptr ? *keep : local;
  // A refit on the same values extended at their end continues the sums (below).
  const bool extends = sums.width == width && sums.config == config && sums.y.size() <= n &&
                       std::equal(sums.y.begin(), sums.y.end(), y.begin(), [](double a, double b) {
                         return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
                       });
  if (!extends)
    sums = FourierSums{config,
                       width,
                       {},
                       {},
                       {},
                       std::vector<double>(p * width, 0.0),
                       std::vector<double>(p, 0.0)};
  const std::size_t n0 = sums.y.size();  // rows summed already
  const std::size_t rows0 = sums.rows.size();
  std::vector<double>& x = sums.x;
  std::vector<std::size_t>& rows = sums.rows;  // observed steps (gaps are skipped rows)
  std::vector<double>& lower = sums.lower;     // lower[i * width + k] = (X'X)(k, i), k >= i
  std::vector<double>& xty = sums.xty;
  x.resize(n * width, 0.0);
  rows.reserve(observed);
  for (std::size_t t = n0; t < n; ++t) {
    model.Features(static_cast<double>(t), x.data() + t * width);
    if (!std::isnan(y[t])) rows.push_back(t);
  }
  // Normal equations X'X b = X'y over the observed rows. Every entry of X'X is summed over the
  // rows in order, as a row-by-row rank update would, but in register tiles of kTile entries of
  // one column over chunks of kChunk rows that stay in cache.
  auto accumulate = [&](std::size_t i, std::size_t k0, std::size_t begin, std::size_t end) {
    double* entries = lower.data() + i * width + k0;
    std::array<double, kTile> acc;
    std::copy_n(entries, kTile, acc.begin());
    for (std::size_t r = begin; r < end; ++r) {
      const double* row = x.data() + rows[r] * width;
      const double xi = row[i];
      for (std::size_t j = 0; j < kTile; ++j) acc[j] += xi * row[k0 + j];
    }
    std::copy_n(acc.begin(), kTile, entries);
  };
  if (n0 > 0) {
    // The trend column is t / time_scale_, the length of the series: it changed for the rows
    // summed before, so its sums start over on them; every other sum continues.
    for (std::size_t t = 0; t < n0; ++t) {
      x[t * width + 1] = static_cast<double>(t) / model.time_scale_;
    }
    lower[1] = 0;
    std::fill_n(lower.begin() + static_cast<std::ptrdiff_t>(width), width, 0.0);
    xty[1] = 0;
    for (std::size_t r = 0; r < rows0; ++r) {
      const double* row = x.data() + rows[r] * width;
      lower[1] += row[0] * row[1];
      xty[1] += row[1] * y[rows[r]];
    }
    for (std::size_t begin = 0; begin < rows0; begin += kChunk) {
      for (std::size_t k0 = 1; k0 < p; k0 += kTile) {
        accumulate(1, k0, begin, std::min(rows0, begin + kChunk));
      }
    }
  }
  for (std::size_t begin = rows0; begin < rows.size(); begin += kChunk) {
    const std::size_t end = std::min(rows.size(), begin + kChunk);
    for (std::size_t i = 0; i < p; ++i) {
      for (std::size_t k0 = i; k0 < p; k0 += kTile) accumulate(i, k0, begin, end);
    }
    for (std::size_t r = begin; r < end; ++r) {
      const double* row = x.data() + rows[r] * width;
      const double value = y[rows[r]];
      for (std::size_t k = 0; k < p; ++k) xty[k] += row[k] * value;
    }
  }
  sums.y.assign(y.begin(), y.end());
  Eigen::MatrixXd xtx(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(p));
  for (std::size_t i = 0; i < p; ++i) {
    for (std::size_t k = i; k < p; ++k) {
      const auto ei = static_cast<Eigen::Index>(i), ek = static_cast<Eigen::Index>(k);
      xtx(ek, ei) = xtx(ei, ek) = lower[i * width + k];
    }
  }
  for (Eigen::Index i = 1; i < static_cast<Eigen::Index>(p); ++i) {
    xtx(i, i) += config.ridge * static_cast<double>(observed);
  }
  const Eigen::VectorXd beta =
      xtx.ldlt().solve(Eigen::Map<const Eigen::VectorXd>(xty.data(), static_cast<Eigen::Index>(p)));
  if (!beta.allFinite())
    return core::InvalidArgument("Fourier regression is singular", "series.values");
  model.coefficients_.assign(beta.data(), beta.data() + beta.size());
  model.fitted_regression_.resize(n);
  for (std::size_t t = 0; t < n; ++t) {
    model.fitted_regression_[t] = model.Dot(x.data() + t * width);
  }

  // rho: lag-one autocorrelation of the residuals over adjacent observed pairs.
  double num = 0, den = 0, prev = std::nan("");
  for (std::size_t t = 0; t < n; ++t) {
    const double r = std::isnan(y[t]) ? std::nan("") : y[t] - model.fitted_regression_[t];
    if (!std::isnan(r) && !std::isnan(prev)) {
      num += r * prev;
      den += prev * prev;
    }
    prev = r;
  }
  model.rho_ = den > 0 ? std::clamp(num / den, 0.0, 0.99) : 0.0;
  return model;
}

double FourierModel::Dot(const double* row) const {
  double sum = 0;
  for (std::size_t i = 0; i < coefficients_.size(); ++i) sum += row[i] * coefficients_[i];
  return sum;
}

double FourierModel::Regression(double t) const {
  std::array<double, kMaxCoefficients> row;
  Features(t, row.data());
  return Dot(row.data());
}

std::vector<double> FourierModel::RegressionValues(std::size_t count) const {
  std::vector<double> out(count);
  const std::size_t fitted = std::min(count, fitted_regression_.size());
  std::copy_n(fitted_regression_.begin(), fitted, out.begin());
  for (std::size_t t = fitted; t < count; ++t) out[t] = Regression(static_cast<double>(t));
  return out;
}

void FourierModel::ForecastFrom(std::span<const double> y, std::size_t origin, std::size_t horizon,
                                double* out) const {
  ForecastFrom(y, RegressionValues(origin + horizon + 1), origin, horizon, out);
}

void FourierModel::ForecastFrom(std::span<const double> y, std::span<const double> regression,
                                std::size_t origin, std::size_t horizon, double* out) const {
  // The latest observed residual at or before the origin, at most a day back.
  double residual = 0;
  std::size_t lag = 0;
  const std::size_t max_lag = std::max<std::size_t>(config_.daily_period, 1);
  for (std::size_t back = 0; back <= origin && back <= max_lag; ++back) {
    const double v = y[origin - back];
    if (!std::isnan(v)) {
      residual = v - regression[origin - back];
      lag = back;
      break;
    }
  }
  double decay = std::pow(rho_, static_cast<double>(lag));
  for (std::size_t h = 1; h <= horizon; ++h) {
    decay *= rho_;
    out[h - 1] = regression[origin + h] + decay * residual;
  }
}

std::vector<Parameter> FourierModel::Parameters() const {
  return {{"dailyHarmonics", static_cast<double>(daily_terms_)},
          {"weeklyHarmonics", static_cast<double>(weekly_terms_)},
          {"ridge", config_.ridge},
          {"trendPerStep", coefficients_.size() > 1 ? coefficients_[1] / time_scale_ : 0.0},
          {"residualRho", rho_}};
}

}  // namespace gov::predictors
