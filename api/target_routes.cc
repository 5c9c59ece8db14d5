#include "api/target_routes.h"

#include "api/http_util.h"
#include "api/openapi.h"
#include "api/paging.h"

namespace gov::api {

namespace {

using controller::TargetService;

controller::ChangeContext Change(const RequestContext& ctx) {
  return {ctx.Actor(), ctx.request_id};
}

// Every target route but push (ingest) and scale (evaluation) is an admin route.
Route AdminRoute(std::string method, std::string path, Handler handler, RouteDoc doc) {
  Route route;
  route.method = std::move(method);
  route.path = std::move(path);
  route.access = Access::kAdmin;
  route.rate_class = "admin";
  route.handler = std::move(handler);
  route.doc = std::move(doc);
  return route;
}

// The target, with its version as the ETag, or the error.
void WriteTarget(Response& res, int status,
                 const core::StatusOr<controller::TargetDetails>& details) {
  if (!details.ok()) return WriteError(res, details.status());
  res.SetHeader("ETag", "\"" + std::to_string(details->record.version) + "\"");
  WriteJson(res, status, controller::TargetDetailsToJson(*details));
}

// Inline schemas (the shared components list belongs to openapi.cc).
core::Json SpecSchema() {
  return {{"type", "object"},
          {"description",
           "A target as in the config file's `targets:` (config/examples/web.yaml): name, "
           "minReplicas, maxReplicas, syncPeriodSeconds, tolerance, metricMaxAgeSeconds, mode "
           "(active|dryRun), metrics, behavior (Kubernetes HPA v2), cooldown, hook. Unknown "
           "fields are rejected; errors name the field."},
          {"required", {"maxReplicas", "metrics"}},
          {"properties",
           {{"name", {{"type", "string"}, {"pattern", "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"}}},
            {"minReplicas", {{"type", "integer"}, {"minimum", 1}}},
            {"maxReplicas", {{"type", "integer"}, {"minimum", 1}}},
            {"syncPeriodSeconds", {{"type", "integer"}, {"minimum", 1}, {"maximum", 3600}}},
            {"tolerance", {{"type", "number"}, {"minimum", 0}}},
            {"metricMaxAgeSeconds", {{"type", "integer"}, {"minimum", 1}}},
            {"mode", {{"enum", {"active", "dryRun"}}}},
            {"metrics", {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "object"}}}}},
            {"behavior", {{"type", "object"}}},
            {"cooldown", {{"type", "object"}}},
            {"hook", {{"type", "object"}}}}}};
}

core::Json TargetSchema() {
  return {{"type", "object"},
          {"required", {"name", "source", "version", "spec", "status"}},
          {"properties",
           {{"name", {{"type", "string"}}},
            {"source", {{"enum", {"api", "config"}}}},
            {"version", {{"type", "integer"}}},
            {"createdAt", {{"type", "string"}, {"format", "date-time"}}},
            {"updatedAt", {{"type", "string"}, {"format", "date-time"}}},
            {"spec", SpecSchema()},
            {"status",
             {{"type", "object"},
              {"properties",
               {{"replicas", {{"type", {"integer", "null"}}}},
                {"desiredReplicas", {{"type", {"integer", "null"}}}},
                {"lastSyncAt", {{"type", {"string", "null"}}}},
                {"epoch", {{"type", {"integer", "null"}}}},
                {"lastDecision", {{"type", {"object", "null"}}}},
                {"conditions", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}}}}}};
}

core::Json DecisionSchema() {
  return {{"type", "object"},
          {"required", {"id", "target", "at", "epoch", "replicas", "reason", "actuation"}},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"target", {{"type", "string"}}},
            {"at", {{"type", "string"}, {"format", "date-time"}}},
            {"epoch", {{"type", "integer"}}},
            {"mode", {{"enum", {"active", "dryRun"}}}},
            {"currentReplicas", {{"type", "integer"}}},
            {"replicasSource", {{"enum", {"hook", "lastDecision", "minReplicas"}}}},
            {"replicas", {{"type", "integer"}}},
            {"reason", {{"type", "string"}}},
            {"message", {{"type", "string"}}},
            {"actuation", {{"type", "object"}}},
            {"metrics", {{"type", "array"}}},
            {"decision", {{"type", "object"}}}}}};
}

}  // namespace

