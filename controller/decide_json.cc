#include "controller/decide_json.h"

#include <limits>
#include <optional>
#include <set>
#include <utility>

#include "controller/decision_json.h"
#include "controller/target_spec.h"
#include "core/json_util.h"

namespace gov::controller {

namespace {

// Unix seconds accepted as times: the representable range of TimePoint, with headroom.
constexpr double kMaxUnixSeconds = 9e9;
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

struct DecideInput {
  TargetSpec spec;
  TargetState state;
  Observation observation;
  core::TimePoint now;
};

std::optional<core::TimePoint> ReadTime(core::FieldReader& r, std::string_view key, bool required) {
  if (required && !r.Has(key)) {
    r.Fail(key, "is required (Unix seconds)");
    return std::nullopt;
  }
  const std::optional<double> s = r.OptionalNumber(key);
  if (!s) return std::nullopt;
  if (*s < 0 || *s > kMaxUnixSeconds) {
    r.Fail(key, "must be Unix seconds between 0 and 9000000000");
    return std::nullopt;
  }
  return core::FromUnixSeconds(*s);
}

std::optional<int32_t> ReadCount(core::FieldReader& r, std::string_view key, bool required) {
  if (required && !r.Has(key)) {
    r.Fail(key, "is required");
    return std::nullopt;
  }
  const std::optional<int64_t> v = r.OptionalInt(key);
  if (!v) return std::nullopt;
  if (*v < 0 || *v > kInt32Max) {
    r.Fail(key, "must be between 0 and " + std::to_string(kInt32Max));
    return std::nullopt;
  }
  return static_cast<int32_t>(*v);
}

core::Status ParseReadings(const core::Json& metrics, const std::string& path, DecideInput& in) {
  std::set<std::string, std::less<>> names;
  for (size_t i = 0; i < metrics.size(); ++i) {
    core::FieldReader m(metrics[i], core::IndexFieldPath(path, i));
    m.RejectUnknown({"name", "type", "target", "current", "timestamp"});
    RETURN_IF_ERROR(m.status());
    MetricSpec metric;
    RETURN_IF_ERROR(ParseMetricTypeAndTarget(m, metric));
    if (!names.insert(metric.name).second) {
      m.Fail("name", "duplicate metric name \"" + metric.name + "\"");
    }
    MetricReading reading;
    reading.name = metric.name;
    reading.value = m.OptionalNumber("current");  // null or absent: missing
    reading.sampled_at = ReadTime(m, "timestamp", false);
    RETURN_IF_ERROR(m.status());
    in.spec.metrics.push_back(std::move(metric));
    in.observation.metrics.push_back(std::move(reading));
  }
  return core::Status::Ok();
}

core::Status ParseEvents(const core::Json* events, const std::string& path,
                         std::vector<ScaleEvent>& out) {
  if (events == nullptr) return core::Status::Ok();
  for (size_t i = 0; i < events->size(); ++i) {
    core::FieldReader e((*events)[i], core::IndexFieldPath(path, i));
    e.RejectUnknown({"change", "timestamp"});
    const std::optional<int32_t> change = ReadCount(e, "change", true);
    const std::optional<core::TimePoint> at = ReadTime(e, "timestamp", true);
    RETURN_IF_ERROR(e.status());
    out.push_back({*change, *at});
  }
  return core::Status::Ok();
}

core::StatusOr<DecideInput> ParseDecideInput(const core::Json& root) {
  DecideInput in;
  core::FieldReader r(root, "");
  r.RejectUnknown({"now", "target", "currentReplicas", "readyReplicas", "metrics",
                   "desiredReplicas", "recommendations", "scaleUpEvents", "scaleDownEvents",
                   "lastScaleUp", "lastScaleDown"});
  RETURN_IF_ERROR(r.status());

  const std::optional<core::TimePoint> now = ReadTime(r, "now", true);
  RETURN_IF_ERROR(r.status());
  in.now = *now;

  if (!r.Has("target")) r.Fail("target", "is required: {maxReplicas, ...}");
  const core::Json* target = r.OptionalObject("target");
  RETURN_IF_ERROR(r.status());
  ASSIGN_OR_RETURN(in.spec, ParseTargetSpec(*target, "target",
                                            {.require_name = false, .require_metrics = false}));

  in.observation.current_replicas = ReadCount(r, "currentReplicas", true).value_or(0);
  in.observation.ready_replicas = ReadCount(r, "readyReplicas", false);
  RETURN_IF_ERROR(r.status());

  const bool has_metrics = r.Has("metrics");
  const bool has_desired = r.Has("desiredReplicas");
  if (has_metrics && has_desired) {
    r.Fail("desiredReplicas", "give either metrics or desiredReplicas, not both");
  } else if (!has_metrics && !has_desired) {
    r.Fail("metrics", "is required unless desiredReplicas is given");
  } else if (has_desired) {
    in.observation.desired_replicas = ReadCount(r, "desiredReplicas", true);
  } else if (const core::Json* metrics = r.OptionalArray("metrics")) {
    if (metrics->empty()) r.Fail("metrics", "must list at least one metric");
    RETURN_IF_ERROR(r.status());
    RETURN_IF_ERROR(ParseReadings(*metrics, r.FieldPath("metrics"), in));
  }
  RETURN_IF_ERROR(r.status());

  if (const core::Json* recs = r.OptionalArray("recommendations")) {
    std::vector<Recommendation> history;
    const std::string path = r.FieldPath("recommendations");
    for (size_t i = 0; i < recs->size(); ++i) {
      core::FieldReader e((*recs)[i], core::IndexFieldPath(path, i));
      e.RejectUnknown({"replicas", "timestamp"});
      const std::optional<int32_t> replicas = ReadCount(e, "replicas", true);
      const std::optional<core::TimePoint> at = ReadTime(e, "timestamp", true);
      RETURN_IF_ERROR(e.status());
      history.push_back({*replicas, *at});
    }
    in.state.recommendations = std::move(history);
  }
  RETURN_IF_ERROR(r.status());
  const core::Json* up_events = r.OptionalArray("scaleUpEvents");
  const core::Json* down_events = r.OptionalArray("scaleDownEvents");
  RETURN_IF_ERROR(r.status());
  RETURN_IF_ERROR(ParseEvents(up_events, r.FieldPath("scaleUpEvents"), in.state.scale_up_events));
  RETURN_IF_ERROR(
      ParseEvents(down_events, r.FieldPath("scaleDownEvents"), in.state.scale_down_events));
  in.state.last_scale_up = ReadTime(r, "lastScaleUp", false);
  in.state.last_scale_down = ReadTime(r, "lastScaleDown", false);
  RETURN_IF_ERROR(r.status());
  return in;
}

DecideJsonResult ErrorResult(const core::Status& status) {
  core::Json error = {{"error",
                       {{"code", std::string(core::StatusCodeName(status.code()))},
                        {"message", status.message()},
                        {"field", status.field()}}}};
  return {2, error.dump(2) + "\n"};
}

}  // namespace

DecideJsonResult RunDecideJson(std::string_view input) {
  core::StatusOr<core::Json> root = core::ParseJson(input);
  if (!root.ok()) return ErrorResult(root.status());
  core::StatusOr<DecideInput> in = ParseDecideInput(*root);
  if (!in.ok()) return ErrorResult(in.status());
  const Decision decision = Decide(in->spec, in->state, in->observation, in->now);
  return {0, DecisionToJson(decision).dump(2) + "\n"};
}

}  // namespace gov::controller
