#pragma once

// Release plans: one feature in one environment driven through ordered milestones (the
// percentage of a managed flexibleRollout strategy), watched by guardrails that stop the
// release when it hurts. Plain values: rollouts/plan_json.h reads and writes their JSON,
// rollouts/guardrails.h evaluates guardrails, rollouts/planner.h decides transitions,
// rollouts/strategy.h builds the managed strategy. Everything here is pure: time is passed in.
//
// States: draft -> running <-> paused -> completed | rolledBack. A plan's position is its
// state, its milestone index and the rollout that follows from both (draft and rolledBack: 0).

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "flags/model.h"
#include "integrations/prometheus_client.h"

namespace gov::rollouts {

// The Prometheus server a guardrail queries when it names none: the shared client's default.
using integrations::kDefaultPrometheusUrl;
inline constexpr std::chrono::seconds kDefaultEvaluationInterval{15};
inline constexpr std::chrono::seconds kMinEvaluationInterval{1};
inline constexpr std::string_view kDefaultStickiness = "default";

// ---- Closed sets ----------------------------------------------------------------------------

enum class PlanState : uint8_t { kDraft, kRunning, kPaused, kCompleted, kRolledBack };
inline constexpr std::array<std::string_view, 5> kPlanStateNames = {"draft", "running", "paused",
                                                                    "completed", "rolledBack"};

// What a breached guardrail does: rollback sets the managed strategy to 0% (state
// rolledBack), pause holds the rollout (state paused), previousMilestone steps back one
// milestone and keeps running (at the first milestone there is nothing to step back to, so it
// rolls back).
enum class OnBreach : uint8_t { kRollback, kPause, kPreviousMilestone };
inline constexpr std::array<std::string_view, 3> kOnBreachNames = {"rollback", "pause",
                                                                   "previousMilestone"};

// ok: within bounds (or no data yet); breaching: beyond the threshold but not for long enough
// (metric: the estimate is beyond it, the confidence sequence not yet); breached: acted upon;
// error: the last evaluation failed (Prometheus query error, or too little data for a metric).
enum class GuardrailStatus : uint8_t { kOk, kBreaching, kBreached, kError };
inline constexpr std::array<std::string_view, 4> kGuardrailStatusNames = {"ok", "breaching",
                                                                          "breached", "error"};

// A Prometheus guardrail's threshold side.
enum class Comparison : uint8_t { kAbove, kBelow };
inline constexpr std::array<std::string_view, 2> kComparisonNames = {"above", "below"};

// What a transition did. The webhook carries these names in its "event".
enum class PlanEvent : uint8_t {
  kStarted,      // draft -> running at the first milestone
  kAdvanced,     // to the next milestone
  kSteppedBack,  // to the previous milestone (onBreach previousMilestone)
  kPaused,       // running -> paused
  kResumed,      // paused -> running
  kRolledBack,   // -> rolledBack, rollout 0
  kCompleted,    // the last milestone was reached
};
inline constexpr std::array<std::string_view, 7> kPlanEventNames = {
    "started", "advanced", "steppedBack", "paused", "resumed", "rolledBack", "completed"};

// Why a transition happened.
enum class CauseKind : uint8_t {
  kManual,               // an action by `actor` (start, pause, resume, advance, rollback)
  kSchedule,             // advanceAfterSeconds elapsed or advanceAt passed
  kGuardrail,            // a guardrail was breached
  kGuardrailError,       // a Prometheus guardrail's query failed for its forSeconds
  kSampleRatioMismatch,  // exposed vs unexposed units do not match the milestone's percentage
};
inline constexpr std::array<std::string_view, 5> kCauseKindNames = {
    "manual", "schedule", "guardrail", "guardrailError", "sampleRatioMismatch"};

// The manual actions (POST /api/v1/release-plans/{name}/<action>).
enum class Action : uint8_t { kStart, kPause, kResume, kAdvance, kRollback };
inline constexpr std::array<std::string_view, 5> kActionNames = {"start", "pause", "resume",
                                                                 "advance", "rollback"};

template <typename Enum, size_t N>
constexpr std::string_view NameOf(const std::array<std::string_view, N>& names, Enum value) {
  return names[static_cast<size_t>(value)];
}

// ---- The spec -------------------------------------------------------------------------------

// One step of the release. It advances after `advance_after` from its start, at
// `advance_at`, or only by hand when it has neither (at most one of the two is set);
// `min_exposures` holds a timed advance until that many units were exposed to the managed
// strategy during the milestone. The last milestone completes the plan and has none of these.
struct Milestone {
  int rollout = 0;  // percent, 0..100, strictly increasing along the plan
  std::optional<std::chrono::seconds> advance_after;
  std::optional<core::TimePoint> advance_at;
  std::optional<int64_t> min_exposures;
  bool operator==(const Milestone&) const = default;
};

// An instant query evaluated every `evaluation_interval`; breached when its value stays
// beyond `threshold` (above or below) for `for_duration` (0: the first such value). A query
// error is not a breach; errors lasting `for_duration` pause the plan. In a template the
// query may be empty: the user fills it in when creating a plan.
struct PrometheusGuardrail {
  std::string query;
  std::string url = std::string(kDefaultPrometheusUrl);
  Comparison comparison = Comparison::kAbove;
  double threshold = 0;
  std::chrono::seconds for_duration{0};
  std::chrono::seconds evaluation_interval = kDefaultEvaluationInterval;
  bool operator==(const PrometheusGuardrail&) const = default;
};

// A metric of the experiments module, compared between the units the managed strategy
// exposed (treatment) and the rest (control) with the sequential test; breached when the
// whole confidence sequence of the relative effect lies on the bad side of
// -max_relative_drop (for a lower-is-better metric: above +max_relative_drop).
struct MetricGuardrail {
  std::string metric;
  double max_relative_drop = 0;  // a fraction: 0.02 = 2%
  bool operator==(const MetricGuardrail&) const = default;
};

struct Guardrail {
  std::string name;  // unique within the plan
  std::variant<PrometheusGuardrail, MetricGuardrail> check;
  bool operator==(const Guardrail&) const = default;
};

// Where transitions are announced: a signed JSON POST; the secret is read from the
// environment variable `secret_env` ("" : unsigned).
struct WebhookTarget {
  std::string url;
  std::string secret_env;
  bool operator==(const WebhookTarget&) const = default;
};

// A release plan as a client writes it. A template is the same value without feature and
// environment (its name is the template's).
struct ReleasePlanSpec {
  std::string name;
  std::string feature;
  std::string environment;
  std::string stickiness = std::string(kDefaultStickiness);
  // Kept on the managed strategy at every milestone.
  std::vector<flags::Constraint> constraints;
  std::vector<int64_t> segments;  // segment ids
  std::vector<Milestone> milestones;
  std::vector<Guardrail> guardrails;
  // Default rollback: a plan stops itself, and the safe stop takes the release away.
  OnBreach on_breach = OnBreach::kRollback;
  std::optional<WebhookTarget> webhook;
  bool operator==(const ReleasePlanSpec&) const = default;
};

// ---- The runtime ----------------------------------------------------------------------------

// What a guardrail has seen, kept between evaluations (rollouts/guardrails.h updates it).
struct GuardrailState {
  std::string name;
  GuardrailStatus status = GuardrailStatus::kOk;
  std::optional<double> value;  // the last value (metric: the relative effect's estimate)
  // When the current status began (breaching/breached: when the value first went beyond the
  // threshold; error: the first error of the run).
  std::optional<core::TimePoint> since;
  std::optional<std::string> error;  // the last error, while status is error
  std::optional<core::TimePoint> last_evaluated_at;
  // Prometheus: the start of the run of values beyond the threshold (errors in between do not
  // end it) and of the run of consecutive errors.
  std::optional<core::TimePoint> beyond_since;
  std::optional<core::TimePoint> error_since;
  // Metric: the confidence sequence of the relative effect at the last evaluation.
  std::optional<double> ci_low;
  std::optional<double> ci_high;
  bool operator==(const GuardrailState&) const = default;
};

// The state of guardrail `name` before its first evaluation.
inline GuardrailState NewGuardrailState(std::string name) {
  GuardrailState s;
  s.name = std::move(name);
  return s;
}

// Why a transition happened. For a guardrail: its name, the value that breached, the
// threshold and since when (metric: the effect's estimate and the bound of the confidence
// sequence nearest the threshold is in `message`).
struct Cause {
  CauseKind kind = CauseKind::kManual;
  std::optional<std::string> guardrail;
  std::optional<double> value;
  std::optional<double> threshold;
  std::optional<core::TimePoint> since;
  std::string actor;  // manual: who acted
  std::string message;
  bool operator==(const Cause&) const = default;
};

// A plan's position: state, milestone index, and the managed strategy's percentage.
struct Position {
  PlanState state = PlanState::kDraft;
  size_t milestone = 0;
  int rollout = 0;
  bool operator==(const Position&) const = default;
};

struct Transition {
  core::TimePoint at{};
  PlanEvent event = PlanEvent::kStarted;
  Position from;
  Position to;
  Cause cause;
  bool operator==(const Transition&) const = default;
};

// A plan's mutable part, stored beside its spec.
struct PlanRuntime {
  PlanState state = PlanState::kDraft;
  size_t milestone = 0;
  std::optional<core::TimePoint> milestone_started_at;  // set once started
  std::vector<GuardrailState> guardrails;               // one per spec guardrail, same order
  std::vector<Transition> history;                      // oldest first
  bool operator==(const PlanRuntime&) const = default;
};

// The managed strategy's percentage in `runtime`: the milestone's, 0 in draft and rolledBack.
int CurrentRollout(const ReleasePlanSpec& spec, const PlanRuntime& runtime);
Position CurrentPosition(const ReleasePlanSpec& spec, const PlanRuntime& runtime);
// A fresh runtime for `spec`: draft, milestone 0, one ok state per guardrail.
PlanRuntime NewRuntime(const ReleasePlanSpec& spec);
// True for completed and rolledBack: no action or automatic transition leaves them.
bool IsTerminal(PlanState state);

}  // namespace gov::rollouts
