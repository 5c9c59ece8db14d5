#pragma once

// `governor analyze`: the statistics engine on sufficient statistics, JSON on stdin to JSON on
// stdout (experiments/stats/analysis_json.h; docs/statistics.md describes the document).

#include <string_view>

#include "cli/backtest_command.h"

namespace gov::cli {

// The analysis of `input` (one JSON document): exit 0 with the result, or exit 2 with
// {"error": {"code", "message", "field"}} on stdout for invalid input.
CommandOutput RunAnalyzeCommand(std::string_view input);

}  // namespace gov::cli
