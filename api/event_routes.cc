#include "api/internal/event_routes.h"

#include "api/internal/http_util.h"
#include "experiments/event_json.h"

namespace gov::api {

namespace {

core::Json ResultJson(const experiments::IngestResult& result) {
  core::Json rejected = core::Json::array();
  for (const experiments::EventError& e : result.rejected) {
    rejected.push_back(experiments::EventErrorJson(e));
  }
  return core::Json{{"accepted", result.accepted},
                    {"duplicates", result.duplicates},
                    {"rejected", std::move(rejected)}};
}

void IngestRoute(experiments::EventService& events, RequestContext& ctx, Response& res) {
  auto body = ParseBody(ctx.req);
  if (!body.ok()) return WriteError(res, body.status());
  auto batch = experiments::ParseEventBatch(*body);
  if (!batch.ok()) return WriteError(res, batch.status());
  const size_t size = batch->size;
  auto result = events.Ingest(PrincipalEnvironment(ctx), std::move(batch).value());
  if (!result.ok()) {
    if (result.status().code() == core::StatusCode::kResourceExhausted) {
      res.SetHeader("Retry-After", "1");
    }
    return WriteError(res, result.status());
  }
  // Nothing valid in a non-empty batch: the request as a whole is bad.
  const bool none_valid = size > 0 && result->rejected.size() == size;
  WriteJson(res, none_valid ? 400 : 202, ResultJson(*result));
}

}  // namespace

void AddEventRoutes(Router& router, const std::shared_ptr<FlagApi>& api,
                    experiments::EventService& events) {
  AddCorsRoute(router, api,
               {"POST", "/api/v1/events", Access::kClientOrFrontend, RateClass::kIngest,
                [&events](RequestContext& ctx, Response& res) { IngestRoute(events, ctx, res); }});
  AddPreflightRoutes(router, api, {"/api/v1/events"}, "POST, OPTIONS");
}

}  // namespace gov::api
