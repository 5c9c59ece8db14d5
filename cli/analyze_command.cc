#include "cli/analyze_command.h"

#include "core/json_util.h"
#include "experiments/stats/analysis_json.h"

namespace gov::cli {

CommandOutput RunAnalyzeCommand(std::string_view input) {
  namespace stats = experiments::stats;
  CommandOutput result;
  auto body = core::ParseJson(input);
  if (!body.ok()) {
    result.exit_code = 2;
    result.out =
        stats::ErrorToJson(core::InvalidArgument(body.status().message(), "body")).dump() + "\n";
    return result;
  }
  auto request = stats::ParseAnalysisRequest(*body);
  if (!request.ok()) {
    result.exit_code = 2;
    result.out = stats::ErrorToJson(request.status()).dump() + "\n";
    return result;
  }
  result.out = stats::RunAnalysis(*request).dump(2) + "\n";
  return result;
}

}  // namespace gov::cli
