#include "api/flag_admin_routes.h"

#include <charconv>

#include "api/http_util.h"
#include "api/openapi.h"

namespace gov::api {

namespace {

flags::ChangeAuthor Author(const RequestContext& ctx) { return {ctx.Actor(), ctx.request_id}; }

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

core::Json Obj(core::Json properties, std::vector<std::string> required = {}) {
  core::Json j{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) j["required"] = required;
  return j;
}

const core::Json& ArrayOfObjects() {
  static const core::Json kSchema{{"type", "array"}, {"items", {{"type", "object"}}}};
  return kSchema;
}

// The admin JSON of a feature (see docs/README "Feature flags").
core::Json EnvironmentStateSchema() {
  return Obj({{"enabled", {{"type", "boolean"}}},
              {"strategies", ArrayOfObjects()},
              {"variants", ArrayOfObjects()}});
}

core::Json FlagBodySchema() {
  core::Json j = Obj(
      {{"name", {{"type", "string"}, {"pattern", "^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,99}$"}}},
       {"project", {{"type", "string"}, {"default", "default"}}},
       {"type", {{"enum", {"release", "experiment", "operational", "kill-switch", "permission"}}}},
       {"description", {{"type", {"string", "null"}}}},
       {"stale", {{"type", "boolean"}}},
       {"impressionData", {{"type", "boolean"}}},
       {"dependencies", ArrayOfObjects()},
       {"environments", {{"type", "object"}, {"additionalProperties", EnvironmentStateSchema()}}}},
      {"name"});
  return j;
}

core::Json FlagSchema() {
  core::Json j = FlagBodySchema();
  j["properties"]["version"] = {{"type", "integer"}};
  j["properties"]["createdAt"] = {{"type", "string"}, {"format", "date-time"}};
  j["properties"]["updatedAt"] = {{"type", "string"}, {"format", "date-time"}};
  j["required"] = {"name", "project", "type", "environments", "version"};
  return j;
}

core::Json SegmentBodySchema() {
  return Obj({{"name", {{"type", "string"}, {"minLength", 1}}}, {"constraints", ArrayOfObjects()}},
             {"name"});
}

core::Json SegmentSchema() {
  core::Json j = SegmentBodySchema();
  j["properties"]["id"] = {{"type", "integer"}};
  j["properties"]["version"] = {{"type", "integer"}};
  j["required"] = {"id", "name", "constraints", "version"};
  return j;
}

core::Json ClientFeaturesSchema() {
  return Obj({{"version", {{"type", "integer"}}},
              {"features", ArrayOfObjects()},
              {"segments", ArrayOfObjects()}},
             {"version", "features"});
}

core::Json ItemsSchema(const core::Json& item) {
  return Obj({{"items", {{"type", "array"}, {"items", item}}}}, {"items"});
}

std::map<int, core::Json> Errors(std::map<int, core::Json> ok, std::initializer_list<int> codes) {
  for (int c : codes) ok[c] = ErrorSchema();
  return ok;
}

// Adds an admin-token route (rate class "admin") documented under the "flags" tag.
void AddRoute(Router& router, std::string method, std::string path, Handler handler,
              std::string summary, core::Json request_schema, std::map<int, core::Json> responses,
              std::vector<std::string> query = {}) {
  router.Add({std::move(method),
              std::move(path),
              Access::kAdmin,
              "admin",
              std::move(handler),
              {std::move(summary), "flags", std::move(request_schema), std::move(responses),
               std::move(query)}});
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
  AddRoute(router, "GET", "/api/v1/flags",
           [&service](RequestContext&, Response& res) {
             auto features = service.ListFeatures();
             if (!features.ok()) return WriteError(res, features.status());
             core::Json items = core::Json::array();
             for (const auto& f : *features) items.push_back(flags::AdminFeatureToJson(f));
             WriteJson(res, 200, {{"items", std::move(items)}});
           },
           "List feature flags with their state in every environment", nullptr,
           {{200, ItemsSchema(FlagSchema())}});

  AddRoute(
      router, "POST", "/api/v1/flags",
      [&service](RequestContext& ctx, Response& res) {
        auto body = ParseBody(ctx.req);
        if (!body.ok()) return WriteError(res, body.status());
        auto created = service.CreateFeature(Author(ctx), *body);
        if (!created.ok()) return WriteError(res, created.status());
        res.SetHeader("Location", "/api/v1/flags/" + created->definition.name);
        WriteFeature(res, 201, *created);
      },
      "Create a feature flag; environments not listed start disabled", FlagBodySchema(),
      Errors({{201, FlagSchema()}}, {400, 409}));

  AddRoute(router, "POST", "/api/v1/flags/import",
           [&service](RequestContext& ctx, Response& res) {
             auto env = RequiredQuery(ctx.req, "environment");
             if (!env.ok()) return WriteError(res, env.status());
             auto body = ParseBody(ctx.req);
             if (!body.ok()) return WriteError(res, body.status());
             auto result = service.Import(Author(ctx), *env, *body);
             if (!result.ok()) return WriteError(res, result.status());
             WriteJson(res, 200,
                       {{"environments", result->environments},
                        {"changedFeatures", result->changed_features},
                        {"changedSegments", result->changed_segments}});
           },
           "Import flags in the Unleash client-API format into one environment (listed "
           "features and segments are created or replaced, others kept)",
           ClientFeaturesSchema(),
           Errors({{200, Obj({{"environments", {{"type", "array"}}},
                              {"changedFeatures", {{"type", "array"}}},
                              {"changedSegments", {{"type", "array"}}}})}},
                  {400, 404}),
           {"environment"});

  AddRoute(router, "GET", "/api/v1/flags/export",
           [&service](RequestContext& ctx, Response& res) {
             auto env = RequiredQuery(ctx.req, "environment");
             if (!env.ok()) return WriteError(res, env.status());
             auto exported = service.Export(*env);
             if (!exported.ok()) return WriteError(res, exported.status());
             WriteJson(res, 200, *exported);
           },
           "Export one environment's flags in the Unleash client-API format", nullptr,
           Errors({{200, ClientFeaturesSchema()}}, {400, 404}), {"environment"});

  AddRoute(
      router, "GET", "/api/v1/flags/{name}",
      [&service](RequestContext& ctx, Response& res) {
        RespondFeature(res, 200, service.GetFeature(ctx.PathParam(0)));
      },
      "Get a feature flag (ETag: its version)", nullptr, Errors({{200, FlagSchema()}}, {404}));

  AddRoute(router, "PUT", "/api/v1/flags/{name}",
           FeatureUpdateHandler([&service](const RequestContext& ctx, const core::Json& body,
                                           std::optional<int64_t> version) {
             return service.ReplaceFeature(Author(ctx), ctx.PathParam(0), body, version);
           }),
           "Replace a feature flag (If-Match: version; environments left out become "
           "disabled with no strategies)",
           FlagBodySchema(), Errors({{200, FlagSchema()}}, {400, 404, 409}));

  AddRoute(router, "PATCH", "/api/v1/flags/{name}",
           FeatureUpdateHandler([&service](const RequestContext& ctx, const core::Json& body,
                                           std::optional<int64_t> version) {
             return service.PatchFeature(Author(ctx), ctx.PathParam(0), body, version);
           }),
           "Change a feature flag with a JSON merge patch (RFC 7396) of its admin JSON "
           "(If-Match: version)",
           core::Json{{"type", "object"}}, Errors({{200, FlagSchema()}}, {400, 404, 409}));

  AddRoute(
      router, "DELETE", "/api/v1/flags/{name}",
      [&service](RequestContext& ctx, Response& res) {
        core::Json body;
        std::optional<int64_t> version;
        if (!ReadUpdate(ctx, res, body, version, false)) return;
        RespondDeleted(res, service.DeleteFeature(Author(ctx), ctx.PathParam(0), version));
      },
      "Delete a feature flag (If-Match: version; 409 while other flags depend on it)", nullptr,
      Errors({{204, nullptr}}, {404, 409}));

  for (const bool on : {true, false}) {
    AddRoute(router, "POST",
             std::string("/api/v1/flags/{name}/environments/{env}/") + (on ? "on" : "off"),
             FeatureUpdateHandler(
                 [&service, on](const RequestContext& ctx, const core::Json&,
                                std::optional<int64_t> version) {
                   return service.SetEnabled(Author(ctx), ctx.PathParam(0), ctx.PathParam(1), on,
                                             version);
                 },
                 /*need_body=*/false),
             std::string("Turn a feature flag ") + (on ? "on" : "off") +
                 " in one environment (no body; If-Match optional)",
             core::Json{{"type", "object"}, {"description", "ignored; send no body"}},
             Errors({{200, FlagSchema()}}, {400, 404, 409}));
  }

  AddRoute(router, "PUT", "/api/v1/flags/{name}/environments/{env}/strategies",
           FeatureUpdateHandler([&service](const RequestContext& ctx, const core::Json& body,
                                           std::optional<int64_t> version) {
             return service.SetStrategies(Author(ctx), ctx.PathParam(0), ctx.PathParam(1), body,
                                          version);
           }),
           "Replace a feature flag's strategies in one environment (errors name e.g. "
           "strategies[1].constraints[0].operator)",
           Obj({{"strategies", ArrayOfObjects()}}, {"strategies"}),
           Errors({{200, FlagSchema()}}, {400, 404, 409}));

  AddRoute(router, "PUT", "/api/v1/flags/{name}/environments/{env}/variants",
           FeatureUpdateHandler([&service](const RequestContext& ctx, const core::Json& body,
                                           std::optional<int64_t> version) {
             return service.SetVariants(Author(ctx), ctx.PathParam(0), ctx.PathParam(1), body,
                                        version);
           }),
           "Replace a feature flag's variants in one environment",
           Obj({{"variants", ArrayOfObjects()}}, {"variants"}),
           Errors({{200, FlagSchema()}}, {400, 404, 409}));

  AddRoute(
      router, "GET", "/api/v1/flags/{name}/metrics",
      [&metrics](RequestContext& ctx, Response& res) {
        std::optional<std::string> env;
        if (ctx.req.HasParam("environment")) env = ctx.req.Param("environment");
        auto m = metrics.FeatureMetrics(ctx.PathParam(0), env);
        if (!m.ok()) return WriteError(res, m.status());
        WriteJson(res, 200, *m);
      },
      "Client metrics of a flag: yes/no and variant counts per app, environment and hour", nullptr,
      Errors({{200, Obj({{"name", {{"type", "string"}}}, {"items", ArrayOfObjects()}})}}, {404}),
      {"environment"});

  AddRoute(router, "GET", "/api/v1/segments",
           [&service](RequestContext&, Response& res) {
             auto segments = service.ListSegments();
             if (!segments.ok()) return WriteError(res, segments.status());
             core::Json items = core::Json::array();
             for (const auto& s : *segments) items.push_back(flags::AdminSegmentToJson(s));
             WriteJson(res, 200, {{"items", std::move(items)}});
           },
           "List segments", nullptr, {{200, ItemsSchema(SegmentSchema())}});

  AddRoute(
      router, "POST", "/api/v1/segments",
      [&service](RequestContext& ctx, Response& res) {
        auto body = ParseBody(ctx.req);
        if (!body.ok()) return WriteError(res, body.status());
        auto created = service.CreateSegment(Author(ctx), *body);
        if (!created.ok()) return WriteError(res, created.status());
        res.SetHeader("Location", "/api/v1/segments/" + std::to_string(created->segment.id));
        WriteSegment(res, 201, *created);
      },
      "Create a segment (a named constraint set; the id is assigned)", SegmentBodySchema(),
      Errors({{201, SegmentSchema()}}, {400}));

  AddRoute(
      router, "GET", "/api/v1/segments/{id}",
      [&service](RequestContext& ctx, Response& res) {
        auto id = SegmentId(ctx);
        if (!id.ok()) return WriteError(res, id.status());
        RespondSegment(res, 200, service.GetSegment(*id));
      },
      "Get a segment", nullptr, Errors({{200, SegmentSchema()}}, {400, 404}));

  AddRoute(
      router, "PUT", "/api/v1/segments/{id}",
      [&service](RequestContext& ctx, Response& res) {
        auto id = SegmentId(ctx);
        if (!id.ok()) return WriteError(res, id.status());
        core::Json body;
        std::optional<int64_t> version;
        if (!ReadUpdate(ctx, res, body, version)) return;
        RespondSegment(res, 200, service.ReplaceSegment(Author(ctx), *id, body, version));
      },
      "Replace a segment (If-Match: version)", SegmentBodySchema(),
      Errors({{200, SegmentSchema()}}, {400, 404, 409}));

  AddRoute(
      router, "DELETE", "/api/v1/segments/{id}",
      [&service](RequestContext& ctx, Response& res) {
        auto id = SegmentId(ctx);
        if (!id.ok()) return WriteError(res, id.status());
        core::Json body;
        std::optional<int64_t> version;
        if (!ReadUpdate(ctx, res, body, version, false)) return;
        RespondDeleted(res, service.DeleteSegment(Author(ctx), *id, version));
      },
      "Delete a segment (409 listing the flags and environments that use it)", nullptr,
      Errors({{204, nullptr}}, {400, 404, 409}));
}

}  // namespace gov::api
