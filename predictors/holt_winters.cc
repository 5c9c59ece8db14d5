#include "predictors/holt_winters.h"

#include <nlopt.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

namespace gov::predictors {
namespace {

constexpr double kAlphaEpsilon = 1.4901161193847656e-08;  // statsmodels' LOWER_BOUND

// A damped trend decays geometrically into subnormal numbers, which are two orders of magnitude
// slower on x86; below 1e-200 it is zero for every purpose here.
double FlushTiny(double v) { return std::abs(v) < 1e-200 ? 0.0 : v; }

double TrendTerm(const HoltWintersConfig& config, double phi, double trend) {
  switch (config.trend) {
    case Trend::kNone:
      return 0;
    case Trend::kAdditive:
      return trend;
    case Trend::kDamped:
      return phi * trend;
  }
  return 0;
}

}  // namespace

HoltWintersRunner::HoltWintersRunner(const HoltWintersConfig& config,
                                     const HoltWintersParams& params,
                                     const HoltWintersState& initial)
    : config_(config),
      params_(params),
      level_(initial.level),
      trend_(config.trend == Trend::kNone ? 0 : initial.trend),
      seasonal_(initial.seasonal) {
  if (config_.trend == Trend::kNone) params_.beta = 0;
  if (config_.trend != Trend::kDamped) params_.phi = 1;
}

double HoltWintersRunner::OneStepForecast() const {
  const double base = level_ + TrendTerm(config_, params_.phi, trend_);
  const double s = seasonal_[pos_];
  return config_.seasonality == Seasonality::kAdditive ? base + s : base * s;
}

double HoltWintersRunner::Observe(double y) {
  const double base = level_ + TrendTerm(config_, params_.phi, trend_);
  double& s = seasonal_[pos_];
  pos_ = pos_ + 1 == seasonal_.size() ? 0 : pos_ + 1;
  const bool additive = config_.seasonality == Seasonality::kAdditive;
  const double forecast = additive ? base + s : base * s;
  if (std::isnan(y)) {
    const double old_level = level_;
    level_ = base;
    trend_ = config_.trend == Trend::kNone ? 0 : FlushTiny(base - old_level);
    return std::numeric_limits<double>::quiet_NaN();
  }
  const double a = params_.alpha, b = params_.beta, g = params_.gamma;
  const double new_level = additive ? a * (y - s) + (1 - a) * base : a * (y / s) + (1 - a) * base;
  if (config_.trend != Trend::kNone) {
    trend_ = FlushTiny(b * (new_level - level_) + (1 - b) * (base - level_));
  }
  s = additive ? g * (y - base) + (1 - g) * s : g * (y / base) + (1 - g) * s;
  level_ = new_level;
  return y - forecast;
}

void HoltWintersRunner::Forecast(std::size_t horizon, double* out) const {
  const bool additive = config_.seasonality == Seasonality::kAdditive;
  const std::size_t m = seasonal_.size();
  double damp_sum = 0, phi_power = 1;
  std::size_t k = pos_;  // (pos_ + h - 1) % m
  for (std::size_t h = 1; h <= horizon; ++h, k = k + 1 == m ? 0 : k + 1) {
    switch (config_.trend) {
      case Trend::kNone:
        break;
      case Trend::kAdditive:
        damp_sum = static_cast<double>(h);
        break;
      case Trend::kDamped:
        phi_power *= params_.phi;
        damp_sum += phi_power;
        break;
    }
    const double base = level_ + damp_sum * trend_;
    const double s = seasonal_[k];
    out[h - 1] = additive ? base + s : base * s;
  }
}

HoltWintersState HoltWintersRunner::State() const {
  HoltWintersState state{level_, trend_, {}};
  state.seasonal.reserve(seasonal_.size());
  for (std::size_t k = 0; k < seasonal_.size(); ++k) {
    state.seasonal.push_back(seasonal_[(pos_ + k) % seasonal_.size()]);
  }
  return state;
}

core::StatusOr<HoltWintersState> HoltWintersInitialState(std::span<const double> y,
                                                         const HoltWintersConfig& config) {
  const std::size_t m = config.period;
  if (m < 2) return core::InvalidArgument("season must be at least 2 steps", "period");
  if (y.size() < 2 * m) {
    return core::InvalidArgument("Holt-Winters needs two seasons (" + std::to_string(2 * m) +
                                     " values), got " + std::to_string(y.size()),
                                 "series.values");
  }
  const bool additive = config.seasonality == Seasonality::kAdditive;
  std::array<double, 2> mean{};
  for (std::size_t k = 0; k < 2; ++k) {
    double sum = 0;
    std::size_t count = 0;
    for (std::size_t j = 0; j < m; ++j) {
      const double v = y[k * m + j];
      if (std::isnan(v)) continue;
      if (!additive && v <= 0) {
        return core::InvalidArgument("multiplicative seasonality needs positive values",
                                     "series.values[" + std::to_string(k * m + j) + "]");
      }
      sum += v;
      ++count;
    }
    if (count == 0) {
      return core::InvalidArgument("season " + std::to_string(k + 1) + " has no observations",
                                   "series.values");
    }
    mean[k] = sum / static_cast<double>(count);
  }
  HoltWintersState state;
  state.level = mean[0];
  state.trend = config.trend == Trend::kNone ? 0 : (mean[1] - mean[0]) / static_cast<double>(m);
  state.seasonal.assign(m, additive ? 0.0 : 1.0);
  double total = 0;
  for (std::size_t j = 0; j < m; ++j) {
    double sum = 0;
    int count = 0;
    for (std::size_t k = 0; k < 2; ++k) {
      const double v = y[k * m + j];
      if (std::isnan(v)) continue;
      sum += additive ? v - mean[k] : v / mean[k];
      ++count;
    }
    if (count > 0) state.seasonal[j] = sum / count;
    total += state.seasonal[j];
  }
  const double avg = total / static_cast<double>(m);
  for (double& s : state.seasonal) {
    if (additive) {
      s -= avg;
    } else {
      s /= avg;
    }
  }
  return state;
}

namespace {

// The SSE loop of HoltWintersRunner::Observe with the model's shape fixed at compile time: the
// optimizer calls it hundreds of times per fit, and each step waits for the one before (level
// and trend), so the loop is bound by the latency of that chain. Hence the damped trend's
// underflow guard runs once per season, after the inner loop, instead of on the chain of every
// step: a trend below 1e-200 changes nothing (level + phi * trend rounds to the level unless the
// level is itself below about 1e-184), and a season is too short for it to decay from there
// into the subnormal numbers the guard keeps out, except at the most extreme parameters.
template <bool kAdditive, Trend kTrend>
double SseLoop(std::span<const double> y, const HoltWintersParams& params,
               const HoltWintersState& initial, std::vector<double>& seasonal) {
  seasonal.assign(initial.seasonal.begin(), initial.seasonal.end());
  const double a = params.alpha, g = params.gamma;
  const double b = kTrend == Trend::kNone ? 0.0 : params.beta;
  const double phi = kTrend == Trend::kDamped ? params.phi : 1.0;
  double level = initial.level, trend = kTrend == Trend::kNone ? 0.0 : initial.trend;
  double sse = 0;
  const std::size_t m = seasonal.size();
  for (std::size_t begin = 0; begin < y.size(); begin += m) {
    const std::size_t count = std::min(m, y.size() - begin);
    const double* values = y.data() + begin;
    for (std::size_t pos = 0; pos < count; ++pos) {
      const double v = values[pos];
      const double base = kTrend == Trend::kNone ? level : level + phi * trend;
      double& s = seasonal[pos];
      if (std::isnan(v)) {
        if constexpr (kTrend != Trend::kNone) trend = base - level;
        level = base;
        continue;
      }
      const double e = kAdditive ? v - (base + s) : v - base * s;
      sse += e * e;
      const double new_level =
          kAdditive ? a * (v - s) + (1 - a) * base : a * (v / s) + (1 - a) * base;
      if constexpr (kTrend != Trend::kNone) {
        // b*(l' - l) + (1-b)*(base - l), arranged so that only b*l' waits for the new level.
        const double rest = (1 - b) * base - level;
        trend = b * new_level + rest;
      }
      s = kAdditive ? g * (v - base) + (1 - g) * s : g * (v / base) + (1 - g) * s;
      level = new_level;
    }
    if constexpr (kTrend != Trend::kNone) trend = FlushTiny(trend);
  }
  return sse;
}

template <bool kAdditive>
double SseFor(Trend trend, std::span<const double> y, const HoltWintersParams& params,
              const HoltWintersState& initial, std::vector<double>& seasonal) {
  switch (trend) {
    case Trend::kNone:
      return SseLoop<kAdditive, Trend::kNone>(y, params, initial, seasonal);
    case Trend::kAdditive:
      return SseLoop<kAdditive, Trend::kAdditive>(y, params, initial, seasonal);
    case Trend::kDamped:
      return SseLoop<kAdditive, Trend::kDamped>(y, params, initial, seasonal);
  }
  return std::numeric_limits<double>::infinity();
}

double Sse(std::span<const double> y, const HoltWintersConfig& config,
           const HoltWintersParams& params, const HoltWintersState& initial,
           std::vector<double>& seasonal) {
  const double sse = config.seasonality == Seasonality::kAdditive
                         ? SseFor<true>(config.trend, y, params, initial, seasonal)
                         : SseFor<false>(config.trend, y, params, initial, seasonal);
  // A NaN error on an observed value (a zero multiplicative denominator) poisons the sum.
  return std::isfinite(sse) ? sse : std::numeric_limits<double>::infinity();
}

// SseLoop for kLanes parameter sets at once, interleaved step by step: the lanes' chains are
// independent, so the processor overlaps them. Each lane does exactly SseLoop's arithmetic, so
// its sum is SseLoop's to the bit. `seasonal` is scratch (lane k of position j at j*kLanes+k).
template <bool kAdditive, Trend kTrend, std::size_t kLanes>
void SseLanesLoop(std::span<const double> y, const std::array<HoltWintersParams, kLanes>& params,
                  const HoltWintersState& initial, std::vector<double>& seasonal,
                  std::array<double, kLanes>& sse) {
  const std::size_t m = initial.seasonal.size();
  seasonal.resize(m * kLanes);
  for (std::size_t j = 0; j < m; ++j) {
    for (std::size_t k = 0; k < kLanes; ++k) seasonal[j * kLanes + k] = initial.seasonal[j];
  }
  std::array<double, kLanes> a, g, b, phi, level, trend;
  for (std::size_t k = 0; k < kLanes; ++k) {
    a[k] = params[k].alpha;
    g[k] = params[k].gamma;
    b[k] = kTrend == Trend::kNone ? 0.0 : params[k].beta;
    phi[k] = kTrend == Trend::kDamped ? params[k].phi : 1.0;
    level[k] = initial.level;
    trend[k] = kTrend == Trend::kNone ? 0.0 : initial.trend;
    sse[k] = 0;
  }
  for (std::size_t begin = 0; begin < y.size(); begin += m) {
    const std::size_t count = std::min(m, y.size() - begin);
    const double* values = y.data() + begin;
    for (std::size_t pos = 0; pos < count; ++pos) {
      const double v = values[pos];
      double* s_lanes = seasonal.data() + pos * kLanes;
      if (std::isnan(v)) {
        for (std::size_t k = 0; k < kLanes; ++k) {
          const double base = kTrend == Trend::kNone ? level[k] : level[k] + phi[k] * trend[k];
          if constexpr (kTrend != Trend::kNone) trend[k] = base - level[k];
          level[k] = base;
        }
        continue;
      }
      for (std::size_t k = 0; k < kLanes; ++k) {
        const double base = kTrend == Trend::kNone ? level[k] : level[k] + phi[k] * trend[k];
        double& s = s_lanes[k];
        const double e = kAdditive ? v - (base + s) : v - base * s;
        sse[k] += e * e;
        const double new_level =
            kAdditive ? a[k] * (v - s) + (1 - a[k]) * base : a[k] * (v / s) + (1 - a[k]) * base;
        if constexpr (kTrend != Trend::kNone) {
          const double rest = (1 - b[k]) * base - level[k];
          trend[k] = b[k] * new_level + rest;
        }
        s = kAdditive ? g[k] * (v - base) + (1 - g[k]) * s : g[k] * (v / base) + (1 - g[k]) * s;
        level[k] = new_level;
      }
    }
    if constexpr (kTrend != Trend::kNone) {
      for (std::size_t k = 0; k < kLanes; ++k) trend[k] = FlushTiny(trend[k]);
    }
  }
}

// Sse for kLanes parameter sets (SseLanesLoop): each result is Sse's for that set.
template <std::size_t kLanes>
void SseLanes(std::span<const double> y, const HoltWintersConfig& config,
              const std::array<HoltWintersParams, kLanes>& params, const HoltWintersState& initial,
              std::vector<double>& seasonal, std::array<double, kLanes>& sse) {
  const bool additive = config.seasonality == Seasonality::kAdditive;
  switch (config.trend) {
    case Trend::kNone:
      additive ? SseLanesLoop<true, Trend::kNone>(y, params, initial, seasonal, sse)
               : SseLanesLoop<false, Trend::kNone>(y, params, initial, seasonal, sse);
      break;
    case Trend::kAdditive:
      additive ? SseLanesLoop<true, Trend::kAdditive>(y, params, initial, seasonal, sse)
               : SseLanesLoop<false, Trend::kAdditive>(y, params, initial, seasonal, sse);
      break;
    case Trend::kDamped:
      additive ? SseLanesLoop<true, Trend::kDamped>(y, params, initial, seasonal, sse)
               : SseLanesLoop<false, Trend::kDamped>(y, params, initial, seasonal, sse);
      break;
  }
  for (double& v : sse) {
    if (!std::isfinite(v)) v = std::numeric_limits<double>::infinity();
  }
}

}  // namespace

double HoltWintersSse(std::span<const double> y, const HoltWintersConfig& config,
                      const HoltWintersParams& params, const HoltWintersState& initial) {
  std::vector<double> seasonal;
  return Sse(y, config, params, initial, seasonal);
}

namespace {

struct Objective {
  std::span<const double> y;
  const HoltWintersConfig* config;
  const HoltWintersState* initial;
  int evaluations = 0;
  std::vector<double> seasonal;  // scratch
};

// x = (a, [b,] g [, phi]) in the unit box (phi in its own bounds).
HoltWintersParams FromUnit(const double* x, const HoltWintersConfig& config) {
  HoltWintersParams p;
  p.alpha = x[0];
  std::size_t i = 1;
  if (config.trend != Trend::kNone) p.beta = p.alpha * x[i++];
  p.gamma = (1 - p.alpha) * x[i++];
  p.phi = config.trend == Trend::kDamped ? x[i] : 1.0;
  return p;
}

double Evaluate(unsigned n, const double* x, double* grad, void* data) {
  (void)n;
  (void)grad;  // derivative-free
  auto* objective = static_cast<Objective*>(data);
  ++objective->evaluations;
  const double sse = Sse(objective->y, *objective->config, FromUnit(x, *objective->config),
                         *objective->initial, objective->seasonal);
  return std::isfinite(sse) ? sse : std::numeric_limits<double>::max();
}

// Evaluate for kLanes points at once (their values into `values`).
constexpr std::size_t kLanes = 4;
void EvaluateLanes(const std::array<const double*, kLanes>& x, Objective* objective,
                   std::array<double, kLanes>& values) {
  std::array<HoltWintersParams, kLanes> params;
  for (std::size_t k = 0; k < kLanes; ++k) params[k] = FromUnit(x[k], *objective->config);
  objective->evaluations += static_cast<int>(kLanes);
  SseLanes(objective->y, *objective->config, params, *objective->initial, objective->seasonal,
           values);
  for (double& v : values) {
    if (!std::isfinite(v)) v = std::numeric_limits<double>::max();
  }
}

}  // namespace

core::StatusOr<HoltWintersFit> FitHoltWinters(std::span<const double> y,
                                              const HoltWintersConfig& config,
                                              const std::optional<HoltWintersState>& initial) {
  if (config.trend == Trend::kDamped &&
      !(config.phi_min > 0 && config.phi_min < config.phi_max && config.phi_max <= 1)) {
    return core::InvalidArgument("need 0 < phiMin < phiMax <= 1", "phi");
  }
  HoltWintersFit fit;
  fit.config = config;
  if (initial) {
    if (initial->seasonal.size() != config.period || config.period < 2) {
      return core::InvalidArgument("initial seasonal terms must number the period",
                                   "initial.seasonal");
    }
    fit.initial = *initial;
  } else {
    ASSIGN_OR_RETURN(fit.initial, HoltWintersInitialState(y, config));
  }
  if (config.seasonality == Seasonality::kMultiplicative) {
    for (std::size_t i = 0; i < y.size(); ++i) {
      if (y[i] <= 0) {
        return core::InvalidArgument("multiplicative seasonality needs positive values",
                                     "series.values[" + std::to_string(i) + "]");
      }
    }
  }

  const unsigned dim =
      2 + (config.trend != Trend::kNone ? 1 : 0) + (config.trend == Trend::kDamped ? 1 : 0);
  std::vector<double> lower(dim, 0.0), upper(dim, 1.0);
  lower[0] = kAlphaEpsilon;
  upper[0] = 1 - kAlphaEpsilon;
  if (config.trend == Trend::kDamped) {
    lower[dim - 1] = config.phi_min;
    upper[dim - 1] = config.phi_max;
  }
  Objective objective{y, &config, &fit.initial, 0, {}};
  nlopt_opt opt = nlopt_create(NLOPT_LN_BOBYQA, dim);
  if (opt == nullptr) return core::Internal("nlopt_create failed");
  nlopt_set_lower_bounds(opt, lower.data());
  nlopt_set_upper_bounds(opt, upper.data());
  nlopt_set_min_objective(opt, Evaluate, &objective);
  nlopt_set_ftol_rel(opt, 1e-8);
  nlopt_set_xtol_rel(opt, 1e-4);
  nlopt_set_maxeval(opt, 600);
  // BOBYQA wants its first trust region inside the box: a step at most a quarter of each range.
  std::vector<double> steps(dim);
  for (unsigned i = 0; i < dim; ++i) steps[i] = std::min(0.1, (upper[i] - lower[i]) / 4);
  nlopt_set_initial_step(opt, steps.data());

  // Starting points: the SSE surface of seasonal models often has more than one valley (slow
  // and fast adapting levels), so a coarse design of alpha x b x g is scored first and BOBYQA
  // runs from the two best points, as statsmodels runs its optimizer from a brute-force start.
  std::vector<std::pair<double, std::vector<double>>> design;
  const bool has_trend = config.trend != Trend::kNone;
  for (double a : {0.05, 0.3, 0.7, 0.95}) {
    for (double b : has_trend ? std::vector<double>{0.05, 0.5} : std::vector<double>{0.0}) {
      for (double g : {0.05, 0.4, 0.8}) {
        std::vector<double> x = {a};
        if (has_trend) x.push_back(b);
        x.push_back(g);
        if (config.trend == Trend::kDamped) x.push_back((lower[dim - 1] + upper[dim - 1]) / 2);
        design.emplace_back(0.0, std::move(x));
      }
    }
  }
  // Scored kLanes points at a time (the design has a multiple of kLanes points; the rest, if
  // any, one by one).
  std::size_t scored = 0;
  for (; scored + kLanes <= design.size(); scored += kLanes) {
    std::array<const double*, kLanes> x;
    std::array<double, kLanes> values;
    for (std::size_t k = 0; k < kLanes; ++k) x[k] = design[scored + k].second.data();
    EvaluateLanes(x, &objective, values);
    for (std::size_t k = 0; k < kLanes; ++k) design[scored + k].first = values[k];
  }
  for (; scored < design.size(); ++scored) {
    design[scored].first = Evaluate(dim, design[scored].second.data(), nullptr, &objective);
  }
  std::partial_sort(design.begin(), design.begin() + 2, design.end(),
                    [](const auto& l, const auto& r) { return l.first < r.first; });
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> best_x;
  for (std::size_t start = 0; start < 2; ++start) {
    std::vector<double> x = design[start].second;
    double value = 0;
    const nlopt_result result = nlopt_optimize(opt, x.data(), &value);
    if (result < 0 && result != NLOPT_ROUNDOFF_LIMITED) continue;
    if (value < best) {
      best = value;
      best_x = x;
    }
  }
  nlopt_destroy(opt);
  if (best_x.empty() || best >= std::numeric_limits<double>::max()) {
    return core::InvalidArgument("Holt-Winters fit found no finite error", "series.values");
  }
  fit.params = FromUnit(best_x.data(), config);
  fit.evaluations = objective.evaluations;
  HoltWintersRunner runner(config, fit.params, fit.initial);
  double sse = 0;
  for (double v : y) {
    const double e = runner.Observe(v);
    if (!std::isnan(v)) sse += e * e;
  }
  fit.sse = sse;
  fit.final_state = runner.State();
  return fit;
}

std::vector<double> HoltWintersForecast(const HoltWintersFit& fit, std::size_t horizon) {
  std::vector<double> out(horizon);
  HoltWintersRunner runner(fit.config, fit.params, fit.final_state);
  runner.Forecast(horizon, out.data());
  return out;
}

}  // namespace gov::predictors
