#include "controller/target_spec.h"

#include <limits>
#include <set>
#include <utility>

namespace gov::controller {

namespace {

constexpr size_t kMaxNameLength = 63;
constexpr int64_t kMaxSyncPeriodSeconds = 3600;
constexpr int64_t kMaxCooldownSeconds = 86400;
constexpr int64_t kMaxMetricMaxAgeSeconds = 86400;
constexpr double kMaxQueryTimeoutSeconds = 300;

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Names appear in URLs and metric labels: [A-Za-z0-9][A-Za-z0-9._-]{0,62}.
bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || !IsAlnum(name.front())) return false;
  for (char c : name) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

constexpr const char* kNameRule =
    "must be 1-63 characters of letters, digits, '.', '_' or '-', starting with a letter or "
    "digit";

// Reads an optional integer member that must lie in [lo, hi].
std::optional<int64_t> OptionalIntInRange(core::FieldReader& r, std::string_view key, int64_t lo,
                                          int64_t hi) {
  const std::optional<int64_t> v = r.OptionalInt(key);
  if (!v) return std::nullopt;
  if (*v < lo || *v > hi) {
    r.Fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return std::nullopt;
  }
  return v;
}

core::Status ParseSource(core::FieldReader& parent, MetricSource& source) {
  const core::Json* json = parent.Get("source");
  if (json == nullptr) {
    parent.Fail("source", "is required: `push` or {prometheus: {query: ...}}");
    return parent.status();
  }
  if (json->is_string()) {
    if (json->get<std::string>() != "push") {
      parent.Fail("source", "expected `push` or {prometheus: {query: ...}}");
    }
    return parent.status();
  }
  core::FieldReader s(*json, parent.FieldPath("source"));
  s.RejectUnknown({"prometheus"});
  RETURN_IF_ERROR(s.status());
  const core::Json* prom = s.OptionalObject("prometheus");
  if (prom == nullptr) {
    s.Fail("prometheus", "is required unless the source is `push`");
    return s.status();
  }
  core::FieldReader p(*prom, s.FieldPath("prometheus"));
  p.RejectUnknown({"query", "url", "timeoutSeconds"});
  PrometheusSource out;
  out.query = p.RequiredString("query");
  if (p.ok() && out.query.find_first_not_of(" \t\r\n") == std::string::npos) {
    p.Fail("query", "must not be empty");
  }
  out.url = p.OptionalString("url");
  if (out.url && out.url->rfind("http://", 0) != 0 && out.url->rfind("https://", 0) != 0) {
    p.Fail("url", "must start with http:// or https://");
  }
  out.timeout_seconds = p.OptionalNumber("timeoutSeconds");
  if (out.timeout_seconds &&
      (*out.timeout_seconds <= 0 || *out.timeout_seconds > kMaxQueryTimeoutSeconds)) {
    p.Fail("timeoutSeconds", "must be greater than 0 and at most 300");
  }
  RETURN_IF_ERROR(p.status());
  source.prometheus = std::move(out);
  return core::Status::Ok();
}

core::Status ParseCooldown(const core::Json& json, const std::string& path, Cooldown& cooldown) {
  core::FieldReader r(json, path);
  r.RejectUnknown({"scaleUpSeconds", "scaleDownSeconds"});
  if (auto up = OptionalIntInRange(r, "scaleUpSeconds", 0, kMaxCooldownSeconds)) {
    cooldown.scale_up_seconds = *up;
  }
  if (auto down = OptionalIntInRange(r, "scaleDownSeconds", 0, kMaxCooldownSeconds)) {
    cooldown.scale_down_seconds = *down;
  }
  return r.status();
}

core::Json SourceToJson(const MetricSource& source) {
  if (!source.prometheus) return "push";
  core::Json prom = {{"query", source.prometheus->query}};
  if (source.prometheus->url) prom["url"] = *source.prometheus->url;
  if (source.prometheus->timeout_seconds) {
    prom["timeoutSeconds"] = *source.prometheus->timeout_seconds;
  }
  return {{"prometheus", std::move(prom)}};
}

}  // namespace

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kUtilization:
      return "Utilization";
    case MetricType::kAverageValue:
      return "AverageValue";
    case MetricType::kValue:
      return "Value";
  }
  return "Utilization";
}

