#include "api/internal/target_routes.h"

#include <cmath>
#include <cstdlib>

#include "api/internal/http_util.h"
#include "api/internal/paging.h"
#include "api/internal/polled_streams.h"

namespace gov::api {

namespace {

using controller::TargetService;

// The target, with its version as the ETag, or the error.
void WriteTarget(Response& res, int status,
                 const core::StatusOr<controller::TargetDetails>& details) {
  if (!details.ok()) return WriteError(res, details.status());
  res.SetHeader("ETag", "\"" + std::to_string(details->record.version) + "\"");
  WriteJson(res, status, controller::TargetDetailsToJson(*details));
}

// The optional `pricePerReplicaHour` query parameter: a finite number >= 0.
core::StatusOr<std::optional<double>> PriceParam(const Request& req) {
  if (!req.HasParam("pricePerReplicaHour")) return std::optional<double>();
  const std::string text = req.Param("pricePerReplicaHour");
  char* end = nullptr;
  const double price = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(price) || price < 0) {
    return core::InvalidArgument("expected a finite number >= 0", "pricePerReplicaHour");
  }
  return std::optional<double>(price);
}

// The optional `last` query parameter of the decisions stream: 0..kMaxLast, default 1.
core::StatusOr<int> LastParam(const Request& req) {
  if (!req.HasParam("last")) return 1;
  const std::string text = req.Param("last");
  char* end = nullptr;
  const long last = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || last < 0 || last > PolledStreams::kMaxLast) {
    return core::InvalidArgument(
        "expected an integer from 0 to " + std::to_string(PolledStreams::kMaxLast), "last");
  }
  return static_cast<int>(last);
}

}  // namespace

void AddTargetRoutes(Router& router, TargetService& service, controller::ForecastService& forecasts,
                     std::shared_ptr<PolledStreams> decision_streams) {
  router.Add(AdminRoute("GET", "/api/v1/targets", [&service](RequestContext& ctx, Response& res) {
    auto page = ReadPage(ctx.req, 50);
    if (!page.ok()) return WriteError(res, page.status());
    WritePage(res, service.List(*page), controller::TargetDetailsToJson);
  }));

  router.Add(AdminRoute("POST", "/api/v1/targets", [&service](RequestContext& ctx, Response& res) {
    auto body = ParseBody(ctx.req);
    if (!body.ok()) return WriteError(res, body.status());
    auto created = service.Create(ctx.Actor(), *body);
    if (created.ok()) res.SetHeader("Location", "/api/v1/targets/" + created->record.name);
    WriteTarget(res, 201, created);
  }));

  router.Add(
      AdminRoute("GET", "/api/v1/targets/{name}", [&service](RequestContext& ctx, Response& res) {
        WriteTarget(res, 200, service.Get(ctx.PathParam(0)));
      }));

  router.Add(
      AdminRoute("PUT", "/api/v1/targets/{name}", [&service](RequestContext& ctx, Response& res) {
        auto version = IfMatchVersion(ctx.req);
        if (!version.ok()) return WriteError(res, version.status());
        auto body = ParseBody(ctx.req);
        if (!body.ok()) return WriteError(res, body.status());
        WriteTarget(res, 200, service.Replace(ctx.Actor(), ctx.PathParam(0), *body, *version));
      }));

  router.Add(AdminRoute("DELETE", "/api/v1/targets/{name}",
                        [&service](RequestContext& ctx, Response& res) {
                          auto version = IfMatchVersion(ctx.req);
                          if (!version.ok()) return WriteError(res, version.status());
                          core::Status s = service.Delete(ctx.Actor(), ctx.PathParam(0), *version);
                          if (!s.ok()) return WriteError(res, s);
                          res.status = 204;
                        }));

  router.Add(AdminRoute("GET", "/api/v1/targets/{name}/decisions",
                        [&service](RequestContext& ctx, Response& res) {
                          auto page = ReadPage(ctx.req, 20);
                          if (!page.ok()) return WriteError(res, page.status());
                          WritePage(res, service.Decisions(ctx.PathParam(0), *page),
                                    controller::DecisionRecordToJson);
                        }));

  router.Add(AdminRoute(
      "GET", "/api/v1/targets/{name}/decisions/stream",
      [&service, decision_streams](RequestContext& ctx, Response& res) {
        auto last = LastParam(ctx.req);
        if (!last.ok()) return WriteError(res, last.status());
        auto target = service.Get(ctx.PathParam(0));  // 404 for an unknown target
        if (!target.ok()) return WriteError(res, target.status());
        if (!decision_streams->Start(ctx.PathParam(0), *last, res)) {
          res.SetHeader("Retry-After", "30");
          WriteError(res, core::Unavailable("too many open decision streams; poll the decisions"));
        }
      }));

  router.Add(AdminRoute("GET", "/api/v1/targets/{name}/forecast",
                        [&forecasts](RequestContext& ctx, Response& res) {
                          auto view = forecasts.Forecast(ctx.PathParam(0));
                          if (!view.ok()) return WriteError(res, view.status());
                          WriteJson(res, 200, controller::ForecastViewToJson(*view));
                        }));

  router.Add(AdminRoute("GET", "/api/v1/targets/{name}/capacity",
                        [&forecasts](RequestContext& ctx, Response& res) {
                          auto price = PriceParam(ctx.req);
                          if (!price.ok()) return WriteError(res, price.status());
                          auto report = forecasts.Capacity(ctx.PathParam(0), *price);
                          if (!report.ok()) return WriteError(res, report.status());
                          WriteJson(res, 200, controller::CapacityReportToJson(*report));
                        }));

  router.Add({"POST", "/api/v1/targets/{name}/metrics", Access::kClient, RateClass::kIngest,
              [&service](RequestContext& ctx, Response& res) {
                auto body = ParseBody(ctx.req);
                if (!body.ok()) return WriteError(res, body.status());
                auto accepted = service.PushMetrics(ctx.PathParam(0), *body);
                if (!accepted.ok()) return WriteError(res, accepted.status());
                WriteJson(res, 202, {{"accepted", *accepted}});
              }});

  router.Add({"GET", "/api/v1/targets/{name}/scale", Access::kClient, RateClass::kEvaluation,
              [&service](RequestContext& ctx, Response& res) {
                auto view = service.Scale(ctx.PathParam(0));
                if (!view.ok()) return WriteError(res, view.status());
                WriteJson(res, 200, controller::ScaleViewToJson(*view));
              }});
}

}  // namespace gov::api
