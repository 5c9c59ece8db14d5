#include "api/internal/release_plan_routes.h"

#include <string>

#include "api/internal/http_util.h"
#include "api/internal/paging.h"
#include "rollouts/plan_json.h"

namespace gov::api {

namespace {

using rollouts::ReleasePlanService;

// The plan's read view, or the error. A state that refuses an action
// (kFailedPrecondition from the service) is a conflict with the resource's state: 409.
void WritePlan(Response& res, int status, const core::StatusOr<rollouts::ReleasePlan>& plan) {
  if (!plan.ok()) {
    const core::Status& s = plan.status();
    if (s.code() == core::StatusCode::kFailedPrecondition) {
      return WriteError(res, core::Status(core::StatusCode::kConflict, s.message(), s.field()));
    }
    return WriteError(res, s);
  }
  WriteJson(res, status, rollouts::ReleasePlanToJson(*plan));
}

Route ActionRoute(ReleasePlanService& service, rollouts::Action action) {
  const std::string name(rollouts::NameOf(rollouts::kActionNames, action));
  return AdminRoute("POST", "/api/v1/release-plans/{name}/" + name,
                    [&service, action](RequestContext& ctx, Response& res) {
                      WritePlan(res, 200, service.Act(ctx.Actor(), ctx.PathParam(0), action));
                    });
}

void AddTemplateRoutes(Router& router, ReleasePlanService& service) {
  router.Add(AdminRoute("GET", "/api/v1/release-plan-templates",
                        [&service](RequestContext&, Response& res) {
                          auto templates = service.ListTemplates();
                          if (!templates.ok()) return WriteError(res, templates.status());
                          core::Json items = core::Json::array();
                          for (const rollouts::ReleasePlanSpec& t : *templates) {
                            items.push_back(rollouts::PlanTemplateToJson(t));
                          }
                          WriteJson(res, 200, {{"items", std::move(items)}});
                        }));

  router.Add(AdminRoute("POST", "/api/v1/release-plan-templates",
                        [&service](RequestContext& ctx, Response& res) {
                          auto body = ParseBody(ctx.req);
                          if (!body.ok()) return WriteError(res, body.status());
                          auto put = service.PutTemplate(ctx.Actor(), *body);
                          if (!put.ok()) return WriteError(res, put.status());
                          const auto& [spec, created] = *put;
                          res.SetHeader("Location", "/api/v1/release-plan-templates/" + spec.name);
                          WriteJson(res, created ? 201 : 200, rollouts::PlanTemplateToJson(spec));
                        }));

  router.Add(AdminRoute("GET", "/api/v1/release-plan-templates/{name}",
                        [&service](RequestContext& ctx, Response& res) {
                          auto t = service.GetTemplate(ctx.PathParam(0));
                          if (!t.ok()) return WriteError(res, t.status());
                          WriteJson(res, 200, rollouts::PlanTemplateToJson(*t));
                        }));

  router.Add(AdminRoute("DELETE", "/api/v1/release-plan-templates/{name}",
                        [&service](RequestContext& ctx, Response& res) {
                          core::Status s = service.DeleteTemplate(ctx.Actor(), ctx.PathParam(0));
                          if (!s.ok()) return WriteError(res, s);
                          res.status = 204;
                        }));
}

}  // namespace

void AddReleasePlanRoutes(Router& router, ReleasePlanService& service,
                          std::shared_ptr<PolledStreams> plan_streams) {
  router.Add(
      AdminRoute("GET", "/api/v1/release-plans", [&service](RequestContext& ctx, Response& res) {
        auto page = ReadPage(ctx.req, 50);
        if (!page.ok()) return WriteError(res, page.status());
        WritePage(res, service.List(*page), rollouts::ReleasePlanToJson);
      }));

  router.Add(
      AdminRoute("POST", "/api/v1/release-plans", [&service](RequestContext& ctx, Response& res) {
        auto body = ParseBody(ctx.req);
        if (!body.ok()) return WriteError(res, body.status());
        auto created = service.Create(ctx.Actor(), *body);
        if (created.ok()) res.SetHeader("Location", "/api/v1/release-plans/" + created->spec.name);
        WritePlan(res, 201, created);
      }));

  router.Add(AdminRoute("GET", "/api/v1/release-plans/{name}",
                        [&service](RequestContext& ctx, Response& res) {
                          WritePlan(res, 200, service.Get(ctx.PathParam(0)));
                        }));

  router.Add(AdminRoute(
      "GET", "/api/v1/release-plans/{name}/stream",
      [&service, plan_streams](RequestContext& ctx, Response& res) {
        auto plan = service.Get(ctx.PathParam(0));  // 404 for an unknown plan
        if (!plan.ok()) return WriteError(res, plan.status());
        if (!plan_streams->Start(ctx.PathParam(0), 1, res)) {
          res.SetHeader("Retry-After", "30");
          WriteError(res, core::Unavailable("too many open plan streams; poll the plan"));
        }
      }));

  router.Add(AdminRoute("DELETE", "/api/v1/release-plans/{name}",
                        [&service](RequestContext& ctx, Response& res) {
                          core::Status s = service.Delete(ctx.Actor(), ctx.PathParam(0));
                          if (!s.ok()) return WriteError(res, s);
                          res.status = 204;
                        }));

  for (rollouts::Action action :
       {rollouts::Action::kStart, rollouts::Action::kPause, rollouts::Action::kResume,
        rollouts::Action::kAdvance, rollouts::Action::kRollback}) {
    router.Add(ActionRoute(service, action));
  }

  AddTemplateRoutes(router, service);
}

}  // namespace gov::api
