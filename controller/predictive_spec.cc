#include "controller/predictive_spec.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "core/name_table.h"

namespace gov::controller {

namespace {

constexpr std::array<std::string_view, 2> kPredictiveModeNames = {"forecastOnly",
                                                                  "forecastAndScale"};
constexpr std::array<std::string_view, 2> kMaxCapacityBreachNames = {"honor", "increase"};

constexpr int64_t kMinHorizonSeconds = 60;
constexpr int64_t kMaxHorizonSeconds = 48 * 3600;
constexpr int64_t kMaxSchedulingBufferSeconds = 3600;
constexpr int64_t kMaxStartupSeconds = 86400;
constexpr int64_t kMaxSyncSeconds = 3600;

std::optional<int64_t> IntInRange(core::FieldReader& r, std::string_view key, int64_t lo,
                                  int64_t hi) {
  const std::optional<int64_t> v = r.OptionalInt(key);
  if (v && (*v < lo || *v > hi)) {
    r.Fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return std::nullopt;
  }
  return v;
}

template <typename Enum, size_t N>
std::optional<Enum> EnumMember(core::FieldReader& r, std::string_view key,
                               const std::array<std::string_view, N>& names) {
  const std::optional<std::string> value = r.OptionalString(key);
  if (!value) return std::nullopt;
  if (auto found = core::FindName<Enum>(names, *value)) return found;
  std::string supported;
  for (std::string_view name : names) {
    supported += (supported.empty() ? "\"" : ", \"") + std::string(name) + "\"";
  }
  r.Fail(key, "unsupported value \"" + *value + "\"; supported values: " + supported);
  return std::nullopt;
}

}  // namespace

std::string_view PredictiveModeName(PredictiveMode mode) {
  return kPredictiveModeNames[static_cast<size_t>(mode)];
}

std::string_view MaxCapacityBreachName(MaxCapacityBreach breach) {
  return kMaxCapacityBreachNames[static_cast<size_t>(breach)];
}

core::StatusOr<PredictiveSpec> ParsePredictiveSpec(const core::Json& json, std::string_view path,
                                                   const std::vector<std::string>& metric_names) {
  if (!json.is_object()) {
    return core::InvalidArgument("must be an object", std::string(path));
  }
  core::FieldReader r(json, std::string(path));
  r.RejectUnknown({"mode", "metric", "model", "horizonSeconds", "schedulingBufferSeconds",
                   "quantile", "maxCapacityBreach", "maxCapacityBufferPercent",
                   "pricePerReplicaHour"});
  RETURN_IF_ERROR(r.status());
  PredictiveSpec spec;
  if (!r.Has("mode")) {
    r.Fail("mode", "is required: \"forecastOnly\" or \"forecastAndScale\"");
  } else if (auto mode = EnumMember<PredictiveMode>(r, "mode", kPredictiveModeNames)) {
    spec.mode = *mode;
  }
  if (auto metric = r.OptionalString("metric")) {
    spec.metric = *metric;
    if (!metric_names.empty() &&
        std::find(metric_names.begin(), metric_names.end(), *metric) == metric_names.end()) {
      r.Fail("metric", "names no metric of this target (\"" + *metric + "\")");
    }
  } else if (metric_names.size() == 1) {
    spec.metric = metric_names.front();
  } else if (metric_names.size() > 1) {
    r.Fail("metric", "is required when the target has more than one metric");
  }
  if (auto model = r.OptionalString("model")) {
    if (*model != "auto") {
      spec.model = predictors::ParseModelKind(*model);
      if (!spec.model) {
        r.Fail("model", "unsupported value \"" + *model +
                            "\"; supported values: \"auto\", \"seasonalNaive\", "
                            "\"holtWinters\", \"fourier\"");
      }
    }
  }
  if (auto h = IntInRange(r, "horizonSeconds", kMinHorizonSeconds, kMaxHorizonSeconds)) {
    spec.horizon_seconds = *h;
  }
  if (auto b = IntInRange(r, "schedulingBufferSeconds", 0, kMaxSchedulingBufferSeconds)) {
    spec.scheduling_buffer_seconds = *b;
  }
  if (auto q = r.OptionalNumber("quantile")) {
    if (!(*q > 0 && *q < 1)) {
      r.Fail("quantile", "must be greater than 0 and less than 1");
    } else {
      spec.quantile = *q;
    }
  }
  if (auto breach =
          EnumMember<MaxCapacityBreach>(r, "maxCapacityBreach", kMaxCapacityBreachNames)) {
    spec.max_capacity_breach = *breach;
  }
  if (auto buffer = r.OptionalNumber("maxCapacityBufferPercent")) {
    if (!(*buffer >= 0 && *buffer <= 100)) {
      r.Fail("maxCapacityBufferPercent", "must be between 0 and 100");
    } else {
      spec.max_capacity_buffer_percent = *buffer;
    }
  }
  if (auto price = r.OptionalNumber("pricePerReplicaHour")) {
    if (!(*price >= 0 && std::isfinite(*price))) {
      r.Fail("pricePerReplicaHour", "must be a finite number >= 0");
    } else {
      spec.price_per_replica_hour = *price;
    }
  }
  RETURN_IF_ERROR(r.status());
  return spec;
}

core::Json PredictiveSpecToJson(const PredictiveSpec& spec) {
  core::Json out = {
      {"mode", std::string(PredictiveModeName(spec.mode))},
      {"metric", spec.metric},
      {"model", spec.model ? std::string(predictors::ModelKindName(*spec.model)) : "auto"},
      {"horizonSeconds", spec.horizon_seconds},
      {"schedulingBufferSeconds", spec.scheduling_buffer_seconds},
      {"quantile", spec.quantile},
      {"maxCapacityBreach", std::string(MaxCapacityBreachName(spec.max_capacity_breach))},
      {"maxCapacityBufferPercent", spec.max_capacity_buffer_percent}};
  if (spec.price_per_replica_hour) out["pricePerReplicaHour"] = *spec.price_per_replica_hour;
  return out;
}

core::StatusOr<SimulationSpec> ParseSimulationSpec(const core::Json& json, std::string_view path) {
  if (!json.is_object()) {
    return core::InvalidArgument("must be an object", std::string(path));
  }
  core::FieldReader r(json, std::string(path));
  r.RejectUnknown({"capacityPerReplica", "startupSeconds", "syncSeconds", "initialReplicas"});
  RETURN_IF_ERROR(r.status());
  SimulationSpec spec;
  if (!r.Has("capacityPerReplica")) {
    r.Fail("capacityPerReplica",
           "is required: the load one replica serves at 100% utilization, in the metric's units");
  } else {
    spec.capacity_per_replica = r.RequiredNumber("capacityPerReplica");
    if (r.ok() && !(spec.capacity_per_replica > 0 &&
                    spec.capacity_per_replica < std::numeric_limits<double>::infinity())) {
      r.Fail("capacityPerReplica", "must be greater than 0");
    }
  }
  if (auto s = IntInRange(r, "startupSeconds", 0, kMaxStartupSeconds)) spec.startup_seconds = *s;
  if (auto s = IntInRange(r, "syncSeconds", 1, kMaxSyncSeconds)) spec.sync_seconds = *s;
  if (auto n = IntInRange(r, "initialReplicas", 1, std::numeric_limits<int32_t>::max())) {
    spec.initial_replicas = static_cast<int32_t>(*n);
  }
  RETURN_IF_ERROR(r.status());
  return spec;
}

core::Json SimulationSpecToJson(const SimulationSpec& spec) {
  core::Json out = {{"capacityPerReplica", spec.capacity_per_replica},
                    {"startupSeconds", spec.startup_seconds}};
  if (spec.sync_seconds) out["syncSeconds"] = *spec.sync_seconds;
  if (spec.initial_replicas) out["initialReplicas"] = *spec.initial_replicas;
  return out;
}

}  // namespace gov::controller
