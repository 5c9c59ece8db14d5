#include "predictors/internal/candidates.h"

#include <cmath>
#include <cstdlib>
#include <optional>

#include "predictors/fourier_regression.h"
#include "predictors/holt_winters.h"
#include "predictors/seasonal_naive.h"

namespace gov::predictors::internal {
namespace {

class SeasonalNaiveCandidate final : public Candidate {
 public:
  SeasonalNaiveCandidate(const ModelSpec& spec, std::size_t period)
      : spec_(spec), period_(period) {}
  const ModelSpec& spec() const override { return spec_; }
  core::Status Fit(std::span<const double> y) override {
    if (y.size() <= period_)
      return core::InvalidArgument("shorter than one season", "series.values");
    return core::Status::Ok();
  }
  core::Status Refresh(std::span<const double>) override { return core::Status::Ok(); }
  void ForecastFrom(std::span<const double> y, std::span<const std::size_t> origins,
                    std::size_t horizon, std::vector<double>* out) const override {
    out->assign(origins.size() * horizon, 0.0);
    for (std::size_t i = 0; i < origins.size(); ++i) {
      SeasonalNaiveForecastFrom(y, period_, origins[i], horizon, out->data() + i * horizon);
    }
  }
  std::vector<Parameter> Parameters() const override {
    return {{"seasonSteps", static_cast<double>(period_)}};
  }

 private:
  ModelSpec spec_;
  std::size_t period_;
};

class HoltWintersCandidate final : public Candidate {
 public:
  HoltWintersCandidate(const ModelSpec& spec, std::size_t period) : spec_(spec) {
    config_.period = period;
    config_.seasonality = spec.seasonality;
    config_.trend = spec.trend;
  }
  const ModelSpec& spec() const override { return spec_; }
  core::Status Fit(std::span<const double> y) override {
    runner_.reset();
    ASSIGN_OR_RETURN(fit_, FitHoltWinters(y, config_));
    return core::Status::Ok();
  }
  core::Status Refresh(std::span<const double>) override { return core::Status::Ok(); }
  void ForecastFrom(std::span<const double> y, std::span<const std::size_t> origins,
                    std::size_t horizon, std::vector<double>* out) const override {
    out->assign(origins.size() * horizon, 0.0);
    HoltWintersRunner runner(fit_->config, fit_->params, fit_->initial);
    std::size_t next = 0;  // values observed so far
    for (std::size_t i = 0; i < origins.size(); ++i) {
      for (; next <= origins[i]; ++next) runner.Observe(y[next]);
      runner.Forecast(horizon, out->data() + i * horizon);
    }
  }
  void ForecastLatest(std::span<const double> y, std::size_t horizon,
                      std::vector<double>* out) override {
    out->assign(horizon, 0.0);
    if (y.empty()) return;
    // Continue from the cached state when y extends what it has seen (same last seen value).
    const bool extends = runner_ && observed_ <= y.size() &&
                         (observed_ == 0 || SameValue(y[observed_ - 1], last_seen_));
    if (!extends) {
      runner_.emplace(fit_->config, fit_->params, fit_->initial);
      observed_ = 0;
    }
    for (; observed_ < y.size(); ++observed_) runner_->Observe(y[observed_]);
    last_seen_ = y[y.size() - 1];
    runner_->Forecast(horizon, out->data());
  }
  std::vector<Parameter> Parameters() const override {
    std::vector<Parameter> out = {{"alpha", fit_->params.alpha}};
    if (config_.trend != Trend::kNone) out.push_back({"beta", fit_->params.beta});
    out.push_back({"gamma", fit_->params.gamma});
    if (config_.trend == Trend::kDamped) out.push_back({"phi", fit_->params.phi});
    out.push_back({"seasonSteps", static_cast<double>(config_.period)});
    return out;
  }

