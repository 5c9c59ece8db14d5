#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "predictors/model_spec.h"
#include "predictors/series.h"

namespace gov::predictors {

// Why a prediction is not to be acted on: the planner then scales reactively only.
enum class FallbackReason {
  kNone,                        // the forecast is usable
  kTooShort,                    // not enough history to fit and backtest
  kTooGappy,                    // too many missing values overall or recently
  kNoDailySeason,               // the step is too long for a daily season
  kRegimeShift,                 // the latest day's level broke from the days before
  kNotBetterThanSeasonalNaive,  // no model beat seasonal naive in the backtest
  kNotBetterThanPersistence,  // no model beat "the load stays as it is now" (what reactive assumes)
  kFitFailed,                 // every candidate failed to fit
};
// Wire names: "none", "tooShort", "tooGappy", "noDailySeason", "regimeShift",
// "notBetterThanSeasonalNaive", "notBetterThanPersistence", "fitFailed".
std::string_view FallbackReasonName(FallbackReason reason);

struct PredictOptions {
  std::size_t horizon_steps = 12;                // H >= 1
  std::vector<double> quantiles{0.1, 0.5, 0.9};  // each in (0, 1)
  std::optional<ModelKind> model;                // nullopt: choose automatically
  double max_gap_share = 0.25;                   // of the whole history
  double max_recent_gap_share = 0.5;             // of the last day
};

// Backtest accuracy over the same (origin, horizon) pairs for every candidate.
struct Accuracy {
  double mase = 0;           // mean |error| over horizons 1..min(H, window) / MASE scale
  double smape = 0;          // percent, 0..200
  double one_step_mase = 0;  // MASE of the one-step-ahead forecasts only
  std::size_t points = 0;    // (origin, horizon) pairs with an observed actual
};

struct CandidateResult {
  ModelSpec spec;
  bool fitted = false;
  std::string error;  // why it could not be fitted
  Accuracy accuracy;
};

struct Prediction {
  FallbackReason fallback = FallbackReason::kNone;
  std::string reason;  // why this model, or why fall back, in a sentence
  ModelSpec model;     // the chosen model (meaningful without fallback, or when one was scored)
  std::vector<Parameter> parameters;
  Accuracy accuracy;               // the chosen model's
  double seasonal_naive_mase = 0;  // the better seasonal naive's, same pairs
  double persistence_mase = 0;     // "last value stays", same pairs
  std::vector<CandidateResult> candidates;
  std::size_t outliers_removed = 0;
  std::size_t backtest_window_steps = 0;
  Forecast forecast;  // empty when falling back

  bool FallBackToReactive() const { return fallback != FallbackReason::kNone; }
};

// Forecasts the H steps after `series` with quantile bands, choosing the model by a
// rolling-origin backtest on the recent history, or says why to fall back to reactive
// scaling. Pure: no I/O, no clock. InvalidArgument naming the field for invalid input
// ("series.step", "horizonSteps", "quantiles[1]").
//
// The procedure: outliers are removed (history.h); the last quarter of the history (at least
// half a day, at most a week) is the backtest window. Every candidate is fitted on the history
// before it, then forecasts from origins spread over the window (parameters fixed, state
// updated), and is scored by MASE, scaled by seasonal naive's in-sample error (Hyndman &
// Koehler 2006), on all horizons up to min(H, window). The best model must beat the better
// seasonal naive (daily or weekly) and persistence by 2% each. Then it forecasts from the end of
// the history: Holt-Winters with the parameters it was backtested with (its state runs through
// the window), Fourier refitted on the whole history. Bands add to the point forecast the
// empirical quantiles of its backtest errors, pooled over horizons in doubling buckets (1, 2,
// 3-4, 5-8, ...); horizons beyond the window use the last bucket.
core::StatusOr<Prediction> Predict(const Series& series, const PredictOptions& options);

}  // namespace gov::predictors
