#include "api/internal/experiment_routes.h"

#include "api/internal/http_util.h"
#include "api/internal/paging.h"
#include "experiments/experiment_json.h"

namespace gov::api {

namespace {

using experiments::ExperimentService;

// The experiment, with its version as the ETag, or the error.
void WriteExperiment(Response& res, int status,
                     const core::StatusOr<experiments::Experiment>& experiment) {
  if (!experiment.ok()) return WriteError(res, experiment.status());
  res.SetHeader("ETag", "\"" + std::to_string(experiment->version) + "\"");
  WriteJson(res, status, experiments::ExperimentToJson(*experiment));
}

void WriteMetric(Response& res, int status,
                 const core::StatusOr<experiments::MetricDefinition>& metric) {
  if (!metric.ok()) return WriteError(res, metric.status());
  res.SetHeader("ETag", "\"" + std::to_string(metric->version) + "\"");
  WriteJson(res, status, experiments::MetricDefinitionToJson(*metric));
}

// A lifecycle action without a body: start or stop.
using Transition = core::StatusOr<experiments::Experiment> (ExperimentService::*)(
    const store::AuditActor&, const std::string&, std::optional<int64_t>);

Route TransitionRoute(ExperimentService& service, const std::string& action,
                      Transition transition) {
  return AdminRoute("POST", "/api/v1/experiments/{key}/" + action,
                    [&service, transition](RequestContext& ctx, Response& res) {
                      auto version = IfMatchVersion(ctx.req);
                      if (!version.ok()) return WriteError(res, version.status());
                      WriteExperiment(
                          res, 200, (service.*transition)(ctx.Actor(), ctx.PathParam(0), *version));
                    });
}

void AddMetricRoutes(Router& router, ExperimentService& service) {
  router.Add(AdminRoute("GET", "/api/v1/metrics", [&service](RequestContext& ctx, Response& res) {
    auto page = ReadPage(ctx.req, 50);
    if (!page.ok()) return WriteError(res, page.status());
    WritePage(res, service.ListMetrics(*page), experiments::MetricDefinitionToJson);
  }));

  router.Add(AdminRoute("POST", "/api/v1/metrics", [&service](RequestContext& ctx, Response& res) {
    auto body = ParseBody(ctx.req);
    if (!body.ok()) return WriteError(res, body.status());
    auto created = service.CreateMetric(ctx.Actor(), *body);
    if (created.ok()) res.SetHeader("Location", "/api/v1/metrics/" + created->name);
    WriteMetric(res, 201, created);
  }));

  router.Add(
      AdminRoute("GET", "/api/v1/metrics/{name}", [&service](RequestContext& ctx, Response& res) {
        WriteMetric(res, 200, service.GetMetric(ctx.PathParam(0)));
      }));

  router.Add(
      AdminRoute("PUT", "/api/v1/metrics/{name}", [&service](RequestContext& ctx, Response& res) {
        auto version = IfMatchVersion(ctx.req);
        if (!version.ok()) return WriteError(res, version.status());
        auto body = ParseBody(ctx.req);
        if (!body.ok()) return WriteError(res, body.status());
        WriteMetric(res, 200,
                    service.ReplaceMetric(ctx.Actor(), ctx.PathParam(0), *body, *version));
      }));

  router.Add(AdminRoute(
      "DELETE", "/api/v1/metrics/{name}", [&service](RequestContext& ctx, Response& res) {
        auto version = IfMatchVersion(ctx.req);
        if (!version.ok()) return WriteError(res, version.status());
        core::Status s = service.DeleteMetric(ctx.Actor(), ctx.PathParam(0), *version);
        if (!s.ok()) return WriteError(res, s);
        res.status = 204;
      }));
}

}  // namespace

void AddExperimentRoutes(Router& router, ExperimentService& service) {
  router.Add(
      AdminRoute("GET", "/api/v1/experiments", [&service](RequestContext& ctx, Response& res) {
        auto page = ReadPage(ctx.req, 50);
        if (!page.ok()) return WriteError(res, page.status());
        WritePage(res, service.ListExperiments(*page), experiments::ExperimentToJson);
      }));

  router.Add(
      AdminRoute("POST", "/api/v1/experiments", [&service](RequestContext& ctx, Response& res) {
        auto body = ParseBody(ctx.req);
        if (!body.ok()) return WriteError(res, body.status());
        auto created = service.CreateExperiment(ctx.Actor(), *body);
        if (created.ok()) res.SetHeader("Location", "/api/v1/experiments/" + created->key);
        WriteExperiment(res, 201, created);
      }));

  router.Add(AdminRoute("GET", "/api/v1/experiments/{key}",
                        [&service](RequestContext& ctx, Response& res) {
                          WriteExperiment(res, 200, service.GetExperiment(ctx.PathParam(0)));
                        }));

  router.Add(AdminRoute(
      "PUT", "/api/v1/experiments/{key}", [&service](RequestContext& ctx, Response& res) {
        auto version = IfMatchVersion(ctx.req);
        if (!version.ok()) return WriteError(res, version.status());
        auto body = ParseBody(ctx.req);
        if (!body.ok()) return WriteError(res, body.status());
        WriteExperiment(res, 200,
                        service.ReplaceExperiment(ctx.Actor(), ctx.PathParam(0), *body, *version));
      }));

  router.Add(AdminRoute(
      "DELETE", "/api/v1/experiments/{key}", [&service](RequestContext& ctx, Response& res) {
        auto version = IfMatchVersion(ctx.req);
        if (!version.ok()) return WriteError(res, version.status());
        core::Status s = service.DeleteExperiment(ctx.Actor(), ctx.PathParam(0), *version);
        if (!s.ok()) return WriteError(res, s);
        res.status = 204;
      }));

  router.Add(TransitionRoute(service, "start", &ExperimentService::Start));
  router.Add(TransitionRoute(service, "stop", &ExperimentService::Stop));

  router.Add(AdminRoute(
      "POST", "/api/v1/experiments/{key}/conclude", [&service](RequestContext& ctx, Response& res) {
        auto version = IfMatchVersion(ctx.req);
        if (!version.ok()) return WriteError(res, version.status());
        auto body = ParseBody(ctx.req);
        if (!body.ok()) return WriteError(res, body.status());
        WriteExperiment(res, 200, service.Conclude(ctx.Actor(), ctx.PathParam(0), *body, *version));
      }));

  AddMetricRoutes(router, service);
}

}  // namespace gov::api
