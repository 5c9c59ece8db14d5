#include "predictors/fourier_regression.h"

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>

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
                                               const FourierConfig& config) {
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
  // Normal equations X'X b = X'y accumulated row by row: no n-by-p matrix, and gap rows skipped.
  Eigen::MatrixXd xtx =
      Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(p));
  Eigen::VectorXd xty = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(p));
  Eigen::VectorXd row(static_cast<Eigen::Index>(p));
  for (std::size_t t = 0; t < y.size(); ++t) {
    if (std::isnan(y[t])) continue;
    model.Features(static_cast<double>(t), row.data());
    xtx.selfadjointView<Eigen::Lower>().rankUpdate(row);
    xty += row * y[t];
  }
  xtx.triangularView<Eigen::StrictlyUpper>() = xtx.transpose();
  for (Eigen::Index i = 1; i < static_cast<Eigen::Index>(p); ++i) {
    xtx(i, i) += config.ridge * static_cast<double>(observed);
  }
  const Eigen::VectorXd beta = xtx.ldlt().solve(xty);
  if (!beta.allFinite())
    return core::InvalidArgument("Fourier regression is singular", "series.values");
  model.coefficients_.assign(beta.data(), beta.data() + beta.size());

  // rho: lag-one autocorrelation of the residuals over adjacent observed pairs.
  double num = 0, den = 0, prev = std::nan("");
  for (std::size_t t = 0; t < y.size(); ++t) {
    const double r =
        std::isnan(y[t]) ? std::nan("") : y[t] - model.Regression(static_cast<double>(t));
    if (!std::isnan(r) && !std::isnan(prev)) {
      num += r * prev;
      den += prev * prev;
    }
    prev = r;
  }
  model.rho_ = den > 0 ? std::clamp(num / den, 0.0, 0.99) : 0.0;
  return model;
}

double FourierModel::Regression(double t) const {
  std::array<double, kMaxCoefficients> row;
  Features(t, row.data());
  double sum = 0;
  for (std::size_t i = 0; i < coefficients_.size(); ++i) sum += row[i] * coefficients_[i];
  return sum;
}

std::vector<double> FourierModel::RegressionValues(std::size_t count) const {
  std::vector<double> out(count);
  for (std::size_t t = 0; t < count; ++t) out[t] = Regression(static_cast<double>(t));
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
