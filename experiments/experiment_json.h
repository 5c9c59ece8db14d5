#pragma once

// The JSON of metric definitions and experiments, both ways, as the API and the store use it.
// Parsing is strict (unknown fields are errors) and checks one object's shape and semantics;
// errors are kInvalidArgument naming the field ("metrics[1].role", "analysis.prior.variance").
// ExperimentService checks references against the world (environment, feature, metrics).

#include <optional>
#include <string>
#include <string_view>

#include "core/json_util.h"
#include "core/status.h"
#include "experiments/model.h"

namespace gov::experiments {

// Metric names and experiment keys are URL path segments: 1..100 of [A-Za-z0-9_.-].
core::Status ValidateResourceName(std::string_view name, std::string_view field);

// A metric definition: {"name", "description"?, "type", "numerator": {"event", "aggregation"?},
// "denominator"? (ratio only, and required there), "direction"? (higherIsBetter),
// "conversionWindowSeconds"? (> 0, null: until the experiment stops)}. "version", "createdAt"
// and "updatedAt" are accepted and ignored, so a GET result can be sent back.
core::StatusOr<MetricDefinition> ParseMetricDefinition(const core::Json& json);
// The wire JSON of `metric`, with its version and times.
core::Json MetricDefinitionToJson(const MetricDefinition& metric);

// An experiment as a client writes it: {"key", "name"? (the key), "hypothesis"?,
// "environment", "feature", "controlVariant", "randomizationUnit"? (userId; also sessionId,
// remoteAddress or properties.<name>), "metrics": [{"metric", "role"}] (at least one goal, no
// metric twice), "analysis"?}. What the server owns ("status", "arms", "startedAt",
// "stoppedAt", "conclusion", "version", "createdAt", "updatedAt") is accepted and ignored, so
// a GET result can be sent back; the result is a draft.
core::StatusOr<Experiment> ParseExperiment(const core::Json& json);
// The experiment with what the server owns too (the stored form): ExperimentFromJson(
// ExperimentToJson(e)) == e for times with millisecond precision.
core::StatusOr<Experiment> ExperimentFromJson(const core::Json& json);
// The wire JSON of `experiment`, everything included.
core::Json ExperimentToJson(const Experiment& experiment);

// The body of POST /api/v1/experiments/{key}/conclude.
struct ConcludeRequest {
  Decision decision = Decision::kInconclusive;
  std::optional<std::string> variant;  // ship only, and required there
  std::string reason;
};
// {"decision", "variant"?, "reason"?}.
core::StatusOr<ConcludeRequest> ParseConcludeRequest(const core::Json& json);

}  // namespace gov::experiments
