#include "experiments/results.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "core/time_format.h"
#include "experiments/stats/corrections.h"
#include "experiments/stats/power.h"

namespace gov::experiments {

namespace {

template <typename Enum, size_t N>
std::string Name(const std::array<std::string_view, N>& names, Enum value) {
  return std::string(names[static_cast<size_t>(value)]);
}

stats::MetricKind KindOf(MetricType type) {
  switch (type) {
    case MetricType::kProportion:
      return stats::MetricKind::kProportion;
    case MetricType::kMean:
      return stats::MetricKind::kMean;
    case MetricType::kRatio:
      return stats::MetricKind::kRatio;
  }
  return stats::MetricKind::kMean;
}

bool UsesCuped(const AnalysisSettings& analysis, const MetricDefinition& metric) {
  return analysis.cuped_lookback_seconds.has_value() && metric.type != MetricType::kRatio;
}

stats::AnalysisOptions OptionsFor(const AnalysisSettings& analysis,
                                  const MetricDefinition& metric) {
  stats::AnalysisOptions o;
  o.metric = KindOf(metric.type);
  o.engine =
      analysis.engine == Engine::kBayesian ? stats::Engine::kBayesian : stats::Engine::kFrequentist;
  o.difference = analysis.difference == Difference::kAbsolute ? stats::Difference::kAbsolute
                                                              : stats::Difference::kRelative;
  o.alpha = analysis.alpha;
  o.alternative = stats::Alternative::kTwoSided;
  if (o.engine == stats::Engine::kFrequentist) {
    o.sequential_tuning_parameter = analysis.sequential_tuning_parameter;
  }
  if (o.engine == stats::Engine::kBayesian && analysis.prior_mean && analysis.prior_variance) {
    o.prior = stats::GaussianPrior{*analysis.prior_mean, *analysis.prior_variance};
  }
  o.inverse = metric.direction == Direction::kLowerIsBetter;
  return o;
}

stats::VariantStats ToVariantStats(const MetricDefinition& metric, bool cuped,
                                   const SufficientStats& s) {
  if (metric.type == MetricType::kRatio) {
    return stats::RatioStats{
        s.n, {s.sum, s.sum_squares}, {s.den_sum, s.den_sum_squares}, s.cross_sum};
  }
  if (cuped) {
    return stats::CupedStats{
        s.n, {s.sum, s.sum_squares}, {s.pre_sum, s.pre_sum_squares}, s.pre_cross_sum};
  }
  return stats::SampleStats{s.n, s.sum, s.sum_squares};
}

double MeanOf(const MetricDefinition& metric, const SufficientStats& s) {
  if (metric.type == MetricType::kRatio) return s.den_sum != 0 ? s.sum / s.den_sum : 0;
  return s.n > 0 ? s.sum / static_cast<double>(s.n) : 0;
}

// The interval of the per-unit mean at 1 - alpha, two-sided, by the normal approximation
// (ratio metrics: the delta method); nullopt when the variant has too few units or no
// variance to estimate it from.
std::optional<std::pair<double, double>> MeanInterval(const MetricDefinition& metric,
                                                      const SufficientStats& s, double alpha) {
  const stats::MomentsOr moments =
      metric.type == MetricType::kRatio
          ? stats::RatioMoments(stats::RatioStats{
                s.n, {s.sum, s.sum_squares}, {s.den_sum, s.den_sum_squares}, s.cross_sum})
          : stats::SampleMoments(KindOf(metric.type),
                                 stats::SampleStats{s.n, s.sum, s.sum_squares});
  const auto* m = std::get_if<stats::Moments>(&moments);
  if (m == nullptr || m->n <= 1 || !(m->variance >= 0)) return std::nullopt;
  const double z = boost::math::quantile(boost::math::complement(boost::math::normal(), alpha / 2));
  const double half = z * std::sqrt(m->variance / static_cast<double>(m->n));
  if (!std::isfinite(half)) return std::nullopt;
  return std::make_pair(m->mean - half, m->mean + half);
}

// The power summary of one comparison: nullopt when it has no standard error.
std::optional<PowerSummary> PowerOf(const AnalysisSettings& analysis, const stats::VariantResult& r,
                                    int64_t units, std::optional<double> units_per_day) {
  if (r.error || !(r.std_error > 0) || !std::isfinite(r.std_error)) return std::nullopt;
  stats::PowerOptions options;
  options.alpha = analysis.alpha;
  options.power = kTargetPower;
  PowerSummary out;
  out.minimum_detectable_effect = stats::MinimumDetectableEffect(r.std_error, options);
  out.power = stats::Power(r.expected, r.std_error, options);
  if (r.expected == 0) {
    out.units_needed = std::numeric_limits<double>::infinity();
    return out;
  }
  const stats::TimeToDetect t =
      stats::TimeToDetectEffect(r.expected, r.std_error, units, units_per_day.value_or(0), options);
  out.units_needed = t.units_needed;
  out.days_needed = t.days;
  return out;
}

Verdict VerdictOf(const AnalysisSettings& analysis, const MetricDefinition& metric,
                  const stats::VariantResult& r, std::optional<double> adjusted_p) {
  if (r.error) return Verdict::kInconclusive;
  if (analysis.engine == Engine::kBayesian) {
    if (!r.chance_to_win) return Verdict::kInconclusive;
    if (*r.chance_to_win >= 1 - analysis.alpha) return Verdict::kWin;
    if (*r.chance_to_win <= analysis.alpha) return Verdict::kLoss;
    return Verdict::kInconclusive;
  }
  const std::optional<double> p = adjusted_p ? adjusted_p : r.p_value;
  if (!p || *p >= analysis.alpha || r.expected == 0) return Verdict::kInconclusive;
  const bool higher = r.expected > 0;
  const bool better = metric.direction == Direction::kHigherIsBetter ? higher : !higher;
  return better ? Verdict::kWin : Verdict::kLoss;
}

// The variants in result order: the control, then the arms, then any other variant seen.
std::vector<std::string> VariantOrder(const Experiment& experiment,
                                      std::span<const DailyStatsDelta> deltas) {
  std::vector<std::string> out{experiment.control_variant};
  auto add = [&out](const std::string& v) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  };
  for (const Arm& arm : experiment.arms) add(arm.variant);
  std::set<std::string> seen;
  for (const DailyStatsDelta& d : deltas) seen.insert(d.variant);
  for (const std::string& v : seen) add(v);
  return out;
}

using Cumulative = std::map<std::pair<std::string, std::string>, SufficientStats>;

// The comparison of every treatment with the control for one metric at one point.
std::vector<std::optional<stats::VariantResult>> Compare(const AnalysisSettings& analysis,
                                                         const MetricDefinition& metric,
                                                         const std::vector<std::string>& order,
                                                         const Cumulative& totals) {
  const bool cuped = UsesCuped(analysis, metric);
  auto stats_of = [&](const std::string& variant) {
    auto it = totals.find({metric.name, variant});
    return ToVariantStats(metric, cuped, it == totals.end() ? SufficientStats{} : it->second);
  };
  const stats::AnalysisOptions options = OptionsFor(analysis, metric);
  const stats::VariantStats control = stats_of(order.front());
  std::vector<std::optional<stats::VariantResult>> out(order.size());
  for (size_t i = 1; i < order.size(); ++i) {
    out[i] = stats::Compare(options, control, stats_of(order[i]));
  }
  return out;
}

std::string FormatNumber(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "";
  return std::string(buf, end);
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

core::Json Number(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return *v;
}

}  // namespace

std::string DayToDate(int64_t day) {
  const std::chrono::year_month_day ymd{
      std::chrono::sys_days{std::chrono::days{static_cast<int>(day)}}};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

Results ComputeResults(const Experiment& experiment,
                       const std::vector<MetricDefinition>& definitions,
                       std::span<const DailyStatsDelta> deltas, const ResultCounters& counters,
                       core::TimePoint now) {
  Results out;
  out.experiment = experiment.key;
  out.status = experiment.status;
  out.analysis = experiment.analysis;
  out.computed_at = now;
  out.counters = counters;
  const AnalysisSettings& analysis = experiment.analysis;

  std::vector<std::pair<ExperimentMetric, const MetricDefinition*>> metrics;
  for (const ExperimentMetric& m : experiment.metrics) {
    for (const MetricDefinition& d : definitions) {
      if (d.name == m.metric) {
        metrics.emplace_back(m, &d);
        break;
      }
    }
  }
  const std::vector<std::string> order = VariantOrder(experiment, deltas);

  // The daily cumulative series, then the totals (the last day's cumulative statistics).
  std::vector<DailyStatsDelta> sorted(deltas.begin(), deltas.end());
  std::stable_sort(
      sorted.begin(), sorted.end(),
      [](const DailyStatsDelta& a, const DailyStatsDelta& b) { return a.day < b.day; });
  Cumulative totals;
  for (size_t i = 0; i < sorted.size();) {
    const int64_t day = sorted[i].day;
    for (; i < sorted.size() && sorted[i].day == day; ++i) {
      totals[{sorted[i].metric, sorted[i].variant}] += sorted[i].delta;
    }
    for (const auto& [em, def] : metrics) {
      const auto comparisons = Compare(analysis, *def, order, totals);
      for (size_t v = 0; v < order.size(); ++v) {
        auto it = totals.find({def->name, order[v]});
        const SufficientStats s = it == totals.end() ? SufficientStats{} : it->second;
        SeriesPoint point{day, def->name, order[v], s.n, MeanOf(*def, s), {}, {}, {}};
        if (comparisons[v] && !comparisons[v]->error) {
          point.effect = comparisons[v]->expected;
          point.ci_low = comparisons[v]->ci_low;
          point.ci_high = comparisons[v]->ci_high;
        }
        out.series.push_back(std::move(point));
      }
    }
  }

  // Per metric and variant, at the totals.
  for (const auto& [em, def] : metrics) {
    MetricResult mr{def->name, em.role, def->type, def->direction, UsesCuped(analysis, *def), {}};
    const auto comparisons = Compare(analysis, *def, order, totals);
    for (size_t v = 0; v < order.size(); ++v) {
      auto it = totals.find({def->name, order[v]});
      const SufficientStats s = it == totals.end() ? SufficientStats{} : it->second;
      mr.variants.push_back(VariantMetricResult{
          order[v], v == 0, s.n, MeanOf(*def, s), MeanInterval(*def, s, analysis.alpha),
          comparisons[v], std::nullopt, Verdict::kInconclusive, std::nullopt});
    }
    out.metrics.push_back(std::move(mr));
  }

  // Corrections across metrics x treatments (frequentist p-values only).
  if (analysis.engine == Engine::kFrequentist && analysis.correction != Correction::kNone) {
    std::vector<double> p;
    std::vector<VariantMetricResult*> owners;
    for (MetricResult& m : out.metrics) {
      for (VariantMetricResult& v : m.variants) {
        if (v.comparison && !v.comparison->error && v.comparison->p_value) {
          p.push_back(*v.comparison->p_value);
          owners.push_back(&v);
        }
      }
    }
    const std::vector<double> adjusted = analysis.correction == Correction::kHolm
                                             ? stats::HolmAdjusted(p)
                                             : stats::BenjaminiHochbergAdjusted(p);
    for (size_t i = 0; i < owners.size(); ++i) owners[i]->adjusted_p_value = adjusted[i];
  }
  // Units per day since the start, for the time still needed to detect an effect.
  std::optional<double> days_running;
  if (experiment.started_at) {
    const core::TimePoint end = experiment.stopped_at.value_or(now);
    const double days = std::chrono::duration<double>(end - *experiment.started_at).count() / 86400;
    if (days > 0) days_running = days;
  }
  for (size_t m = 0; m < out.metrics.size(); ++m) {
    const VariantMetricResult& control = out.metrics[m].variants.front();
    for (VariantMetricResult& v : out.metrics[m].variants) {
      if (v.comparison) {
        v.verdict = VerdictOf(analysis, *metrics[m].second, *v.comparison, v.adjusted_p_value);
        const int64_t pair_units = control.units + v.units;
        std::optional<double> per_day;
        if (days_running && experiment.status == ExperimentStatus::kRunning) {
          per_day = static_cast<double>(pair_units) / *days_running;
        }
        v.power = PowerOf(analysis, *v.comparison, pair_units, per_day);
      }
    }
  }

  // Units per variant (every metric counts every unit: the first metric's n), SRM, warnings.
  std::vector<int64_t> units;
  std::vector<double> weights;
  for (size_t v = 0; v < order.size(); ++v) {
    VariantSummary summary{order[v], v == 0, 0, std::nullopt};
    if (!out.metrics.empty()) summary.units = out.metrics.front().variants[v].units;
    for (const Arm& arm : experiment.arms) {
      if (arm.variant == order[v]) summary.weight = arm.weight;
    }
    units.push_back(summary.units);
    weights.push_back(summary.weight ? static_cast<double>(*summary.weight) : 0.0);
    out.variants.push_back(std::move(summary));
  }
  if (!experiment.arms.empty()) out.srm = stats::SampleRatioMismatch(units, weights);
  if (out.srm && out.srm->mismatch) {
    char p[32];
    std::snprintf(p, sizeof(p), "%.3g", out.srm->p_value);
    out.warnings.push_back(
        {ResultsWarningKind::kSampleRatioMismatch,
         std::string("the units per variant do not match the configured weights (SRM p-value ") +
             p + "): the assignment or the exposure logging is likely broken",
         std::nullopt});
  }
  for (const VariantSummary& v : out.variants) {
    if (v.units < kLowSampleUnits) {
      out.warnings.push_back({ResultsWarningKind::kLowSample,
                              "variant " + v.variant + " has " + std::to_string(v.units) +
                                  " units, fewer than " + std::to_string(kLowSampleUnits),
                              v.variant});
    }
  }
  if (counters.multiple_exposure_units > 0) {
    out.warnings.push_back({ResultsWarningKind::kMultipleExposures,
                            std::to_string(counters.multiple_exposure_units) +
                                " units were exposed to more than one variant and are excluded",
                            std::nullopt});
  }
  if (experiment.status == ExperimentStatus::kRunning && analysis.engine == Engine::kFrequentist &&
      !analysis.sequential_tuning_parameter) {
    out.warnings.push_back(
        {ResultsWarningKind::kPeeking,
         "fixed-horizon p-values are only valid once, at the planned end: looking at them while "
         "the experiment runs inflates false positives (turn on sequential testing)",
         std::nullopt});
  }
  return out;
}

core::Json ResultsToJson(const Results& r) {
  core::Json doc = core::Json::object();
  doc["experiment"] = r.experiment;
  doc["status"] = Name(kExperimentStatusNames, r.status);
  doc["computedAt"] = core::FormatRfc3339(r.computed_at);
  doc["engine"] = Name(kEngineNames, r.analysis.engine);
  doc["difference"] = Name(kDifferenceNames, r.analysis.difference);
  doc["alpha"] = r.analysis.alpha;
  doc["sequential"] = r.analysis.sequential_tuning_parameter.has_value();
  doc["correction"] = Name(kCorrectionNames, r.analysis.correction);
  doc["exposures"] = r.counters.exposures;
  doc["multipleExposureUnits"] = r.counters.multiple_exposure_units;
  doc["pendingEvents"] = r.counters.pending_events;
  core::Json variants = core::Json::array();
  for (const VariantSummary& v : r.variants) {
    core::Json j = {{"name", v.variant}, {"control", v.control}, {"units", v.units}};
    if (v.weight) j["weight"] = *v.weight;
    variants.push_back(std::move(j));
  }
  doc["variants"] = std::move(variants);
  if (r.srm) {
    doc["srm"] = {{"chiSquare", Number(r.srm->chi_square)},
                  {"pValue", Number(r.srm->p_value)},
                  {"mismatch", r.srm->mismatch}};
  } else {
    doc["srm"] = nullptr;
  }
  core::Json metrics = core::Json::array();
  for (const MetricResult& m : r.metrics) {
    core::Json mv = core::Json::array();
    for (const VariantMetricResult& v : m.variants) {
      core::Json j = {{"name", v.variant},
                      {"control", v.control},
                      {"units", v.units},
                      {"mean", Number(v.mean)}};
      if (v.mean_ci) {
        j["meanCi"] = core::Json::array({Number(v.mean_ci->first), Number(v.mean_ci->second)});
      }
      if (v.comparison) {
        const stats::VariantResult& c = *v.comparison;
        j["decision"] = Name(kVerdictNames, v.verdict);
        if (c.error) {
          j["error"] = {{"code", Name(stats::kDegenerateKindNames, c.error->kind)},
                        {"message", c.error->message}};
        } else {
          j["effect"] = Number(c.expected);
          j["ci"] = core::Json::array({Number(c.ci_low), Number(c.ci_high)});
          j["stdError"] = Number(c.std_error);
          if (c.p_value) j["pValue"] = Number(c.p_value);
          if (v.adjusted_p_value) j["adjustedPValue"] = Number(v.adjusted_p_value);
          if (v.power) {
            j["power"] = {{"minimumDetectableEffect", Number(v.power->minimum_detectable_effect)},
                          {"power", Number(v.power->power)},
                          {"unitsNeeded", Number(v.power->units_needed)},
                          {"daysNeeded", Number(v.power->days_needed)}};
          }
          if (c.chance_to_win) j["chanceToWin"] = Number(c.chance_to_win);
        }
      }
      mv.push_back(std::move(j));
    }
    metrics.push_back({{"metric", m.metric},
                       {"role", Name(kMetricRoleNames, m.role)},
                       {"type", Name(kMetricTypeNames, m.type)},
                       {"direction", Name(kDirectionNames, m.direction)},
                       {"cuped", m.cuped},
                       {"variants", std::move(mv)}});
  }
  doc["metrics"] = std::move(metrics);
  core::Json warnings = core::Json::array();
  for (const ResultsWarning& w : r.warnings) {
    core::Json j = {{"code", Name(kResultsWarningNames, w.kind)}, {"message", w.message}};
    if (w.variant) j["variant"] = *w.variant;
    warnings.push_back(std::move(j));
  }
  doc["warnings"] = std::move(warnings);
  core::Json series = core::Json::array();
  for (const SeriesPoint& p : r.series) {
    core::Json j = {{"date", DayToDate(p.day)},
                    {"metric", p.metric},
                    {"variant", p.variant},
                    {"units", p.units},
                    {"mean", Number(p.mean)}};
    if (p.effect) {
      j["effect"] = Number(p.effect);
      j["ci"] = core::Json::array({Number(p.ci_low), Number(p.ci_high)});
    }
    series.push_back(std::move(j));
  }
  doc["series"] = std::move(series);
  return doc;
}

std::string ResultsToCsv(const Results& r) {
  std::string out =
      "metric,role,type,direction,variant,control,units,mean,effect,ci_low,ci_high,p_value,"
      "adjusted_p_value,chance_to_win,decision\n";
  auto opt = [](std::optional<double> v) { return v ? FormatNumber(*v) : std::string(); };
  for (const MetricResult& m : r.metrics) {
    for (const VariantMetricResult& v : m.variants) {
      std::vector<std::string> cells = {CsvField(m.metric),
                                        Name(kMetricRoleNames, m.role),
                                        Name(kMetricTypeNames, m.type),
                                        Name(kDirectionNames, m.direction),
                                        CsvField(v.variant),
                                        v.control ? "true" : "false",
                                        std::to_string(v.units),
                                        FormatNumber(v.mean)};
      const bool ok = v.comparison && !v.comparison->error;
      cells.push_back(ok ? FormatNumber(v.comparison->expected) : "");
      cells.push_back(ok ? opt(v.comparison->ci_low) : "");
      cells.push_back(ok ? opt(v.comparison->ci_high) : "");
      cells.push_back(ok ? opt(v.comparison->p_value) : "");
      cells.push_back(ok ? opt(v.adjusted_p_value) : "");
      cells.push_back(ok ? opt(v.comparison->chance_to_win) : "");
      cells.push_back(v.comparison ? Name(kVerdictNames, v.verdict) : "");
      for (size_t i = 0; i < cells.size(); ++i) {
        if (i > 0) out += ',';
        out += cells[i];
      }
      out += '\n';
    }
  }
  return out;
}

}  // namespace gov::experiments