 private:
  static bool SameValue(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

  ModelSpec spec_;
  HoltWintersConfig config_;
  std::optional<HoltWintersFit> fit_;
  std::optional<HoltWintersRunner> runner_;  // ForecastLatest's state after observed_ values
  std::size_t observed_ = 0;
  double last_seen_ = 0;
};

class FourierCandidate final : public Candidate {
 public:
  FourierCandidate(const ModelSpec& spec, const Periods& periods) : spec_(spec) {
    config_.daily_period = periods.daily;
    config_.weekly_period = periods.weekly;
  }
  const ModelSpec& spec() const override { return spec_; }
  core::Status Fit(std::span<const double> y) override {
    sums_ = FourierSums{};
    return FitWindow(y);
  }
  // The whole history usually extends the fitted window at its end: the refit continues the
  // fit's sums (FourierSums), which are then no longer needed.
  core::Status Refresh(std::span<const double> y) override {
    const core::Status status = FitWindow(y);
    sums_ = FourierSums{};
    return status;
  }
  void ForecastLatest(std::span<const double> y, std::size_t horizon,
                      std::vector<double>* out) override {
    out->assign(horizon, 0.0);
    if (y.size() <= offset_) std::abort();  // before the fitted window: a caller bug
    const std::size_t origin = y.size() - 1 - offset_;
    // Regression values are a function of the step number only: extend the cached ones.
    for (std::size_t t = regression_.size(); t <= origin + horizon; ++t) {
      regression_.push_back(model_->Regression(static_cast<double>(t)));
    }
    model_->ForecastFrom(y.subspan(offset_), regression_, origin, horizon, out->data());
  }
  void ForecastFrom(std::span<const double> y, std::span<const std::size_t> origins,
                    std::size_t horizon, std::vector<double>* out) const override {
    out->assign(origins.size() * horizon, 0.0);
    if (origins.empty()) return;
    // Origins before the fitted window would index before its step 0: a caller bug.
    if (origins.front() < offset_) std::abort();
    const std::span<const double> shifted = y.subspan(offset_);
    const std::vector<double> regression =
        model_->RegressionValues(origins.back() - offset_ + horizon + 1);
    for (std::size_t i = 0; i < origins.size(); ++i) {
      model_->ForecastFrom(shifted, regression, origins[i] - offset_, horizon,
                           out->data() + i * horizon);
    }
  }
  std::vector<Parameter> Parameters() const override { return model_->Parameters(); }

 private:
  core::Status FitWindow(std::span<const double> y) {
    const std::size_t previous_offset = offset_;
    // The regression's level and slope are global: fit the recent past only (five weeks).
    offset_ = y.size() > kMaxFitSteps() ? y.size() - kMaxFitSteps() : 0;
    // Keep the phase of every season: start the window on a whole week (or day).
    const std::size_t align =
        config_.weekly_period > 0 ? config_.weekly_period : config_.daily_period;
    if (align > 0) offset_ -= offset_ % align;
    if (offset_ != previous_offset) sums_ = FourierSums{};  // a different window
    regression_.clear();
    ASSIGN_OR_RETURN(model_, FourierModel::Fit(y.subspan(offset_), config_, &sums_));
    return core::Status::Ok();
  }

  std::size_t kMaxFitSteps() const {
    const std::size_t day = config_.daily_period > 0 ? config_.daily_period : 1;
    return 35 * day;
  }

  ModelSpec spec_;
  FourierConfig config_;
  std::size_t offset_ = 0;
  std::optional<FourierModel> model_;
  std::vector<double> regression_;  // ForecastLatest's cache of Regression(t)
  FourierSums sums_;                // between Fit and Refresh
};

}  // namespace

void Candidate::ForecastLatest(std::span<const double> y, std::size_t horizon,
                               std::vector<double>* out) {
  out->assign(horizon, 0.0);
  if (y.empty()) return;
  const std::size_t origin = y.size() - 1;
  ForecastFrom(y, std::span<const std::size_t>(&origin, 1), horizon, out);
}

std::unique_ptr<Candidate> MakeCandidate(const ModelSpec& spec, const Periods& periods) {
  const std::size_t period = spec.season == Season::kDaily ? periods.daily : periods.weekly;
  switch (spec.kind) {
    case ModelKind::kSeasonalNaive:
      return std::make_unique<SeasonalNaiveCandidate>(spec, period);
    case ModelKind::kHoltWinters:
      return std::make_unique<HoltWintersCandidate>(spec, period);
    case ModelKind::kFourier:
      return std::make_unique<FourierCandidate>(spec, periods);
  }
  return nullptr;
}

}  // namespace gov::predictors::internal
