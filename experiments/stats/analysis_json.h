#pragma once

// The JSON form of the statistics engine (`governor analyze`, POST /api/v1/analysis):
//   {"metricType", "engine", "difference", "alpha", "alternative", "sequential", "prior",
//    "inverse", "cuped", "variants": [control, treatments...]}
// -> {"variants": [one per treatment], "srm": {"pValue"} (when every variant has a weight)}.
// docs/statistics.md describes every field.

#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.h"
#include "core/status.h"
#include "experiments/stats/analysis.h"

namespace gov::experiments::stats {

struct AnalysisRequest {
  AnalysisOptions options;
  bool cuped = false;
  std::vector<std::string> names;      // per variant, the control first
  std::vector<VariantStats> variants;  // per variant, the control first
  std::vector<double> weights;         // empty unless every variant has a weight
};

// Strict parsing: unknown members, wrong types and out-of-range values are InvalidArgument
// naming the field ("alpha", "variants[1].sumSquares", "variants[0].numerator.sum").
core::StatusOr<AnalysisRequest> ParseAnalysisRequest(const core::Json& body);

// Runs the engine (Analyze, and SampleRatioMismatch when weights are given) and builds the
// response document.
core::Json RunAnalysis(const AnalysisRequest& request);

// One variant's result as JSON: {"name", "expected", "ci": [lo|null, hi|null], "stdError",
// "pValue"?, "chanceToWin"?, "risk"?, "error"?: {"code", "message"}}.
core::Json VariantResultToJson(std::string_view name, const VariantResult& result);

// {"error": {"code", "message", "field"}} for a Status.
core::Json ErrorToJson(const core::Status& status);

}  // namespace gov::experiments::stats