std::string_view TargetModeName(TargetMode mode) {
  return mode == TargetMode::kActive ? "active" : "dryRun";
}

core::Status ParseMetricTypeAndTarget(core::FieldReader& r, MetricSpec& metric) {
  metric.name = r.RequiredString("name");
  if (r.ok() && !ValidName(metric.name)) r.Fail("name", kNameRule);
  const std::string type = r.RequiredString("type");
  if (r.ok()) {
    if (type == "Utilization") {
      metric.type = MetricType::kUtilization;
    } else if (type == "AverageValue") {
      metric.type = MetricType::kAverageValue;
    } else if (type == "Value") {
      metric.type = MetricType::kValue;
    } else {
      r.Fail("type", "unsupported value \"" + type +
                         "\"; supported values: \"AverageValue\", \"Utilization\", \"Value\"");
    }
  }
  metric.target = r.RequiredNumber("target");
  if (r.ok() && metric.target <= 0) r.Fail("target", "must be greater than 0");
  return r.status();
}

core::StatusOr<TargetSpec> ParseTargetSpec(const core::Json& json, std::string_view path) {
  return ParseTargetSpec(json, path, TargetSpecParseOptions{});
}

core::StatusOr<TargetSpec> ParseTargetSpec(const core::Json& json, std::string_view path,
                                           const TargetSpecParseOptions& options) {
  TargetSpec spec;
  core::FieldReader r(json, std::string(path));
  r.RejectUnknown({"name", "minReplicas", "maxReplicas", "syncPeriodSeconds", "tolerance",
                   "metricMaxAgeSeconds", "mode", "metrics", "behavior", "cooldown", "hook",
                   "predictive", "simulation"});
  RETURN_IF_ERROR(r.status());

  if (options.require_name || r.Has("name")) {
    spec.name = r.RequiredString("name");
    if (r.ok() && !ValidName(spec.name)) r.Fail("name", kNameRule);
  }

  constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
  // HPA allows minReplicas 0 only behind its HPAScaleToZero gate, and a target at zero
  // replicas disables autoscaling (see Decide), so Governor requires at least 1.
  if (auto min = r.OptionalInt("minReplicas")) {
    if (*min < 1 || *min > kInt32Max) {
      r.Fail("minReplicas", "must be at least 1");
    } else {
      spec.min_replicas = static_cast<int32_t>(*min);
    }
  }
  const int64_t max = r.RequiredInt("maxReplicas");
  if (r.ok()) {
    if (max < 1 || max > kInt32Max) {
      r.Fail("maxReplicas", "must be greater than 0");
    } else if (max < spec.min_replicas) {
      r.Fail("maxReplicas", "must be greater than or equal to minReplicas (" +
                                std::to_string(spec.min_replicas) + ")");
    } else {
      spec.max_replicas = static_cast<int32_t>(max);
    }
  }
  if (auto sync = OptionalIntInRange(r, "syncPeriodSeconds", 1, kMaxSyncPeriodSeconds)) {
    spec.sync_period_seconds = static_cast<int32_t>(*sync);
  }
  spec.metric_max_age_seconds = kDefaultMetricMaxAgeSyncPeriods * spec.sync_period_seconds;
  if (auto age = OptionalIntInRange(r, "metricMaxAgeSeconds", 1, kMaxMetricMaxAgeSeconds)) {
    spec.metric_max_age_seconds = static_cast<int32_t>(*age);
  }
  if (auto tolerance = r.OptionalNumber("tolerance")) {
    if (*tolerance < 0) r.Fail("tolerance", "must be greater than or equal to 0");
    spec.tolerance = *tolerance;
  }
  if (auto mode = r.OptionalString("mode")) {
    if (*mode == "active") {
      spec.mode = TargetMode::kActive;
    } else if (*mode == "dryRun") {
      spec.mode = TargetMode::kDryRun;
    } else {
      r.Fail("mode",
             "unsupported value \"" + *mode + "\"; supported values: \"active\", \"dryRun\"");
    }
  }
  RETURN_IF_ERROR(r.status());

  // Metrics.
  if (!options.require_metrics) {
    if (r.Has("metrics")) {
      r.Fail("metrics", "not allowed here; list readings (with type and target) at the top level");
    }
  } else if (!r.Has("metrics")) {
    r.Fail("metrics", "is required: list at least one metric");
  } else if (const core::Json* metrics = r.OptionalArray("metrics")) {
    const std::string metrics_path = r.FieldPath("metrics");
    if (metrics->empty()) r.Fail("metrics", "must list at least one metric");
    std::set<std::string, std::less<>> names;
    for (size_t i = 0; i < metrics->size() && r.ok(); ++i) {
      core::FieldReader m((*metrics)[i], core::IndexFieldPath(metrics_path, i));
      m.RejectUnknown({"name", "type", "target", "source"});
      MetricSpec metric;
      RETURN_IF_ERROR(m.status());
      RETURN_IF_ERROR(ParseMetricTypeAndTarget(m, metric));
      if (!names.insert(metric.name).second) {
        m.Fail("name", "duplicate metric name \"" + metric.name + "\"");
        return m.status();
      }
      RETURN_IF_ERROR(ParseSource(m, metric.source));
      spec.metrics.push_back(std::move(metric));
    }
  }
  RETURN_IF_ERROR(r.status());

  if (const core::Json* behavior = r.Get("behavior")) {
    ASSIGN_OR_RETURN(spec.behavior, ParseBehavior(*behavior, r.FieldPath("behavior")));
  }
  if (const core::Json* cooldown = r.OptionalObject("cooldown")) {
    RETURN_IF_ERROR(ParseCooldown(*cooldown, r.FieldPath("cooldown"), spec.cooldown));
  }
  if (const core::Json* hook = r.OptionalObject("hook")) spec.hook = *hook;
  RETURN_IF_ERROR(r.status());
  if (const core::Json* predictive = r.Get("predictive")) {
    if (!options.require_metrics) {
      r.Fail("predictive", "not allowed here");
      return r.status();
    }
    std::vector<std::string> metric_names;
    for (const MetricSpec& m : spec.metrics) metric_names.push_back(m.name);
    ASSIGN_OR_RETURN(spec.predictive,
                     ParsePredictiveSpec(*predictive, r.FieldPath("predictive"), metric_names));
  }
  if (const core::Json* simulation = r.Get("simulation")) {
    ASSIGN_OR_RETURN(spec.simulation, ParseSimulationSpec(*simulation, r.FieldPath("simulation")));
  }
  return spec;
}

