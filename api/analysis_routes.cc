#include "api/internal/analysis_routes.h"

#include "api/internal/http_util.h"
#include "experiments/stats/analysis_json.h"

namespace gov::api {

void AddAnalysisRoutes(Router& router) {
  Route route;
  route.method = "POST";
  route.path = "/api/v1/analysis";
  route.access = Access::kAdmin;
  route.rate_class = RateClass::kAdmin;
  route.handler = [](RequestContext& ctx, Response& res) {
    auto body = ParseBody(ctx.req);
    if (!body.ok()) return WriteError(res, body.status());
    auto request = experiments::stats::ParseAnalysisRequest(*body);
    if (!request.ok()) return WriteError(res, request.status());
    WriteJson(res, 200, experiments::stats::RunAnalysis(*request));
  };
  router.Add(std::move(route));
}

}  // namespace gov::api
