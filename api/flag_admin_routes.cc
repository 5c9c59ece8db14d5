#include "api/internal/flag_admin_routes.h"

#include <charconv>

#include "api/internal/http_util.h"

namespace gov::api {

namespace {

void WriteFeature(Response& res, int status, const flags::AdminFeature& f) {
  res.SetHeader("ETag", "\"" + std::to_string(f.version) + "\"");
  WriteJson(res, status, flags::AdminFeatureToJson(f));
}

void WriteSegment(Response& res, int status, const flags::AdminSegment& s) {
  res.SetHeader("ETag", "\"" + std::to_string(s.version) + "\"");
  WriteJson(res, status, flags::AdminSegmentToJson(s));
}

core::StatusOr<int64_t> SegmentId(const RequestContext& ctx) {
  const std::string text = ctx.PathParam(0);
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id < 1) {
    return core::InvalidArgument("expected a positive integer segment id", "id");
  }
  return id;
}

core::StatusOr<std::string> RequiredQuery(const Request& req, const std::string& name) {
  if (!req.HasParam(name) || req.Param(name).empty()) {
    return core::InvalidArgument("is required", name);
  }
  return req.Param(name);
}

// Body + If-Match for an update handler; writes the error and returns false on failure.
bool ReadUpdate(const RequestContext& ctx, Response& res, core::Json& body,
                std::optional<int64_t>& version, bool need_body = true) {
  auto v = IfMatchVersion(ctx.req);
  if (!v.ok()) {
    WriteError(res, v.status());
    return false;
  }
  version = *v;
  if (!need_body) return true;
  auto parsed = ParseBody(ctx.req);
  if (!parsed.ok()) {
    WriteError(res, parsed.status());
    return false;
  }
  body = std::move(parsed).value();
  return true;
}

// Adds an admin-token route (rate class admin).
void AddRoute(Router& router, std::string method, std::string path, Handler handler) {
  router.Add(
      {std::move(method), std::move(path), Access::kAdmin, RateClass::kAdmin, std::move(handler)});
}

// Writes the feature with `status`, or the error.
void RespondFeature(Response& res, int status, const core::StatusOr<flags::AdminFeature>& f) {
  if (!f.ok()) return WriteError(res, f.status());
  WriteFeature(res, status, *f);
}

// Writes the segment with `status`, or the error.
void RespondSegment(Response& res, int status, const core::StatusOr<flags::AdminSegment>& s) {
  if (!s.ok()) return WriteError(res, s.status());
  WriteSegment(res, status, *s);
}

// 204 No Content, or the error.
void RespondDeleted(Response& res, const core::Status& s) {
  if (!s.ok()) return WriteError(res, s);
  res.status = 204;
}

using FeatureUpdate = std::function<core::StatusOr<flags::AdminFeature>(
    const RequestContext&, const core::Json& body, std::optional<int64_t> version)>;

// A handler that reads If-Match (and the JSON body unless `need_body` is false), applies
// `update` and answers 200 with the feature.
Handler FeatureUpdateHandler(FeatureUpdate update, bool need_body = true) {
  return [update = std::move(update), need_body](RequestContext& ctx, Response& res) {
    core::Json body;
    std::optional<int64_t> version;
    if (!ReadUpdate(ctx, res, body, version, need_body)) return;
    RespondFeature(res, 200, update(ctx, body, version));
  };
}

}  // namespace

