#include "cli/backtest_command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/config_target.h"
#include "controller/target_spec.h"
#include "core/time_format.h"
#include "core/yaml_json.h"

namespace gov::cli {

namespace {

using controller::SimPolicy;
using controller::SimulationResult;

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// A plot's frame: its box at (left, top), `width` by `height`.
std::string SvgFrame(double left, double top, double width, double height) {
  return "<rect x=\"" + Fixed(left, 0) + "\" y=\"" + Fixed(top, 0) + "\" width=\"" +
         Fixed(width, 0) + "\" height=\"" + Fixed(height, 0) +
         "\" fill=\"none\" stroke=\"#888\"/>\n";
}

// A y-axis label, right-aligned just left of the frame at `left`, level with `y`.
std::string SvgYTick(double left, double y, const std::string& label) {
  return "<text x=\"" + Fixed(left - 5, 0) + "\" y=\"" + Fixed(y + 4, 1) +
         "\" text-anchor=\"end\">" + label + "</text>\n";
}

double Round(double v, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

// The chosen target, parsed as `serve` parses it, without its hook and mode.
core::StatusOr<controller::TargetSpec> SelectTarget(std::string_view config_yaml,
                                                    const std::string& name, std::string* path) {
  ASSIGN_OR_RETURN(ConfigTarget target, FindConfigTarget(config_yaml, name));
  if (target.json.is_object()) {
    target.json.erase("hook");
    target.json.erase("mode");
  }
  *path = target.path;
  return controller::ParseTargetSpec(target.json, target.path);
}

core::StatusOr<std::vector<SimPolicy>> ParsePolicies(std::string_view text) {
  std::vector<SimPolicy> out;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view name = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) continue;
    ASSIGN_OR_RETURN(SimPolicy p, controller::ParseSimPolicy(name));
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  if (out.empty()) return core::InvalidArgument("no policy given", "policies");
  return out;
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::vector<double> SweepUtilizations() {
  std::vector<double> out;
  for (int i = 0; i <= 8; ++i) out.push_back(Round(0.50 + 0.05 * i, 2));
  return out;
}

core::StatusOr<BacktestReport> RunBacktest(std::string_view trace_csv, std::string_view config_yaml,
                                           const BacktestOptions& options) {
  BacktestReport report;
  ASSIGN_OR_RETURN(std::vector<SimPolicy> policies, ParsePolicies(options.policies));
  std::string path;
  ASSIGN_OR_RETURN(controller::TargetSpec spec, SelectTarget(config_yaml, options.target, &path));
  core::StatusOr<controller::SimulationSetup> setup = controller::ResolveSimulation(spec);
  if (!setup.ok()) {
    return core::InvalidArgument(setup.status().message(), path + "." + setup.status().field());
  }
  report.setup = std::move(*setup);
  ASSIGN_OR_RETURN(report.trace, controller::ParseTraceCsv(trace_csv));
  ASSIGN_OR_RETURN(report.forecasts, controller::ForecastTrace(report.setup, report.trace.series));
  for (SimPolicy policy : policies) {
    std::vector<std::optional<double>> settings;
    if (options.sweep) {
      for (double u : SweepUtilizations()) settings.emplace_back(u);
    } else {
      settings.emplace_back(std::nullopt);
    }
    for (const std::optional<double>& u : settings) {
      ASSIGN_OR_RETURN(SimulationResult run, controller::Simulate(report.setup, report.trace.series,
                                                                  policy, u, &report.forecasts));
      report.runs.push_back(std::move(run));
    }
  }
  return report;
}

core::Json BacktestReportToJson(const BacktestReport& report) {
  const predictors::Series& s = report.trace.series;
  core::Json trace = {{"points", report.trace.points.size()},
                      {"steps", s.values.size()},
                      {"stepSeconds", s.step.count()},
                      {"start", core::FormatRfc3339(report.trace.first)},
                      {"end", core::FormatRfc3339(report.trace.last)}};
  core::Json policies = core::Json::array();
  for (const SimulationResult& r : report.runs) {
    policies.push_back({{"policy", controller::SimPolicyName(r.policy)},
                        {"targetUtilization", Round(r.target_utilization, 4)},
                        {"underProvisionedPercent", Round(r.under_provisioned_percent, 4)},
                        {"replicaHours", Round(r.replica_hours, 2)},
                        {"scalingActions", r.scaling_actions},
                        {"thetaU", Round(r.theta_u, 4)},
                        {"thetaO", Round(r.theta_o, 4)},
                        {"tauU", Round(r.tau_u, 4)},
                        {"tauO", Round(r.tau_o, 4)},
                        {"predictedSyncs", r.predicted_syncs}});
  }
  const controller::TraceForecasts& f = report.forecasts;
  core::Json forecast = {
      {"model", f.model.empty() ? core::Json(nullptr) : core::Json(f.model)},
      {"mase", f.points > 0 ? core::Json(Round(f.mase, 4)) : core::Json()},
      {"smape", f.points > 0 ? core::Json(Round(f.smape, 3)) : core::Json()},
      {"seasonalNaiveMase",
       f.points > 0 ? core::Json(Round(f.seasonal_naive_mase, 4)) : core::Json()},
      {"points", f.points},
      {"fits", f.fits},
      {"skilledSyncs", f.skilled_syncs},
      {"syncs", f.plans.size()},
      {"fallbacks", f.fallbacks}};
  return {{"trace", trace}, {"policies", policies}, {"forecast", forecast}};
}

std::string BacktestReportTable(const BacktestReport& report) {
  const predictors::Series& s = report.trace.series;
  std::string out = "trace: " + std::to_string(report.trace.points.size()) + " readings, " +
                    std::to_string(s.values.size()) + " steps of " +
                    std::to_string(s.step.count()) + " s, " +
                    core::FormatRfc3339(report.trace.first) + " .. " +
                    core::FormatRfc3339(report.trace.last) + "\n";
  out += "target " + report.setup.spec.name + ": capacity " +
         Fixed(report.setup.capacity_per_replica, 2) + " per replica, start-up " +
         std::to_string(report.setup.startup.count()) + " s, sync " +
         std::to_string(report.setup.sync.count()) + " s\n\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-11s %7s %10s %13s %8s %8s %8s %8s %8s\n", "policy", "target",
                "under %", "replica-h", "actions", "thetaU", "thetaO", "tauU", "tauO");
  out += line;
  for (const SimulationResult& r : report.runs) {
    std::snprintf(line, sizeof line, "%-11s %7.2f %10.3f %13.1f %8lld %8.3f %8.2f %8.3f %8.2f\n",
                  std::string(controller::SimPolicyName(r.policy)).c_str(), r.target_utilization,
                  r.under_provisioned_percent, r.replica_hours,
                  static_cast<long long>(r.scaling_actions), r.theta_u, r.theta_o, r.tau_u,
                  r.tau_o);
    out += line;
  }
  const controller::TraceForecasts& f = report.forecasts;
  out += "\nforecast: ";
  if (f.points == 0) {
    out += "no model forecast on this trace (prediction fell back to reactive throughout)\n";
  } else {
    out += (f.model.empty() ? std::string("-") : f.model) + ", one-step MASE " + Fixed(f.mase, 3) +
           " (seasonal naive " + Fixed(f.seasonal_naive_mase, 3) + "), sMAPE " + Fixed(f.smape, 1) +
           "% over " + std::to_string(f.points) + " points; " + std::to_string(f.fits) +
           " fits; prediction trusted at " + std::to_string(f.skilled_syncs) + " of " +
           std::to_string(f.plans.size()) + " syncs\n";
  }
  return out;
}

std::string BacktestReportSvg(const BacktestReport& report) {
  const predictors::Series& s = report.trace.series;
  const double cap = report.setup.capacity_per_replica;
  const std::size_t n = s.values.size();
  // One run per policy for the time panel: the one at the configured target (or nearest).
  std::map<SimPolicy, const SimulationResult*> shown;
  for (const SimulationResult& r : report.runs) {
    const double want = r.policy == SimPolicy::kOracle ? 1.0 : report.setup.target_utilization;
    auto it = shown.find(r.policy);
    if (it == shown.end() ||
        std::abs(r.target_utilization - want) < std::abs(it->second->target_utilization - want)) {
      shown[r.policy] = &r;
    }
  }
  bool sweep = false;
  for (const auto& [policy, run] : shown) {
    std::size_t count = 0;
    for (const SimulationResult& r : report.runs) count += r.policy == policy ? 1 : 0;
    sweep = sweep || count > 1;
  }
  // Forecast per step: the plans' quantile load at the step they provision for.
  std::vector<double> fpoint(n, std::nan("")), fband(n, std::nan(""));
  for (const controller::PredictivePlan& p : report.forecasts.plans) {
    if (!p.provision_for || !p.forecast_load || !p.forecast_load_quantile) continue;
    if (*p.provision_for < s.start) continue;
    const auto i = static_cast<std::size_t>((*p.provision_for - s.start) / s.step);
    if (i >= n) continue;
    fpoint[i] = *p.forecast_load;
    fband[i] = *p.forecast_load_quantile;
  }
  const double width = 1200, height = sweep ? 820 : 460, left = 70, right = 20, top = 40;
  const double plot_h = 340, plot_w = width - left - right;
  const std::size_t buckets = std::min<std::size_t>(n, 1200);
  auto bucket_max = [&](auto value_at) {
    std::vector<double> out(buckets, std::nan(""));
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t b = i * buckets / n;
      const double v = value_at(i);
      if (!std::isnan(v) && (std::isnan(out[b]) || v > out[b])) out[b] = v;
    }
    return out;
  };
  double ymax = 0;
  for (double v : s.values) {
    if (!std::isnan(v)) ymax = std::max(ymax, v);
  }
  for (const auto& [policy, run] : shown) {
    for (int32_t r : run->ready) ymax = std::max(ymax, r * cap);
  }
  for (double v : fband) {
    if (!std::isnan(v)) ymax = std::max(ymax, v);
  }
  if (!(ymax > 0)) ymax = 1;
  auto x_of = [&](std::size_t b) {
    return left + plot_w * static_cast<double>(b) /
                      static_cast<double>(std::max<std::size_t>(buckets - 1, 1));
  };
  auto y_of = [&](double v) { return top + plot_h * (1 - v / (ymax * 1.05)); };
  auto polyline = [&](const std::vector<double>& v, const std::string& style) {
    std::string out;
    std::string pts;
    auto flush = [&]() {
      if (!pts.empty()) out += "<polyline fill=\"none\" " + style + " points=\"" + pts + "\"/>\n";
      pts.clear();
    };
    for (std::size_t b = 0; b < v.size(); ++b) {
      if (std::isnan(v[b])) {
        flush();
        continue;
      }
      pts += Fixed(x_of(b), 1) + "," + Fixed(y_of(v[b]), 1) + " ";
    }
    flush();
    return out;
  };
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Fixed(width, 0) +
                    "\" height=\"" + Fixed(height, 0) + "\" font-family=\"sans-serif\" " +
                    "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + Fixed(left, 0) + "\" y=\"20\" font-size=\"15\">" +
         Escape("Load and ready capacity: " + report.setup.spec.name + ", " +
                core::FormatRfc3339(report.trace.first) + " .. " +
                core::FormatRfc3339(report.trace.last)) +
         "</text>\n";
  // Axes and y ticks.
  svg += SvgFrame(left, top, plot_w, plot_h);
  for (int k = 0; k <= 4; ++k) {
    const double v = ymax * 1.05 * k / 4;
    svg += SvgYTick(left, y_of(v), Fixed(v, v < 10 ? 1 : 0));
  }
  // Time axis: the trace's first and last timestamps.
  svg += "<text x=\"" + Fixed(left, 0) + "\" y=\"" + Fixed(top + plot_h + 14, 0) + "\">" +
         core::FormatRfc3339(report.trace.first).substr(0, 16) + "</text>\n";
  svg += "<text x=\"" + Fixed(left + plot_w, 0) + "\" y=\"" + Fixed(top + plot_h + 14, 0) +
         "\" text-anchor=\"end\">" + core::FormatRfc3339(report.trace.last).substr(0, 16) +
         "</text>\n";
  // The forecast band: from the point forecast up to the quantile.
  {
    const std::vector<double> lo = bucket_max([&](std::size_t i) { return fpoint[i]; });
    const std::vector<double> hi = bucket_max([&](std::size_t i) { return fband[i]; });
    std::string pts_hi, pts_lo;
    for (std::size_t b = 0; b < buckets; ++b) {
      if (std::isnan(lo[b]) || std::isnan(hi[b])) continue;
      pts_hi += Fixed(x_of(b), 1) + "," + Fixed(y_of(hi[b]), 1) + " ";
      pts_lo = Fixed(x_of(b), 1) + "," + Fixed(y_of(lo[b]), 1) + " " + pts_lo;
    }
    if (!pts_hi.empty()) {
      svg += "<polygon fill=\"#f4c27a\" fill-opacity=\"0.6\" stroke=\"none\" points=\"" + pts_hi +
             pts_lo + "\"/>\n";
    }
  }
  svg += polyline(bucket_max([&](std::size_t i) { return s.values[i]; }),
                  "stroke=\"black\" stroke-width=\"1\"");
  const std::map<SimPolicy, std::string> colors = {{SimPolicy::kReactive, "#d62728"},
                                                   {SimPolicy::kPredictive, "#1f77b4"},
                                                   {SimPolicy::kOracle, "#2ca02c"}};
  for (const auto& [policy, shown_run] : shown) {
    const SimulationResult* run = shown_run;
    svg +=
        polyline(bucket_max([&](std::size_t i) { return run->ready[i] * cap; }),
                 "stroke=\"" + colors.at(policy) + "\" stroke-width=\"1\" stroke-opacity=\"0.8\"");
  }
  // Legend.
  double lx = left + 10;
  const double ly = top + plot_h + 34;
  auto legend = [&](const std::string& color, const std::string& label) {
    svg += "<rect x=\"" + Fixed(lx, 0) + "\" y=\"" + Fixed(ly - 9, 0) +
           "\" width=\"14\" height=\"10\" fill=\"" + color + "\"/><text x=\"" + Fixed(lx + 18, 0) +
           "\" y=\"" + Fixed(ly, 0) + "\">" + Escape(label) + "</text>\n";
    lx += 30 + 7.0 * static_cast<double>(label.size());
  };
  legend("black", "load");
  legend(
      "#f4c27a",
      "forecast (point to p" +
          Fixed(100 * (report.setup.spec.predictive ? report.setup.spec.predictive->quantile : 0.9),
                0) +
          ")");
  for (const auto& [policy, run] : shown) {
    legend(colors.at(policy), std::string(controller::SimPolicyName(policy)) +
                                  " ready capacity (target " +
                                  Fixed(run->target_utilization * 100, 0) + "%)");
  }
  if (sweep) {
    // The frontier: under-provisioned time against replica-hours, one line per policy.
    const double ftop = top + plot_h + 80, fh = 300;
    double xmin = 1e300, xmax = 0, umax = 0;
    for (const SimulationResult& r : report.runs) {
      xmin = std::min(xmin, r.replica_hours);
      xmax = std::max(xmax, r.replica_hours);
      umax = std::max(umax, r.under_provisioned_percent);
    }
    if (!(xmax > xmin)) xmax = xmin + 1;
    if (!(umax > 0)) umax = 1;
    auto fx = [&](double v) { return left + plot_w * (v - xmin) / (xmax - xmin); };
    auto fy = [&](double v) { return ftop + fh * (1 - v / (umax * 1.05)); };
    svg += "<text x=\"" + Fixed(left, 0) + "\" y=\"" + Fixed(ftop - 10, 0) +
           "\" font-size=\"15\">Frontier: under-provisioned time (%) against replica-hours, "
           "targets 50%..90%</text>\n";
    svg += SvgFrame(left, ftop, plot_w, fh);
    for (int k = 0; k <= 4; ++k) {
      const double u = umax * 1.05 * k / 4;
      svg += SvgYTick(left, fy(u), Fixed(u, 2));
      const double h = xmin + (xmax - xmin) * k / 4;
      svg += "<text x=\"" + Fixed(fx(h), 1) + "\" y=\"" + Fixed(ftop + fh + 15, 0) +
             "\" text-anchor=\"middle\">" + Fixed(h, 0) + "</text>\n";
    }
    for (const auto& [policy, unused] : shown) {
      std::string pts;
      for (const SimulationResult& r : report.runs) {
        if (r.policy != policy) continue;
        const std::string p =
            Fixed(fx(r.replica_hours), 1) + "," + Fixed(fy(r.under_provisioned_percent), 1);
        pts += p + " ";
        svg += "<circle r=\"3\" fill=\"" + colors.at(policy) + "\" cx=\"" +
               Fixed(fx(r.replica_hours), 1) + "\" cy=\"" +
               Fixed(fy(r.under_provisioned_percent), 1) + "\"><title>" +
               std::string(controller::SimPolicyName(policy)) + " target " +
               Fixed(r.target_utilization * 100, 0) + "%</title></circle>\n";
      }
      svg +=
          "<polyline fill=\"none\" stroke=\"" + colors.at(policy) + "\" points=\"" + pts + "\"/>\n";
    }
  }
  svg += "</svg>\n";
  return svg;
}

CommandOutput RunBacktestCommand(const BacktestOptions& options) {
  CommandOutput out;
  auto fail = [&](const core::Status& s) {
    out.exit_code = 2;
    out.err = "backtest: " + (s.field().empty() ? "" : s.field() + ": ") + s.message() + "\n";
    return out;
  };
  core::StatusOr<std::string> trace = ReadTextFile(options.trace_file, "--trace");
  if (!trace.ok()) return fail(trace.status());
  core::StatusOr<std::string> config = ReadTextFile(options.config_file, "--config");
  if (!config.ok()) return fail(config.status());
  core::StatusOr<BacktestReport> report = RunBacktest(*trace, *config, options);
  if (!report.ok()) return fail(report.status());
  out.out =
      options.json ? BacktestReportToJson(*report).dump() + "\n" : BacktestReportTable(*report);
  if (!options.plot_file.empty()) {
    std::ofstream plot(options.plot_file, std::ios::binary | std::ios::trunc);
    plot << BacktestReportSvg(*report);
    if (!plot)
      return fail(core::InvalidArgument("cannot write \"" + options.plot_file + "\"", "--plot"));
  }
  return out;
}

}  // namespace gov::cli
