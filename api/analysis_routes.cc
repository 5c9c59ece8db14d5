#include "api/internal/analysis_routes.h"

#include "api/internal/http_util.h"
#include "experiments/stats/analysis_json.h"

namespace gov::api {

void AddAnalysisRoutes(Router& router) {
  router.Add(AdminRoute("POST", "/api/v1/analysis", [](RequestContext& ctx, Response& res) {
    auto body = ParseBody(ctx.req);
    if (!body.ok()) return WriteError(res, body.status());
    auto request = experiments::stats::ParseAnalysisRequest(*body);
    if (!request.ok()) return WriteError(res, request.status());
    WriteJson(res, 200, experiments::stats::RunAnalysis(*request));
  }));
}

}  // namespace gov::api