void AddFlagAdminRoutes(Router& router, flags::FlagService& service, flags::FlagMetrics& metrics) {
  // Optional `q` (name substring), `limit` and `cursor`; without `limit`, every match and no
  // nextCursor (the list's original shape).
  AddRoute(router, "GET", "/api/v1/flags", [&service](RequestContext& ctx, Response& res) {
    flags::FeatureListQuery query{ctx.req.Param("q"), std::nullopt, ctx.req.Param("cursor")};
    if (ctx.req.HasParam("limit")) {
      auto limit = QueryInt(ctx.req, "limit", 50, 1, 1000);
      if (!limit.ok()) return WriteError(res, limit.status());
      query.limit = *limit;
    }
    auto page = service.ListFeatures(query);
    if (!page.ok()) return WriteError(res, page.status());
    core::Json items = core::Json::array();
    for (const auto& f : page->items) items.push_back(flags::AdminFeatureToJson(f));
    core::Json body{{"items", std::move(items)}};
    if (query.limit) {
      body["nextCursor"] = page->next_cursor.empty() ? core::Json() : core::Json(page->next_cursor);
    }
    WriteJson(res, 200, body);
  });

  AddRoute(router, "POST", "/api/v1/flags", [&service](RequestContext& ctx, Response& res) {
    auto body = ParseBody(ctx.req);
    if (!body.ok()) return WriteError(res, body.status());
    auto created = service.CreateFeature(ctx.Actor(), *body);
    if (!created.ok()) return WriteError(res, created.status());
    res.SetHeader("Location", "/api/v1/flags/" + created->definition.name);
    WriteFeature(res, 201, *created);
  });

  AddRoute(router, "POST", "/api/v1/flags/import", [&service](RequestContext& ctx, Response& res) {
    auto env = RequiredQuery(ctx.req, "environment");
    if (!env.ok()) return WriteError(res, env.status());
    auto body = ParseBody(ctx.req);
    if (!body.ok()) return WriteError(res, body.status());
    auto result = service.Import(ctx.Actor(), *env, *body);
    if (!result.ok()) return WriteError(res, result.status());
    WriteJson(res, 200,
              {{"environments", result->environments},
               {"changedFeatures", result->changed_features},
               {"changedSegments", result->changed_segments}});
  });

  AddRoute(router, "GET", "/api/v1/flags/export", [&service](RequestContext& ctx, Response& res) {
    auto env = RequiredQuery(ctx.req, "environment");
    if (!env.ok()) return WriteError(res, env.status());
    auto exported = service.Export(*env);
    if (!exported.ok()) return WriteError(res, exported.status());
    WriteJson(res, 200, *exported);
  });

  AddRoute(router, "GET", "/api/v1/flags/{name}", [&service](RequestContext& ctx, Response& res) {
    RespondFeature(res, 200, service.GetFeature(ctx.PathParam(0)));
  });

  AddRoute(router, "PUT", "/api/v1/flags/{name}",
           FeatureUpdateHandler([&service](const RequestContext& ctx, const core::Json& body,
                                           std::optional<int64_t> version) {
             return service.ReplaceFeature(ctx.Actor(), ctx.PathParam(0), body, version);
           }));

  AddRoute(router, "PATCH", "/api/v1/flags/{name}",
           FeatureUpdateHandler([&service](const RequestContext& ctx, const core::Json& body,
                                           std::optional<int64_t> version) {
             return service.PatchFeature(ctx.Actor(), ctx.PathParam(0), body, version);
           }));

  AddRoute(router, "DELETE", "/api/v1/flags/{name}",
           [&service](RequestContext& ctx, Response& res) {
             core::Json body;
             std::optional<int64_t> version;
             if (!ReadUpdate(ctx, res, body, version, false)) return;
             RespondDeleted(res, service.DeleteFeature(ctx.Actor(), ctx.PathParam(0), version));
           });

  for (const bool on : {true, false}) {
    AddRoute(router, "POST",
             std::string("/api/v1/flags/{name}/environments/{env}/") + (on ? "on" : "off"),
             FeatureUpdateHandler(
                 [&service, on](const RequestContext& ctx, const core::Json&,
                                std::optional<int64_t> version) {
                   return service.SetEnabled(ctx.Actor(), ctx.PathParam(0), ctx.PathParam(1), on,
                                             version);
                 },
                 /*need_body=*/false));
  }

  AddRoute(router, "PUT", "/api/v1/flags/{name}/environments/{env}/strategies",
           FeatureUpdateHandler([&service](const RequestContext& ctx, const core::Json& body,
                                           std::optional<int64_t> version) {
             return service.SetStrategies(ctx.Actor(), ctx.PathParam(0), ctx.PathParam(1), body,
                                          version);
           }));

  AddRoute(router, "PUT", "/api/v1/flags/{name}/environments/{env}/variants",
           FeatureUpdateHandler([&service](const RequestContext& ctx, const core::Json& body,
                                           std::optional<int64_t> version) {
             return service.SetVariants(ctx.Actor(), ctx.PathParam(0), ctx.PathParam(1), body,
                                        version);
           }));

  AddRoute(router, "GET", "/api/v1/flags/{name}/metrics",
           [&metrics](RequestContext& ctx, Response& res) {
             std::optional<std::string> env;
             if (ctx.req.HasParam("environment")) env = ctx.req.Param("environment");
             auto m = metrics.FeatureMetrics(ctx.PathParam(0), env);
             if (!m.ok()) return WriteError(res, m.status());
             WriteJson(res, 200, *m);
           });

  // The SDK instances that registered or used the client API; optional `environment`.
  AddRoute(router, "GET", "/api/v1/applications", [&metrics](RequestContext& ctx, Response& res) {
    std::optional<std::string> env;
    if (ctx.req.HasParam("environment")) env = ctx.req.Param("environment");
    auto list = metrics.instances().List(env);
    if (!list.ok()) return WriteError(res, list.status());
    WriteJson(res, 200, *list);
  });

  AddRoute(router, "GET", "/api/v1/segments", [&service](RequestContext&, Response& res) {
    auto segments = service.ListSegments();
    if (!segments.ok()) return WriteError(res, segments.status());
    core::Json items = core::Json::array();
    for (const auto& s : *segments) items.push_back(flags::AdminSegmentToJson(s));
    WriteJson(res, 200, {{"items", std::move(items)}});
  });

  AddRoute(router, "POST", "/api/v1/segments", [&service](RequestContext& ctx, Response& res) {
    auto body = ParseBody(ctx.req);
    if (!body.ok()) return WriteError(res, body.status());
    auto created = service.CreateSegment(ctx.Actor(), *body);
    if (!created.ok()) return WriteError(res, created.status());
    res.SetHeader("Location", "/api/v1/segments/" + std::to_string(created->segment.id));
    WriteSegment(res, 201, *created);
  });

  AddRoute(router, "GET", "/api/v1/segments/{id}", [&service](RequestContext& ctx, Response& res) {
    auto id = SegmentId(ctx);
    if (!id.ok()) return WriteError(res, id.status());
    RespondSegment(res, 200, service.GetSegment(*id));
  });

  AddRoute(router, "PUT", "/api/v1/segments/{id}", [&service](RequestContext& ctx, Response& res) {
    auto id = SegmentId(ctx);
    if (!id.ok()) return WriteError(res, id.status());
    core::Json body;
    std::optional<int64_t> version;
    if (!ReadUpdate(ctx, res, body, version)) return;
    RespondSegment(res, 200, service.ReplaceSegment(ctx.Actor(), *id, body, version));
  });

  AddRoute(router, "DELETE", "/api/v1/segments/{id}",
           [&service](RequestContext& ctx, Response& res) {
             auto id = SegmentId(ctx);
             if (!id.ok()) return WriteError(res, id.status());
             core::Json body;
             std::optional<int64_t> version;
             if (!ReadUpdate(ctx, res, body, version, false)) return;
             RespondDeleted(res, service.DeleteSegment(ctx.Actor(), *id, version));
           });
}

}  // namespace gov::api
