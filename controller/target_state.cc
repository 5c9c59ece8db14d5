#include "controller/target_state.h"

#include <algorithm>

#include "core/time_format.h"

namespace gov::controller {

namespace {

std::optional<core::TimePoint> ReadMillis(core::FieldReader& r, std::string_view key) {
  const std::optional<int64_t> ms = r.OptionalInt(key);
  if (!ms) return std::nullopt;
  return core::FromUnixMillis(*ms);
}

core::Status ReadEvents(core::FieldReader& r, std::string_view key, std::vector<ScaleEvent>& out) {
  const core::Json* events = r.OptionalArray(key);
  RETURN_IF_ERROR(r.status());
  if (events == nullptr) return core::Status::Ok();
  for (size_t i = 0; i < events->size(); ++i) {
    core::FieldReader e((*events)[i], core::IndexFieldPath(r.FieldPath(key), i));
    const int64_t change = e.RequiredInt("change");
    const int64_t at = e.RequiredInt("timestamp");
    RETURN_IF_ERROR(e.status());
    out.push_back({static_cast<int32_t>(change), core::FromUnixMillis(at)});
  }
  return core::Status::Ok();
}

core::Json Condition(const std::string& type, bool status, const std::string& reason,
                     const std::string& message) {
  return {{"type", type},
          {"status", status ? "True" : "False"},
          {"reason", reason},
          {"message", message}};
}

bool HasLimit(const core::Json& decision, std::string_view kind, core::Json* found = nullptr) {
  if (!decision.contains("limits") || !decision["limits"].is_array()) return false;
  for (const core::Json& limit : decision["limits"]) {
    if (limit.value("kind", "") == kind) {
      if (found != nullptr) *found = limit;
      return true;
    }
  }
  return false;
}

core::Json AbleToScale(const core::Json& record) {
  const std::string reason = record.value("reason", "");
  const core::Json& actuation =
      record.contains("actuation") ? record["actuation"] : core::Json::object();
  const std::string status = actuation.value("status", "");
  const std::string error = actuation.contains("error") && actuation["error"].is_string()
                                ? actuation["error"].get<std::string>()
                                : "";
  if (reason == kReasonFailedGetScale) {
    return Condition("AbleToScale", false, "FailedGetScale",
                     "the hook could not read the replica count: " + error);
  }
  if (status == "failed") {
    return Condition("AbleToScale", false, "FailedUpdateScale", "the hook failed: " + error);
  }
  if (status == "pending" || status == "unknown") {
    core::Json c =
        Condition("AbleToScale", false, "ActuationUnknown",
                  "the last change was handed to the hook but its answer was not recorded");
    c["status"] = "Unknown";
    return c;
  }
  const core::Json decision = record.value("decision", core::Json::object());
  core::Json cooldown;
  if (reason == "Cooldown" && HasLimit(decision, "Cooldown", &cooldown)) {
    const bool up = cooldown.value("direction", "") == "up";
    return Condition("AbleToScale", false, up ? "BackoffUpscale" : "BackoffDownscale",
                     "the time since the previous scale is still within the " +
                         std::string(up ? "scale-up" : "scale-down") + " cooldown (" +
                         std::to_string(cooldown.value("secondsLeft", int64_t{0})) + "s left)");
  }
  const int64_t from = record.value("currentReplicas", int64_t{0});
  const int64_t to = record.value("replicas", int64_t{0});
  if (status == "applied") {
    return Condition(
        "AbleToScale", true, "SucceededRescale",
        "the hook accepted the change from " + std::to_string(from) + " to " + std::to_string(to));
  }
  if (status == "dryRun") {
    return Condition("AbleToScale", true, "SucceededRescale",
                     "dry run: recorded the change from " + std::to_string(from) + " to " +
                         std::to_string(to) + " without calling the hook");
  }
  if (reason == "ScaleUpStabilized") {
    return Condition("AbleToScale", true, reason,
                     "recent recommendations were lower than current one, applying the lowest "
                     "recent recommendation");
  }
  if (reason == "ScaleDownStabilized") {
    return Condition("AbleToScale", true, reason,
                     "recent recommendations were higher than current one, applying the highest "
                     "recent recommendation");
  }
  return Condition("AbleToScale", true, "ReadyForNewScale",
                   "recommended size matches current size");
}

core::Json ScalingActive(const core::Json& record) {
  const std::string reason = record.value("reason", "");
  if (reason == "ScalingDisabled") {
    return Condition("ScalingActive", false, "ScalingDisabled",
                     "scaling is disabled since the replica count of the target is zero");
  }
  std::vector<std::string> valid;
  std::string errors;
  if (record.contains("metrics") && record["metrics"].is_array()) {
    for (const core::Json& m : record["metrics"]) {
      const std::string name = m.value("name", "");
      if (m.contains("value") && m["value"].is_number()) {
        valid.push_back(name);
      } else {
        if (!errors.empty()) errors += "; ";
        errors += name + ": " + m.value("error", std::string("missing"));
      }
    }
  }
  if (valid.empty()) {
    return Condition("ScalingActive", false, "FailedGetMetrics",
                     "no metric value could be read: " + errors);
  }
  std::string names;
  for (const std::string& n : valid) names += (names.empty() ? "" : ", ") + n;
  return Condition("ScalingActive", true, "ValidMetricFound",
                   "the controller was able to compute a replica count from " + names);
}

core::Json ScalingLimited(const core::Json& record) {
  const core::Json decision = record.value("decision", core::Json::object());
  static const std::pair<const char*, const char*> kLimits[] = {
      {"TooManyReplicas", "the desired replica count is more than the maximum replica count"},
      {"TooFewReplicas", "the desired replica count is less than the minimum replica count"},
      {"ScaleUpLimit",
       "the desired replica count is increasing faster than the maximum scale rate"},
      {"ScaleDownLimit",
       "the desired replica count is decreasing faster than the maximum scale rate"},
  };
  for (const auto& [kind, message] : kLimits) {
    core::Json limit;
    if (HasLimit(decision, kind, &limit)) {
      std::string text = message;
      if (limit.contains("value")) text += " (limited to " + limit["value"].dump() + ")";
      return Condition("ScalingLimited", true, kind, text);
    }
  }
  return Condition("ScalingLimited", false, "DesiredWithinRange",
                   "the desired count is within the acceptable range");
}

}  // namespace

core::Json TargetStateToJson(const TargetState& state) {
  return core::Json::parse(TargetStateJsonText(state));
}

core::StatusOr<TargetState> TargetStateFromJson(const core::Json& json) {
  TargetState state;
  core::FieldReader r(json, "state");
  r.RejectUnknown(
      {"recommendations", "scaleUpEvents", "scaleDownEvents", "lastScaleUp", "lastScaleDown"});
  if (const core::Json* recs = r.OptionalArray("recommendations")) {
    state.recommendations.emplace();
    for (size_t i = 0; i < recs->size(); ++i) {
      core::FieldReader e((*recs)[i], core::IndexFieldPath(r.FieldPath("recommendations"), i));
      const int64_t replicas = e.RequiredInt("replicas");
      const int64_t at = e.RequiredInt("timestamp");
      RETURN_IF_ERROR(e.status());
      state.recommendations->push_back({static_cast<int32_t>(replicas), core::FromUnixMillis(at)});
    }
  }
  RETURN_IF_ERROR(ReadEvents(r, "scaleUpEvents", state.scale_up_events));
  RETURN_IF_ERROR(ReadEvents(r, "scaleDownEvents", state.scale_down_events));
  state.last_scale_up = ReadMillis(r, "lastScaleUp");
  state.last_scale_down = ReadMillis(r, "lastScaleDown");
  RETURN_IF_ERROR(r.status());
  return state;
}

TargetState ApplyDecision(const TargetSpec& spec, TargetState state, const Decision& decision,
                          bool scaled, core::TimePoint now) {
  if (!state.recommendations) state.recommendations.emplace();
  state.recommendations->insert(state.recommendations->end(), decision.new_recommendations.begin(),
                                decision.new_recommendations.end());
  if (scaled && decision.scale_up_event) {
    state.scale_up_events.push_back(*decision.scale_up_event);
    state.last_scale_up = decision.scale_up_event->timestamp;
  }
  if (scaled && decision.scale_down_event) {
    state.scale_down_events.push_back(*decision.scale_down_event);
    state.last_scale_down = decision.scale_down_event->timestamp;
  }
  return PruneState(spec.behavior, state, now);
}

core::Json SyncRecordToJson(const SyncRecord& r) {
  return core::Json::parse(SyncRecordJsonText(r));
}

core::Json ConditionsFromRecord(const core::Json& record) {
  return core::Json::array({AbleToScale(record), ScalingActive(record), ScalingLimited(record)});
}

}  // namespace gov::controller
