#include "controller/target_state.h"

#include <algorithm>

#include "core/time_format.h"

namespace gov::controller {

namespace {

std::optional<TimePoint> ReadMillis(FieldReader& r, std::string_view key) {
  const std::optional<int64_t> ms = r.OptionalInt(key);
  if (!ms) return std::nullopt;
  return FromUnixMillis(*ms);
}

Status ReadEvents(FieldReader& r, std::string_view key, std::vector<ScaleEvent>& out) {
  const Json* events = r.OptionalArray(key);
  RETURN_IF_ERROR(r.status());
  if (events == nullptr) return Status::Ok();
  for (size_t i = 0; i < events->size(); ++i) {
    FieldReader e((*events)[i], IndexFieldPath(r.FieldPath(key), i));
    const int64_t change = e.RequiredInt("change");
    const int64_t at = e.RequiredInt("timestamp");
    RETURN_IF_ERROR(e.status());
    out.push_back({static_cast<int32_t>(change), FromUnixMillis(at)});
  }
  return Status::Ok();
}

Json Condition(const std::string& type, bool status, const std::string& reason,
               const std::string& message) {
  return {{"type", type},
          {"status", status ? "True" : "False"},
          {"reason", reason},
          {"message", message}};
}

bool HasLimit(const Json& decision, std::string_view kind, Json* found = nullptr) {
  if (!decision.contains("limits") || !decision["limits"].is_array()) return false;
  for (const Json& limit : decision["limits"]) {
    if (limit.value("kind", "") == kind) {
      if (found != nullptr) *found = limit;
      return true;
    }
  }
  return false;
}

Json AbleToScale(const Json& record) {
  const std::string reason = record.value("reason", "");
  const Json& actuation = record.contains("actuation") ? record["actuation"] : Json::object();
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
    Json c = Condition("AbleToScale", false, "ActuationUnknown",
                       "the last change was handed to the hook but its answer was not recorded");
    c["status"] = "Unknown";
    return c;
  }
  const Json decision = record.value("decision", Json::object());
  Json cooldown;
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

Json ScalingActive(const Json& record) {
  const std::string reason = record.value("reason", "");
  if (reason == "ScalingDisabled") {
    return Condition("ScalingActive", false, "ScalingDisabled",
                     "scaling is disabled since the replica count of the target is zero");
  }
  std::vector<std::string> valid;
  std::string errors;
  if (record.contains("metrics") && record["metrics"].is_array()) {
    for (const Json& m : record["metrics"]) {
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

Json ScalingLimited(const Json& record) {
  const Json decision = record.value("decision", Json::object());
  static const std::pair<const char*, const char*> kLimits[] = {
      {"TooManyReplicas", "the desired replica count is more than the maximum replica count"},
      {"TooFewReplicas", "the desired replica count is less than the minimum replica count"},
      {"ScaleUpLimit",
       "the desired replica count is increasing faster than the maximum scale rate"},
      {"ScaleDownLimit",
       "the desired replica count is decreasing faster than the maximum scale rate"},
  };
  for (const auto& [kind, message] : kLimits) {
    Json limit;
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

Json TargetStateToJson(const TargetState& state) { return Json::parse(TargetStateJsonText(state)); }

StatusOr<TargetState> TargetStateFromJson(const Json& json) {
  TargetState state;
  FieldReader r(json, "state");
  r.RejectUnknown(
      {"recommendations", "scaleUpEvents", "scaleDownEvents", "lastScaleUp", "lastScaleDown"});
  if (const Json* recs = r.OptionalArray("recommendations")) {
    state.recommendations.emplace();
    for (size_t i = 0; i < recs->size(); ++i) {
      FieldReader e((*recs)[i], IndexFieldPath(r.FieldPath("recommendations"), i));
      const int64_t replicas = e.RequiredInt("replicas");
      const int64_t at = e.RequiredInt("timestamp");
      RETURN_IF_ERROR(e.status());
      state.recommendations->push_back({static_cast<int32_t>(replicas), FromUnixMillis(at)});
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
                          bool scaled, TimePoint now) {
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

Json SyncRecordToJson(const SyncRecord& r) { return Json::parse(SyncRecordJsonText(r)); }

Json ConditionsFromRecord(const Json& record) {
  return Json::array({AbleToScale(record), ScalingActive(record), ScalingLimited(record)});
}

}  // namespace gov::controller
