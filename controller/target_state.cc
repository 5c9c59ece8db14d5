#include "controller/target_state.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "core/name_table.h"
#include "core/time_format.h"

namespace gov::controller {

namespace {

// ReplicasSourceName's table, indexed by the enum's values.
constexpr std::array<std::string_view, 3> kReplicasSourceNames = {"hook", "lastDecision",
                                                                  "minReplicas"};
static_assert(kReplicasSourceNames.size() == static_cast<size_t>(ReplicasSource::kAssumedMin) + 1);

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

core::Json Condition(std::string_view type, bool status, std::string_view reason,
                     const std::string& message) {
  return {{"type", std::string(type)},
          {"status", status ? "True" : "False"},
          {"reason", std::string(reason)},
          {"message", message}};
}

// `object[key]` when it is a string, else "".
std::string_view StringAt(const core::Json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

// `parsed`, or its error naming `field`.
template <typename T>
core::StatusOr<T> AtField(core::StatusOr<T> parsed, const std::string& field) {
  if (parsed.ok()) return parsed;
  return core::InvalidArgument(parsed.status().message(), field);
}

struct RecordLimit {
  LimitKind kind = LimitKind::kScaleUpLimit;
  const core::Json* json = nullptr;
  ScaleDirection direction = ScaleDirection::kUp;  // Cooldown's
};

// What the conditions read from a decision record, its names parsed through their tables.
struct RecordFacts {
  DecisionReason reason = DecisionReason::kDesiredWithinRange;
  store::Actuation actuation = store::Actuation::kNone;
  std::string error;  // the actuation's error, "" when none
  std::vector<RecordLimit> limits;

  const RecordLimit* FindLimit(LimitKind kind) const {
    for (const RecordLimit& limit : limits) {
      if (limit.kind == kind) return &limit;
    }
    return nullptr;
  }
};

core::StatusOr<RecordFacts> ParseFacts(const core::Json& record) {
  RecordFacts facts;
  ASSIGN_OR_RETURN(facts.reason,
                   AtField(ParseDecisionReason(StringAt(record, "reason")), "reason"));
  const core::Json& actuation =
      record.contains("actuation") ? record["actuation"] : core::Json::object();
  ASSIGN_OR_RETURN(facts.actuation, AtField(store::ParseActuation(StringAt(actuation, "status")),
                                            "actuation.status"));
  facts.error = std::string(StringAt(actuation, "error"));
  const auto decision = record.find("decision");
  if (decision == record.end() || !decision->is_object()) return facts;
  const auto limits = decision->find("limits");
  if (limits == decision->end() || !limits->is_array()) return facts;
  for (size_t i = 0; i < limits->size(); ++i) {
    const core::Json& json = (*limits)[i];
    const std::string path = core::IndexFieldPath("decision.limits", i);
    RecordLimit limit{.json = &json};
    ASSIGN_OR_RETURN(limit.kind, AtField(ParseLimitKind(StringAt(json, "kind")), path + ".kind"));
    if (limit.kind == LimitKind::kCooldown) {
      ASSIGN_OR_RETURN(limit.direction, AtField(ParseScaleDirection(StringAt(json, "direction")),
                                                path + ".direction"));
    }
    facts.limits.push_back(limit);
  }
  return facts;
}

core::Json AbleToScale(const core::Json& record, const RecordFacts& facts) {
  if (facts.reason == DecisionReason::kFailedGetScale) {
    return Condition("AbleToScale", false, DecisionReasonName(facts.reason),
                     "the hook could not read the replica count: " + facts.error);
  }
  if (facts.actuation == store::Actuation::kFailed) {
    return Condition("AbleToScale", false, "FailedUpdateScale", "the hook failed: " + facts.error);
  }
  if (facts.actuation == store::Actuation::kPending ||
      facts.actuation == store::Actuation::kUnknown) {
    core::Json c =
        Condition("AbleToScale", false, "ActuationUnknown",
                  "the last change was handed to the hook but its answer was not recorded");
    c["status"] = "Unknown";
    return c;
  }
  const RecordLimit* cooldown = facts.FindLimit(LimitKind::kCooldown);
  if (facts.reason == DecisionReason::kCooldown && cooldown != nullptr) {
    const bool up = cooldown->direction == ScaleDirection::kUp;
    return Condition("AbleToScale", false, up ? "BackoffUpscale" : "BackoffDownscale",
                     "the time since the previous scale is still within the " +
                         std::string(up ? "scale-up" : "scale-down") + " cooldown (" +
                         std::to_string(cooldown->json->value("secondsLeft", int64_t{0})) +
                         "s left)");
  }
  const int64_t from = record.value("currentReplicas", int64_t{0});
  const int64_t to = record.value("replicas", int64_t{0});
  if (facts.actuation == store::Actuation::kApplied) {
    return Condition(
        "AbleToScale", true, "SucceededRescale",
        "the hook accepted the change from " + std::to_string(from) + " to " + std::to_string(to));
  }
  if (facts.actuation == store::Actuation::kDryRun) {
    return Condition("AbleToScale", true, "SucceededRescale",
                     "dry run: recorded the change from " + std::to_string(from) + " to " +
                         std::to_string(to) + " without calling the hook");
  }
  if (facts.reason == DecisionReason::kScaleUpStabilized) {
    return Condition("AbleToScale", true, DecisionReasonName(facts.reason),
                     "recent recommendations were lower than current one, applying the lowest "
                     "recent recommendation");
  }
  if (facts.reason == DecisionReason::kScaleDownStabilized) {
    return Condition("AbleToScale", true, DecisionReasonName(facts.reason),
                     "recent recommendations were higher than current one, applying the highest "
                     "recent recommendation");
  }
  return Condition("AbleToScale", true, "ReadyForNewScale",
                   "recommended size matches current size");
}

core::Json ScalingActive(const core::Json& record, const RecordFacts& facts) {
  if (facts.reason == DecisionReason::kScalingDisabled) {
    return Condition("ScalingActive", false, DecisionReasonName(facts.reason),
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

core::Json ScalingLimited(const RecordFacts& facts) {
  static const std::pair<LimitKind, const char*> kLimits[] = {
      {LimitKind::kTooManyReplicas,
       "the desired replica count is more than the maximum replica count"},
      {LimitKind::kTooFewReplicas,
       "the desired replica count is less than the minimum replica count"},
      {LimitKind::kScaleUpLimit,
       "the desired replica count is increasing faster than the maximum scale rate"},
      {LimitKind::kScaleDownLimit,
       "the desired replica count is decreasing faster than the maximum scale rate"},
  };
  for (const auto& [kind, message] : kLimits) {
    if (const RecordLimit* limit = facts.FindLimit(kind)) {
      std::string text = message;
      const core::Json& json = *limit->json;
      if (json.contains("value")) text += " (limited to " + json["value"].dump() + ")";
      return Condition("ScalingLimited", true, LimitKindName(kind), text);
    }
  }
  return Condition("ScalingLimited", false, DecisionReasonName(DecisionReason::kDesiredWithinRange),
                   "the desired count is within the acceptable range");
}

}  // namespace

std::string_view ReplicasSourceName(ReplicasSource source) {
  return kReplicasSourceNames[static_cast<size_t>(source)];
}

core::StatusOr<ReplicasSource> ParseReplicasSource(std::string_view name) {
  if (auto source = core::FindName<ReplicasSource>(kReplicasSourceNames, name)) return *source;
  return core::InvalidArgument("unknown replicas source \"" + std::string(name) + "\"");
}

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

core::StatusOr<core::Json> ConditionsFromRecord(const core::Json& record) {
  ASSIGN_OR_RETURN(const RecordFacts facts, ParseFacts(record));
  return core::Json::array(
      {AbleToScale(record, facts), ScalingActive(record, facts), ScalingLimited(facts)});
}

}  // namespace gov::controller
