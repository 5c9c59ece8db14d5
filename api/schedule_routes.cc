#include "api/internal/schedule_routes.h"

#include <charconv>

#include "api/internal/http_util.h"
#include "api/internal/paging.h"

namespace gov::api {

namespace {

// The {id} path parameter (the third): a positive integer, else a 400 naming "id".
core::StatusOr<int64_t> ChangeId(const RequestContext& ctx) {
  const std::string text = ctx.PathParam(2);
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id < 1) {
    return core::InvalidArgument("expected a positive integer scheduled change id", "id");
  }
  return id;
}

void WriteChange(Response& res, int status, const core::StatusOr<flags::ScheduledChange>& change) {
  if (!change.ok()) return WriteError(res, change.status());
  WriteJson(res, status, flags::ScheduledChangeToJson(*change));
}

}  // namespace

void AddScheduleRoutes(Router& router, flags::ScheduledChangeService& service) {
  const std::string schedule = "/api/v1/flags/{name}/environments/{env}/schedule";

  router.Add(AdminRoute("POST", schedule, [&service](RequestContext& ctx, Response& res) {
    auto body = ParseBody(ctx.req);
    if (!body.ok()) return WriteError(res, body.status());
    WriteChange(res, 201, service.Create(ctx.Actor(), ctx.PathParam(0), ctx.PathParam(1), *body));
  }));

  router.Add(AdminRoute("GET", schedule, [&service](RequestContext& ctx, Response& res) {
    auto page = ReadPage(ctx.req, 50);
    if (!page.ok()) return WriteError(res, page.status());
    WritePage(res, service.ListForFlag(ctx.PathParam(0), ctx.PathParam(1), *page),
              flags::ScheduledChangeToJson);
  }));

  router.Add(
      AdminRoute("DELETE", schedule + "/{id}", [&service](RequestContext& ctx, Response& res) {
        auto id = ChangeId(ctx);
        if (!id.ok()) return WriteError(res, id.status());
        WriteChange(res, 200, service.Cancel(ctx.Actor(), ctx.PathParam(0), ctx.PathParam(1), *id));
      }));

  router.Add(AdminRoute("GET", "/api/v1/scheduled-changes",
                        [&service](RequestContext& ctx, Response& res) {
                          auto page = ReadPage(ctx.req, 50);
                          if (!page.ok()) return WriteError(res, page.status());
                          std::optional<std::string> state;
                          if (ctx.req.HasParam("state")) state = ctx.req.Param("state");
                          WritePage(res, service.List(state, *page), flags::ScheduledChangeToJson);
                        }));
}

}  // namespace gov::api
