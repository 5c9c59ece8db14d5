#include "api/internal/experiment_results_routes.h"

#include "api/internal/http_util.h"

namespace gov::api {

void AddExperimentResultsRoutes(Router& router, experiments::ResultsService& results) {
  router.Add(AdminRoute("GET", "/api/v1/experiments/{key}/results",
                        [&results](RequestContext& ctx, Response& res) {
                          auto computed = results.Get(ctx.PathParam(0));
                          if (!computed.ok()) return WriteError(res, computed.status());
                          WriteJson(res, 200, experiments::ResultsToJson(*computed));
                        }));
  router.Add(AdminRoute(
      "GET", "/api/v1/experiments/{key}/results.csv",
      [&results](RequestContext& ctx, Response& res) {
        auto computed = results.Get(ctx.PathParam(0));
        if (!computed.ok()) return WriteError(res, computed.status());
        res.status = 200;
        res.SetHeader("Content-Disposition",
                      "attachment; filename=\"" + computed->experiment + "-results.csv\"");
        res.SetContent(experiments::ResultsToCsv(*computed), "text/csv; charset=utf-8");
      }));
}

}  // namespace gov::api