void AddTargetRoutes(Router& router, TargetService& service) {
  router.Add(AdminRoute("GET", "/api/v1/targets",
                        [&service](RequestContext& ctx, Response& res) {
                          auto page = ReadPage(ctx.req, 50);
                          if (!page.ok()) return WriteError(res, page.status());
                          WritePage(res, service.List(*page), controller::TargetDetailsToJson);
                        },
                        {"List autoscaling targets with their status",
                         "targets",
                         nullptr,
                         {{200, PageSchema(TargetSchema())}, {400, ErrorSchema()}},
                         {"limit", "cursor"}}));

  router.Add(AdminRoute("POST", "/api/v1/targets",
                        [&service](RequestContext& ctx, Response& res) {
                          auto body = ParseBody(ctx.req);
                          if (!body.ok()) return WriteError(res, body.status());
                          auto created = service.Create(Change(ctx), *body);
                          if (created.ok())
                            res.SetHeader("Location", "/api/v1/targets/" + created->record.name);
                          WriteTarget(res, 201, created);
                        },
                        {"Create an autoscaling target",
                         "targets",
                         SpecSchema(),
                         {{201, TargetSchema()}, {400, ErrorSchema()}, {409, ErrorSchema()}},
                         {}}));

  router.Add(AdminRoute(
      "GET", "/api/v1/targets/{name}",
      [&service](RequestContext& ctx, Response& res) {
        WriteTarget(res, 200, service.Get(ctx.PathParam(0)));
      },
      {"A target, its status (replicas, desired, last decision) and HPA-style conditions",
       "targets",
       nullptr,
       {{200, TargetSchema()}, {404, ErrorSchema()}},
       {}}));

  router.Add(AdminRoute(
      "PUT", "/api/v1/targets/{name}",
      [&service](RequestContext& ctx, Response& res) {
        auto version = IfMatchVersion(ctx.req);
        if (!version.ok()) return WriteError(res, version.status());
        auto body = ParseBody(ctx.req);
        if (!body.ok()) return WriteError(res, body.status());
        WriteTarget(res, 200, service.Replace(Change(ctx), ctx.PathParam(0), *body, *version));
      },
      {"Replace a target's spec (If-Match: \"<version>\" optional; 409 when stale or "
       "defined in the config file)",
       "targets",
       SpecSchema(),
       {{200, TargetSchema()}, {400, ErrorSchema()}, {404, ErrorSchema()}, {409, ErrorSchema()}},
       {}}));

  router.Add(AdminRoute("DELETE", "/api/v1/targets/{name}",
                        [&service](RequestContext& ctx, Response& res) {
                          auto version = IfMatchVersion(ctx.req);
                          if (!version.ok()) return WriteError(res, version.status());
                          core::Status s = service.Delete(Change(ctx), ctx.PathParam(0), *version);
                          if (!s.ok()) return WriteError(res, s);
                          res.status = 204;
                        },
                        {"Delete a target with its state and decisions (If-Match optional)",
                         "targets",
                         nullptr,
                         {{204, nullptr}, {404, ErrorSchema()}, {409, ErrorSchema()}},
                         {}}));

  router.Add(AdminRoute("GET", "/api/v1/targets/{name}/decisions",
                        [&service](RequestContext& ctx, Response& res) {
                          auto page = ReadPage(ctx.req, 20);
                          if (!page.ok()) return WriteError(res, page.status());
                          WritePage(res, service.Decisions(ctx.PathParam(0), *page),
                                    controller::DecisionRecordToJson);
                        },
                        {"The target's decisions, newest first, with their inputs and explanation",
                         "targets",
                         nullptr,
                         {{200, PageSchema(DecisionSchema())}, {404, ErrorSchema()}},
                         {"limit", "cursor"}}));

  router.Add(
      {"POST",
       "/api/v1/targets/{name}/metrics",
       Access::kClient,
       "ingest",
       [&service](RequestContext& ctx, Response& res) {
         auto body = ParseBody(ctx.req);
         if (!body.ok()) return WriteError(res, body.status());
         auto accepted = service.PushMetrics(ctx.PathParam(0), *body);
         if (!accepted.ok()) return WriteError(res, accepted.status());
         WriteJson(res, 202, {{"accepted", *accepted}});
       },
       {"Push metric samples for a target's `source: push` metrics",
        "targets",
        core::Json{
            {"type", "object"},
            {"required", {"samples"}},
            {"additionalProperties", false},
            {"properties",
             {{"samples",
               {{"type", "array"},
                {"minItems", 1},
                {"maxItems", controller::kMaxSamplesPerPush},
                {"items",
                 {{"type", "object"},
                  {"required", {"metric", "value"}},
                  {"additionalProperties", false},
                  {"properties",
                   {{"metric", {{"type", "string"}}},
                    {"value", {{"type", "number"}, {"minimum", 0}}},
                    {"timestamp", {{"description", "Unix seconds or RFC 3339; default now"}}},
                    {"instance", {{"type", "string"}, {"maxLength", 256}}}}}}}}}}}},
        {{202, {{"type", "object"}, {"properties", {{"accepted", {{"type", "integer"}}}}}}},
         {400, ErrorSchema()},
         {404, ErrorSchema()}},
        {}}});

  router.Add({"GET",
              "/api/v1/targets/{name}/scale",
              Access::kClient,
              "evaluation",
              [&service](RequestContext& ctx, Response& res) {
                auto view = service.Scale(ctx.PathParam(0));
                if (!view.ok()) return WriteError(res, view.status());
                WriteJson(res, 200, controller::ScaleViewToJson(*view));
              },
              {"The replica count the last decision set, for platforms that poll (KEDA "
               "metrics-api: valueLocation desiredReplicas); 409 in dryRun mode, 503 before "
               "the first decision",
               "targets",
               nullptr,
               {{200,
                 {{"type", "object"},
                  {"required", {"desiredReplicas"}},
                  {"properties",
                   {{"target", {{"type", "string"}}},
                    {"desiredReplicas", {{"type", "integer"}}},
                    {"currentReplicas", {{"type", "integer"}}},
                    {"decisionId", {{"type", "string"}}},
                    {"decidedAt", {{"type", "string"}, {"format", "date-time"}}},
                    {"mode", {{"enum", {"active"}}}}}}}},
                {404, ErrorSchema()},
                {409, ErrorSchema()},
                {503, ErrorSchema()}},
               {}}});
}

}  // namespace gov::api