core::Json TargetSpecToJson(const TargetSpec& spec) {
  core::Json metrics = core::Json::array();
  for (const MetricSpec& m : spec.metrics) {
    metrics.push_back({{"name", m.name},
                       {"type", std::string(MetricTypeName(m.type))},
                       {"target", m.target},
                       {"source", SourceToJson(m.source)}});
  }
  core::Json out = {{"minReplicas", spec.min_replicas},
                    {"maxReplicas", spec.max_replicas},
                    {"syncPeriodSeconds", spec.sync_period_seconds},
                    {"tolerance", spec.tolerance},
                    {"metricMaxAgeSeconds", spec.metric_max_age_seconds},
                    {"mode", std::string(TargetModeName(spec.mode))},
                    {"metrics", std::move(metrics)},
                    {"behavior", BehaviorToJson(spec.behavior)},
                    {"cooldown",
                     {{"scaleUpSeconds", spec.cooldown.scale_up_seconds},
                      {"scaleDownSeconds", spec.cooldown.scale_down_seconds}}}};
  if (!spec.name.empty()) out["name"] = spec.name;
  if (!spec.hook.is_null()) out["hook"] = spec.hook;
  if (spec.predictive) out["predictive"] = PredictiveSpecToJson(*spec.predictive);
  if (spec.simulation) out["simulation"] = SimulationSpecToJson(*spec.simulation);
  return out;
}

}  // namespace gov::controller
