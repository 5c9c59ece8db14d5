#include "predictors/predict.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "predictors/fitted_model.h"
#include "predictors/history.h"
#include "predictors/internal/candidates.h"
#include "predictors/seasonal_naive.h"

namespace gov::predictors {
namespace {

constexpr std::size_t kMaxOrigins = 120;     // backtest origins, spread over the window
constexpr double kMinImprovement = 0.98;     // must beat both baselines' MASE by 2%
constexpr std::size_t kMinBandSamples = 20;  // errors behind one horizon bucket's quantiles
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string Fixed(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Days(std::size_t steps, std::size_t day) {
  return Fixed(static_cast<double>(steps) / static_cast<double>(day), 1) + " days";
}

// Backtest errors (actual - forecast), origins x horizon; NaN where the actual is missing.
struct Errors {
  std::size_t horizon = 0;
  std::vector<double> values;
};

Accuracy Score(const Errors& errors, std::span<const double> forecasts, double scale) {
  Accuracy a;
  double abs_sum = 0, smape_sum = 0, one_step_sum = 0;
  std::size_t smape_count = 0, one_step_count = 0;
  // h: k % errors.horizon, counted rather than divided (a division per value costs more than
  // the rest of the loop).
  for (std::size_t k = 0, h = 0; k < errors.values.size();
       ++k, h = h + 1 == errors.horizon ? 0 : h + 1) {
    const double e = errors.values[k];
    if (std::isnan(e)) continue;
    abs_sum += std::abs(e);
    ++a.points;
    const double f = forecasts[k], actual = f + e;
    const double denom = std::abs(actual) + std::abs(f);
    if (denom > 0) smape_sum += 2 * std::abs(e) / denom;
    ++smape_count;
    if (h == 0) {
      one_step_sum += std::abs(e);
      ++one_step_count;
    }
  }
  if (a.points == 0) {
    a.mase = a.smape = a.one_step_mase = kInf;
    return a;
  }
  a.mase = abs_sum / static_cast<double>(a.points) / scale;
  a.smape = 100 * smape_sum / static_cast<double>(smape_count);
  a.one_step_mase =
      one_step_count > 0 ? one_step_sum / static_cast<double>(one_step_count) / scale : kInf;
  return a;
}

// Into `errors` (its buffer reused).
void ComputeErrors(std::span<const double> y, std::span<const std::size_t> origins,
                   std::size_t horizon, std::span<const double> forecasts, Errors* out,
                   bool* finite) {
  Errors& errors = *out;
  errors.horizon = horizon;
  errors.values.assign(origins.size() * horizon, std::nan(""));
  *finite = true;
  for (std::size_t i = 0; i < origins.size(); ++i) {
    for (std::size_t h = 1; h <= horizon && origins[i] + h < y.size(); ++h) {
      const double actual = y[origins[i] + h];
      const double f = forecasts[i * horizon + h - 1];
      if (std::isnan(actual)) continue;
      if (!std::isfinite(f)) *finite = false;
      errors.values[i * horizon + h - 1] = actual - f;
    }
  }
}

// `*first`, when given, is an index of v at or below this quantile's whose elements before it
// are none greater than those from it on (as the previous call left them, for a lower q): the
// search starts there. It receives this quantile's lower order statistic's index.
double Quantile(std::vector<double>& v, double q, std::size_t* first = nullptr) {
  // Linear interpolation between order statistics (type 7, the numpy default).
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t from = first != nullptr && *first <= lo ? *first : 0;
  std::nth_element(v.begin() + static_cast<std::ptrdiff_t>(from),
                   v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
  if (first != nullptr) *first = lo;
  const double a = v[lo];
  if (lo + 1 >= v.size()) return a;
  const double b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
  return a + (pos - static_cast<double>(lo)) * (b - a);
}

// offsets[q][h] = quantile q of the backtest errors of horizon h's bucket, for h in
// [0, errors.horizon); horizons beyond use the last one (empty without errors).
std::vector<std::vector<double>> BandOffsets(const Errors& errors,
                                             const std::vector<double>& quantiles) {
  std::vector<std::vector<double>> out(quantiles.size(), std::vector<double>(errors.horizon, 0.0));
  // Buckets of horizons (1-based) 1, 2, 3-4, 5-8, ... up to errors.horizon; a bucket with too
  // few errors is merged into the next.
  std::vector<double> offsets(quantiles.size(), 0.0);
  std::vector<double> pooled;
  std::size_t h_done = 0;  // horizons whose offsets are set
  auto assign = [&](std::size_t through) {
    for (; h_done < through; ++h_done) {
      for (std::size_t q = 0; q < quantiles.size(); ++q) out[q][h_done] = offsets[q];
    }
  };
  // Horizons [pool_from, h] join the pool at a bucket's end, origin by origin (contiguous in
  // memory; the quantiles do not depend on the order).
  const std::size_t origins = errors.horizon > 0 ? errors.values.size() / errors.horizon : 0;
  std::size_t pool_from = 1;
  for (std::size_t h = 1, bucket_end = 1; h <= errors.horizon; ++h) {
    if (h != bucket_end && h != errors.horizon) continue;
    bucket_end *= 2;
    for (std::size_t i = 0; i < origins; ++i) {
      const double* row = errors.values.data() + i * errors.horizon;
      for (std::size_t k = pool_from - 1; k < h; ++k) {
        if (!std::isnan(row[k])) pooled.push_back(row[k]);
      }
    }
    pool_from = h + 1;
    if (pooled.size() < kMinBandSamples && h != errors.horizon) continue;
    if (!pooled.empty()) {
      std::size_t first = 0;  // the quantiles ascend: each search starts at the previous one
      for (std::size_t q = 0; q < quantiles.size(); ++q) {
        offsets[q] = Quantile(pooled, quantiles[q], &first);
      }
    }
    assign(h);
    pooled.clear();
  }
  return out;
}

// bands[q][h] = point[h] + offsets[q][h] (the last offset beyond them), clamped at 0 when
// `non_negative` (the point too).
void AddBands(const std::vector<std::vector<double>>& offsets, bool non_negative,
              Forecast* forecast) {
  const std::size_t horizon = forecast->point.size();
  forecast->bands.assign(offsets.size(), std::vector<double>(horizon, 0.0));
  for (std::size_t q = 0; q < offsets.size(); ++q) {
    const std::vector<double>& offset = offsets[q];
    for (std::size_t h = 0; h < horizon; ++h) {
      const double o = offset.empty() ? 0.0 : offset[std::min(h, offset.size() - 1)];
      forecast->bands[q][h] = forecast->point[h] + o;
    }
  }
  if (non_negative) {
    for (double& v : forecast->point) v = std::max(v, 0.0);
    for (auto& band : forecast->bands) {
      for (double& v : band) v = std::max(v, 0.0);
    }
  }
}

core::Status ValidateOptions(const PredictOptions& options) {
  if (options.horizon_steps < 1) return core::InvalidArgument("must be at least 1", "horizonSteps");
  for (std::size_t i = 0; i < options.quantiles.size(); ++i) {
    const double q = options.quantiles[i];
    if (!(q > 0 && q < 1)) {
      return core::InvalidArgument("quantile must be in (0, 1)",
                                   "quantiles[" + std::to_string(i) + "]");
    }
    if (i > 0 && !(q > options.quantiles[i - 1])) {
      return core::InvalidArgument("quantiles must ascend", "quantiles[" + std::to_string(i) + "]");
    }
  }
  if (!(options.max_gap_share >= 0 && options.max_gap_share <= 1)) {
    return core::InvalidArgument("must be in [0, 1]", "maxGapShare");
  }
  if (!(options.max_recent_gap_share >= 0 && options.max_recent_gap_share <= 1)) {
    return core::InvalidArgument("must be in [0, 1]", "maxRecentGapShare");
  }
  return core::Status::Ok();
}

std::vector<ModelSpec> CandidateSpecs(const PredictOptions& options,
                                      const internal::Periods& periods, std::size_t train_steps,
                                      bool positive) {
  std::vector<ModelSpec> specs;
  auto wanted = [&](ModelKind kind) {
    return kind == ModelKind::kSeasonalNaive || !options.model || *options.model == kind;
  };
  const bool weekly_naive = periods.weekly > 0 && train_steps > periods.weekly;
  specs.push_back({ModelKind::kSeasonalNaive, Season::kDaily});
  if (weekly_naive) specs.push_back({ModelKind::kSeasonalNaive, Season::kWeekly});
  if (wanted(ModelKind::kHoltWinters)) {
    std::vector<Season> seasons = {Season::kDaily};
    if (periods.weekly > 0 && train_steps >= 2 * periods.weekly) seasons.push_back(Season::kWeekly);
    for (Season season : seasons) {
      for (Seasonality seasonality : {Seasonality::kAdditive, Seasonality::kMultiplicative}) {
        if (seasonality == Seasonality::kMultiplicative && !positive) continue;
        for (Trend trend : {Trend::kNone, Trend::kDamped}) {
          specs.push_back({ModelKind::kHoltWinters, season, seasonality, trend});
        }
      }
    }
  }
  if (wanted(ModelKind::kFourier)) specs.push_back({ModelKind::kFourier});
  return specs;
}

}  // namespace

struct FittedModel::Chosen {
  std::unique_ptr<internal::Candidate> candidate;
  Errors errors;       // the chosen model's backtest errors
  Errors persistence;  // persistence's, same origins and horizons
  std::vector<double> quantiles;
  std::vector<std::vector<double>> band_offsets;  // BandOffsets(errors, quantiles)
};

namespace {

// Predict, keeping the chosen model and its errors in `keep` (when given and not falling back).
core::StatusOr<Prediction> Run(const Series& series, const PredictOptions& options,
                               FittedModel::Chosen* keep, std::vector<double>* cleaned_out);

}  // namespace

std::string_view FallbackReasonName(FallbackReason reason) {
  switch (reason) {
    case FallbackReason::kNone:
      return "none";
    case FallbackReason::kTooShort:
      return "tooShort";
    case FallbackReason::kTooGappy:
      return "tooGappy";
    case FallbackReason::kNoDailySeason:
      return "noDailySeason";
    case FallbackReason::kRegimeShift:
      return "regimeShift";
    case FallbackReason::kNotBetterThanSeasonalNaive:
      return "notBetterThanSeasonalNaive";
    case FallbackReason::kNotBetterThanPersistence:
      return "notBetterThanPersistence";
    case FallbackReason::kFitFailed:
      return "fitFailed";
  }
  return "unknown";
}

core::StatusOr<Prediction> Predict(const Series& series, const PredictOptions& options) {
  return Run(series, options, nullptr, nullptr);
}

namespace {

core::StatusOr<Prediction> Run(const Series& series, const PredictOptions& options,
                               FittedModel::Chosen* keep, std::vector<double>* cleaned_out) {
  RETURN_IF_ERROR(ValidateSeries(series));
  RETURN_IF_ERROR(ValidateOptions(options));
  Prediction out;
  auto fall_back = [&](FallbackReason reason, std::string message) {
    out.fallback = reason;
    out.reason = std::move(message);
    return out;
  };
  const std::span<const double> y = series.values;
  const std::size_t n = y.size();
  internal::Periods periods{SeasonSteps(series.step, kDay), SeasonSteps(series.step, kWeek)};
  const std::size_t day = periods.daily;
  if (day == 0) {
    return fall_back(
        FallbackReason::kNoDailySeason,
        "steps of " + std::to_string(series.step.count()) + " s are too long for a daily season");
  }
  const std::size_t window = std::min(std::max(n / 4, day / 2), 7 * day);
  if (n < window + 2 * day) {
    return fall_back(FallbackReason::kTooShort,
                     "history covers " + Days(n, day) + "; forecasting needs " +
                         Days(2 * day + std::max(day / 2, (2 * day + 2) / 3), day) +
                         " (two days to fit and a backtest window)");
  }
  const std::size_t train_end = n - window;
  out.backtest_window_steps = window;
  const double gaps = GapShare(y);
  if (gaps > options.max_gap_share) {
    return fall_back(FallbackReason::kTooGappy,
                     Fixed(100 * gaps, 0) + "% of the history is missing (at most " +
                         Fixed(100 * options.max_gap_share, 0) + "% allowed)");
  }
  const double recent_gaps = GapShare(y, n - day);
  if (recent_gaps > options.max_recent_gap_share) {
    return fall_back(FallbackReason::kTooGappy,
                     Fixed(100 * recent_gaps, 0) + "% of the last day is missing (at most " +
                         Fixed(100 * options.max_recent_gap_share, 0) + "% allowed)");
  }
  const std::vector<double> cleaned = RemoveOutliers(y, day, &out.outliers_removed);
  const LevelShift shift = DetectRecentLevelShift(cleaned, day);
  if (shift.detected) {
    return fall_back(FallbackReason::kRegimeShift,
                     "the last day's mean level " + Fixed(shift.recent_level) +
                         " broke from the earlier days' " + Fixed(shift.reference_level) +
                         "; too little history at the new level");
  }
  double scale = SeasonalNaiveScale(y.first(train_end), day);
  if (std::isnan(scale)) {
    return fall_back(FallbackReason::kTooGappy, "no two values a day apart before the backtest");
  }
  double magnitude = 0;
  bool positive = true, non_negative = true;
  for (double v : y) {
    if (std::isnan(v)) continue;
    magnitude = std::max(magnitude, std::abs(v));
    positive = positive && v > 0;
    non_negative = non_negative && v >= 0;
  }
  scale = std::max(scale, 1e-9 * (1 + magnitude));  // a flat history: any error counts

  // Rolling origins over the window, at most kMaxOrigins of them.
  const std::size_t eval_horizon = std::min(options.horizon_steps, window);
  std::vector<std::size_t> origins;
  const std::size_t span = n - train_end;  // origins train_end - 1 .. n - 2
  const std::size_t stride = (span + kMaxOrigins - 1) / kMaxOrigins;
  for (std::size_t o = train_end - 1; o + 1 < n; o += stride) origins.push_back(o);

  // Persistence: the latest observed value stays.
  {
    std::vector<double> forecasts(origins.size() * eval_horizon);
    for (std::size_t i = 0; i < origins.size(); ++i) {
      double latest = std::nan("");
      for (std::size_t back = 0; back <= origins[i]; ++back) {
        if (!std::isnan(cleaned[origins[i] - back])) {
          latest = cleaned[origins[i] - back];
          break;
        }
      }
      std::fill_n(forecasts.begin() + static_cast<std::ptrdiff_t>(i * eval_horizon), eval_horizon,
                  latest);
    }
    bool finite = true;
    Errors errors;
    ComputeErrors(y, origins, eval_horizon, forecasts, &errors, &finite);
    out.persistence_mase = Score(errors, forecasts, scale).mase;
    if (keep != nullptr) keep->persistence = std::move(errors);
  }

  // The better seasonal naive is the baseline; the best of the rest is the contender (the
  // first of equals). Only the contender so far keeps its model and backtest errors.
  std::optional<std::size_t> baseline_index, best_index;  // in out.candidates
  std::unique_ptr<internal::Candidate> best_candidate;
  Errors best_errors, errors;
  std::vector<double> forecasts;
  const std::span<const double> train(cleaned.data(), train_end);
  for (const ModelSpec& spec : CandidateSpecs(options, periods, train_end, positive)) {
    internal::Periods candidate_periods = periods;
    // Weekly Fourier terms need every weekday seen once and half a week again.
    if (spec.kind == ModelKind::kFourier && 2 * train_end < 3 * periods.weekly) {
      candidate_periods.weekly = 0;
    }
    CandidateResult result{spec, false, {}, {}};
    auto candidate = internal::MakeCandidate(spec, candidate_periods);
    const core::Status fitted = candidate->Fit(train);
    if (!fitted.ok()) {
      result.error = fitted.message();
      result.accuracy.mase = kInf;
      out.candidates.push_back(std::move(result));
      continue;
    }
    candidate->ForecastFrom(cleaned, origins, eval_horizon, &forecasts);
    bool finite = true;
    ComputeErrors(y, origins, eval_horizon, forecasts, &errors, &finite);
    if (!finite) {
      result.error = "non-finite forecast in the backtest";
      result.accuracy.mase = kInf;
      out.candidates.push_back(std::move(result));
      continue;
    }
    result.fitted = true;
    result.accuracy = Score(errors, forecasts, scale);
    const std::size_t index = out.candidates.size();
    out.candidates.push_back(std::move(result));
    const double mase = out.candidates[index].accuracy.mase;
    if (spec.kind == ModelKind::kSeasonalNaive) {
      if (!baseline_index || mase < out.candidates[*baseline_index].accuracy.mase) {
        baseline_index = index;
      }
      if (options.model != ModelKind::kSeasonalNaive) continue;
    }
    if (!best_index || mase < out.candidates[*best_index].accuracy.mase) {
      best_index = index;
      best_candidate = std::move(candidate);
      std::swap(best_errors, errors);
    }
  }
  if (!baseline_index || !best_index) {
    return fall_back(FallbackReason::kFitFailed, "no candidate model could be fitted");
  }
  const CandidateResult* baseline = &out.candidates[*baseline_index];
  const CandidateResult* best = &out.candidates[*best_index];
  out.seasonal_naive_mase = baseline->accuracy.mase;
  out.model = best->spec;
  out.accuracy = best->accuracy;
  const std::string scores = ModelSpecName(best->spec) + " has MASE " + Fixed(best->accuracy.mase) +
                             " against " + Fixed(baseline->accuracy.mase) + " for " +
                             ModelSpecName(baseline->spec) + " and " + Fixed(out.persistence_mase) +
                             " for persistence over " + Days(window, day) + " of backtest";
  if (!options.model) {
    if (!(best->accuracy.mase < kMinImprovement * baseline->accuracy.mase)) {
      return fall_back(FallbackReason::kNotBetterThanSeasonalNaive,
                       "no model beats seasonal naive by 2%: " + scores);
    }
    if (!(best->accuracy.mase < kMinImprovement * out.persistence_mase)) {
      return fall_back(
          FallbackReason::kNotBetterThanPersistence,
          "no model beats the current value (what reactive scaling assumes) by 2%: " + scores);
    }
    out.reason = "chosen: " + scores;
  } else {
    out.reason = "requested: " + scores;
  }

  // Bring the chosen model up to date with the whole history and forecast from its end.
  const core::Status refit = best_candidate->Refresh(cleaned);
  if (!refit.ok()) {
    return fall_back(FallbackReason::kFitFailed,
                     "refitting " + ModelSpecName(best->spec) + " failed: " + refit.message());
  }
  out.parameters = best_candidate->Parameters();
  Forecast& forecast = out.forecast;
  forecast.start = series.TimeAt(n);
  forecast.step = series.step;
  forecast.quantiles = options.quantiles;
  const std::size_t last = n - 1;
  best_candidate->ForecastFrom(cleaned, std::span<const std::size_t>(&last, 1),
                               options.horizon_steps, &forecast.point);
  std::vector<std::vector<double>> band_offsets = BandOffsets(best_errors, options.quantiles);
  AddBands(band_offsets, non_negative, &forecast);
  if (keep != nullptr) {
    keep->band_offsets = std::move(band_offsets);
    keep->candidate = std::move(best_candidate);
    keep->errors = std::move(best_errors);
    keep->quantiles = options.quantiles;
  }
  if (cleaned_out != nullptr) *cleaned_out = cleaned;
  return out;
}

double MeanAbs(const Errors& errors, std::size_t h) {
  double sum = 0;
  std::size_t count = 0;
  if (h < 1 || h > errors.horizon) return std::nan("");
  for (std::size_t k = h - 1; k < errors.values.size(); k += errors.horizon) {
    if (std::isnan(errors.values[k])) continue;
    sum += std::abs(errors.values[k]);
    ++count;
  }
  return count > 0 ? sum / static_cast<double>(count) : std::nan("");
}

// Mean pinball loss at quantile q of the errors at horizon h against their own q-quantile.
double Pinball(const Errors& errors, std::size_t h, double q) {
  if (h < 1 || h > errors.horizon) return std::nan("");
  std::vector<double> e;
  for (std::size_t k = h - 1; k < errors.values.size(); k += errors.horizon) {
    if (!std::isnan(errors.values[k])) e.push_back(errors.values[k]);
  }
  if (e.empty()) return std::nan("");
  std::vector<double> sorted = e;
  const double c = Quantile(sorted, q);
  double sum = 0;
  for (double v : e) {
    const double d = v - c;
    sum += d >= 0 ? q * d : (q - 1) * d;
  }
  return sum / static_cast<double>(e.size());
}

}  // namespace

FittedModel::FittedModel() = default;
FittedModel::FittedModel(FittedModel&&) noexcept = default;
FittedModel& FittedModel::operator=(FittedModel&&) noexcept = default;
FittedModel::~FittedModel() = default;

core::StatusOr<FittedModel> FittedModel::Fit(const Series& series, const PredictOptions& options) {
  FittedModel model;
  model.chosen_ = std::make_unique<Chosen>();
  ASSIGN_OR_RETURN(model.prediction_, Run(series, options, model.chosen_.get(), &model.values_));
  model.start_ = series.start;
  model.step_ = series.step;
  model.fitted_steps_ = series.values.size();
  if (!model.usable() || model.chosen_->candidate == nullptr) {
    model.chosen_.reset();
    model.values_.clear();
  } else {
    model.errors_horizon_ = model.chosen_->errors.horizon;
    for (double v : model.values_) model.non_negative_ = model.non_negative_ && !(v < 0);
  }
  return model;
}

double FittedModel::BacktestMae(std::size_t h) const {
  return chosen_ ? MeanAbs(chosen_->errors, h) : std::nan("");
}

double FittedModel::PersistenceMae(std::size_t h) const {
  return chosen_ ? MeanAbs(chosen_->persistence, h) : std::nan("");
}

double FittedModel::BacktestPinball(std::size_t h, double q) const {
  return chosen_ ? Pinball(chosen_->errors, h, q) : std::nan("");
}

double FittedModel::PersistencePinball(std::size_t h, double q) const {
  return chosen_ ? Pinball(chosen_->persistence, h, q) : std::nan("");
}

core::StatusOr<Forecast> FittedModel::ForecastFrom(const Series& series, std::size_t horizon) {
  if (!chosen_) {
    return core::Status(core::StatusCode::kFailedPrecondition,
                        "the fit fell back to reactive: " + prediction_.reason);
  }
  if (horizon < 1) return core::InvalidArgument("must be at least 1", "horizonSteps");
  if (series.step != step_ || series.start > start_ ||
      (start_ - series.start) % step_ != core::Duration::zero()) {
    return core::InvalidArgument("does not have the fitted series' step and phase", "series");
  }
  const auto offset = static_cast<std::size_t>((start_ - series.start) / step_);
  if (series.values.size() < offset + fitted_steps_) {
    return core::InvalidArgument("ends before the fitted series", "series");
  }
  const std::size_t n = series.values.size() - offset;
  if (values_.size() > n) values_.resize(std::max(n, fitted_steps_));
  for (std::size_t i = values_.size(); i < n; ++i) {
    values_.push_back(series.values[offset + i]);
    non_negative_ = non_negative_ && !(values_.back() < 0);
  }
  chosen_->candidate->ForecastLatest(values_, horizon, &point_);
  Forecast forecast;
  forecast.start = series.TimeAt(series.values.size());
  forecast.step = step_;
  forecast.quantiles = chosen_->quantiles;
  forecast.point = point_;
  AddBands(chosen_->band_offsets, non_negative_, &forecast);
  return forecast;
}

}  // namespace gov::predictors
