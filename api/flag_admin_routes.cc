#include "api/flag_admin_routes.h"

#include <charconv>

#include "api/http_util.h"
#include "api/openapi.h"

namespace gov::api {

namespace {

flags::ChangeAuthor Author(const RequestContext& ctx) { return {ctx.Actor(), ctx.request_id}; }

void WriteFeature(httplib::Response& res, int status, const flags::AdminFeature& f) {
  res.set_header("ETag", "\"" + std::to_string(f.version) + "\"");
  WriteJson(res, status, flags::AdminFeatureToJson(f));
}

void WriteSegment(httplib::Response& res, int status, const flags::AdminSegment& s) {
  res.set_header("ETag", "\"" + std::to_string(s.version) + "\"");
  WriteJson(res, status, flags::AdminSegmentToJson(s));
}

StatusOr<int64_t> SegmentId(const RequestContext& ctx) {
  const std::string text = ctx.PathParam(0);
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id < 1) {
    return InvalidArgument("expected a positive integer segment id", "id");
  }
  return id;
}

StatusOr<std::string> RequiredQuery(const httplib::Request& req, const std::string& name) {
  if (!req.has_param(name) || req.get_param_value(name).empty()) {
    return InvalidArgument("is required", name);
  }
  return req.get_param_value(name);
}

// Body + If-Match for an update handler; writes the error and returns false on failure.
bool ReadUpdate(const RequestContext& ctx, httplib::Response& res, Json& body,
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

Json Obj(Json properties, std::vector<std::string> required = {}) {
  Json j{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) j["required"] = required;
  return j;
}

const Json& ArrayOfObjects() {
  static const Json kSchema{{"type", "array"}, {"items", {{"type", "object"}}}};
  return kSchema;
}

// The admin JSON of a feature (see docs/README "Feature flags").
Json EnvironmentStateSchema() {
  return Obj({{"enabled", {{"type", "boolean"}}},
              {"strategies", ArrayOfObjects()},
              {"variants", ArrayOfObjects()}});
}

Json FlagBodySchema() {
  Json j = Obj(
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

Json FlagSchema() {
  Json j = FlagBodySchema();
  j["properties"]["version"] = {{"type", "integer"}};
  j["properties"]["createdAt"] = {{"type", "string"}, {"format", "date-time"}};
  j["properties"]["updatedAt"] = {{"type", "string"}, {"format", "date-time"}};
  j["required"] = {"name", "project", "type", "environments", "version"};
  return j;
}

Json SegmentBodySchema() {
  return Obj({{"name", {{"type", "string"}, {"minLength", 1}}}, {"constraints", ArrayOfObjects()}},
             {"name"});
}

Json SegmentSchema() {
  Json j = SegmentBodySchema();
  j["properties"]["id"] = {{"type", "integer"}};
  j["properties"]["version"] = {{"type", "integer"}};
  j["required"] = {"id", "name", "constraints", "version"};
  return j;
}

Json ClientFeaturesSchema() {
  return Obj({{"version", {{"type", "integer"}}},
              {"features", ArrayOfObjects()},
              {"segments", ArrayOfObjects()}},
             {"version", "features"});
}

Json ItemsSchema(const Json& item) {
  return Obj({{"items", {{"type", "array"}, {"items", item}}}}, {"items"});
}

std::map<int, Json> Errors(std::map<int, Json> ok, std::initializer_list<int> codes) {
  for (int c : codes) ok[c] = ErrorSchema();
  return ok;
}

}  // namespace

void AddFlagAdminRoutes(Router& router, flags::FlagService& service, flags::FlagMetrics& metrics) {
  using flags::AdminFeature;
  router.Add({"GET",
              "/api/v1/flags",
              Access::kAdmin,
              "admin",
              [&service](RequestContext&, httplib::Response& res) {
                auto features = service.ListFeatures();
                if (!features.ok()) return WriteError(res, features.status());
                Json items = Json::array();
                for (const auto& f : *features) items.push_back(flags::AdminFeatureToJson(f));
                WriteJson(res, 200, {{"items", std::move(items)}});
              },
              {"List feature flags with their state in every environment",
               "flags",
               nullptr,
               {{200, ItemsSchema(FlagSchema())}},
               {}}});

  router.Add({"POST",
              "/api/v1/flags",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, httplib::Response& res) {
                auto body = ParseBody(ctx.req);
                if (!body.ok()) return WriteError(res, body.status());
                auto created = service.CreateFeature(Author(ctx), *body);
                if (!created.ok()) return WriteError(res, created.status());
                res.set_header("Location", "/api/v1/flags/" + created->definition.name);
                WriteFeature(res, 201, *created);
              },
              {"Create a feature flag; environments not listed start disabled",
               "flags",
               FlagBodySchema(),
               Errors({{201, FlagSchema()}}, {400, 409}),
               {}}});

  router.Add({"POST",
              "/api/v1/flags/import",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, httplib::Response& res) {
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
              {"Import flags in the Unleash client-API format into one environment (listed "
               "features and segments are created or replaced, others kept)",
               "flags",
               ClientFeaturesSchema(),
               Errors({{200, Obj({{"environments", {{"type", "array"}}},
                                  {"changedFeatures", {{"type", "array"}}},
                                  {"changedSegments", {{"type", "array"}}}})}},
                      {400, 404}),
               {"environment"}}});

  router.Add({"GET",
              "/api/v1/flags/export",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, httplib::Response& res) {
                auto env = RequiredQuery(ctx.req, "environment");
                if (!env.ok()) return WriteError(res, env.status());
                auto exported = service.Export(*env);
                if (!exported.ok()) return WriteError(res, exported.status());
                WriteJson(res, 200, *exported);
              },
              {"Export one environment's flags in the Unleash client-API format",
               "flags",
               nullptr,
               Errors({{200, ClientFeaturesSchema()}}, {400, 404}),
               {"environment"}}});

  router.Add({"GET",
              "/api/v1/flags/{name}",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, httplib::Response& res) {
                auto f = service.GetFeature(ctx.PathParam(0));
                if (!f.ok()) return WriteError(res, f.status());
                WriteFeature(res, 200, *f);
              },
              {"Get a feature flag (ETag: its version)",
               "flags",
               nullptr,
               Errors({{200, FlagSchema()}}, {404}),
               {}}});

  router.Add({"PUT",
              "/api/v1/flags/{name}",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, httplib::Response& res) {
                Json body;
                std::optional<int64_t> version;
                if (!ReadUpdate(ctx, res, body, version)) return;
                auto f = service.ReplaceFeature(Author(ctx), ctx.PathParam(0), body, version);
                if (!f.ok()) return WriteError(res, f.status());
                WriteFeature(res, 200, *f);
              },
              {"Replace a feature flag (If-Match: version; environments left out become "
               "disabled with no strategies)",
               "flags",
               FlagBodySchema(),
               Errors({{200, FlagSchema()}}, {400, 404, 409}),
               {}}});

  router.Add({"PATCH",
              "/api/v1/flags/{name}",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, httplib::Response& res) {
                Json body;
                std::optional<int64_t> version;
                if (!ReadUpdate(ctx, res, body, version)) return;
                auto f = service.PatchFeature(Author(ctx), ctx.PathParam(0), body, version);
                if (!f.ok()) return WriteError(res, f.status());
                WriteFeature(res, 200, *f);
              },
              {"Change a feature flag with a JSON merge patch (RFC 7396) of its admin JSON "
               "(If-Match: version)",
               "flags",
               Json{{"type", "object"}},
               Errors({{200, FlagSchema()}}, {400, 404, 409}),
               {}}});

  router.Add({"DELETE",
              "/api/v1/flags/{name}",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, httplib::Response& res) {
                Json body;
                std::optional<int64_t> version;
                if (!ReadUpdate(ctx, res, body, version, false)) return;
                Status s = service.DeleteFeature(Author(ctx), ctx.PathParam(0), version);
                if (!s.ok()) return WriteError(res, s);
                res.status = 204;
              },
              {"Delete a feature flag (If-Match: version; 409 while other flags depend on it)",
               "flags",
               nullptr,
               Errors({{204, nullptr}}, {404, 409}),
               {}}});

  for (const bool on : {true, false}) {
    router.Add({"POST",
                std::string("/api/v1/flags/{name}/environments/{env}/") + (on ? "on" : "off"),
                Access::kAdmin,
                "admin",
                [&service, on](RequestContext& ctx, httplib::Response& res) {
                  Json body;
                  std::optional<int64_t> version;
                  if (!ReadUpdate(ctx, res, body, version, false)) return;
                  auto f = service.SetEnabled(Author(ctx), ctx.PathParam(0), ctx.PathParam(1), on,
                                              version);
                  if (!f.ok()) return WriteError(res, f.status());
                  WriteFeature(res, 200, *f);
                },
                {std::string("Turn a feature flag ") + (on ? "on" : "off") +
                     " in one environment (no body; If-Match optional)",
                 "flags",
                 Json{{"type", "object"}, {"description", "ignored; send no body"}},
                 Errors({{200, FlagSchema()}}, {400, 404, 409}),
                 {}}});
  }

  router.Add({"PUT",
              "/api/v1/flags/{name}/environments/{env}/strategies",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, httplib::Response& res) {
                Json body;
                std::optional<int64_t> version;
                if (!ReadUpdate(ctx, res, body, version)) return;
                auto f = service.SetStrategies(Author(ctx), ctx.PathParam(0), ctx.PathParam(1),
                                               body, version);
                if (!f.ok()) return WriteError(res, f.status());
                WriteFeature(res, 200, *f);
              },
              {"Replace a feature flag's strategies in one environment (errors name e.g. "
               "strategies[1].constraints[0].operator)",
               "flags",
               Obj({{"strategies", ArrayOfObjects()}}, {"strategies"}),
               Errors({{200, FlagSchema()}}, {400, 404, 409}),
               {}}});

  router.Add({"PUT",
              "/api/v1/flags/{name}/environments/{env}/variants",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, httplib::Response& res) {
                Json body;
                std::optional<int64_t> version;
                if (!ReadUpdate(ctx, res, body, version)) return;
                auto f = service.SetVariants(Author(ctx), ctx.PathParam(0), ctx.PathParam(1), body,
                                             version);
                if (!f.ok()) return WriteError(res, f.status());
                WriteFeature(res, 200, *f);
              },
              {"Replace a feature flag's variants in one environment",
               "flags",
               Obj({{"variants", ArrayOfObjects()}}, {"variants"}),
               Errors({{200, FlagSchema()}}, {400, 404, 409}),
               {}}});

  router.Add(
      {"GET",
       "/api/v1/flags/{name}/metrics",
       Access::kAdmin,
       "admin",
       [&metrics](RequestContext& ctx, httplib::Response& res) {
         std::optional<std::string> env;
         if (ctx.req.has_param("environment")) env = ctx.req.get_param_value("environment");
         auto m = metrics.FeatureMetrics(ctx.PathParam(0), env);
         if (!m.ok()) return WriteError(res, m.status());
         WriteJson(res, 200, *m);
       },
       {"Client metrics of a flag: yes/no and variant counts per app, environment and hour",
        "flags",
        nullptr,
        Errors({{200, Obj({{"name", {{"type", "string"}}}, {"items", ArrayOfObjects()}})}}, {404}),
        {"environment"}}});

  router.Add({"GET",
              "/api/v1/segments",
              Access::kAdmin,
              "admin",
              [&service](RequestContext&, httplib::Response& res) {
                auto segments = service.ListSegments();
                if (!segments.ok()) return WriteError(res, segments.status());
                Json items = Json::array();
                for (const auto& s : *segments) items.push_back(flags::AdminSegmentToJson(s));
                WriteJson(res, 200, {{"items", std::move(items)}});
              },
              {"List segments", "flags", nullptr, {{200, ItemsSchema(SegmentSchema())}}, {}}});

  router.Add({"POST",
              "/api/v1/segments",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, httplib::Response& res) {
                auto body = ParseBody(ctx.req);
                if (!body.ok()) return WriteError(res, body.status());
                auto created = service.CreateSegment(Author(ctx), *body);
                if (!created.ok()) return WriteError(res, created.status());
                res.set_header("Location",
                               "/api/v1/segments/" + std::to_string(created->segment.id));
                WriteSegment(res, 201, *created);
              },
              {"Create a segment (a named constraint set; the id is assigned)",
               "flags",
               SegmentBodySchema(),
               Errors({{201, SegmentSchema()}}, {400}),
               {}}});

  router.Add(
      {"GET",
       "/api/v1/segments/{id}",
       Access::kAdmin,
       "admin",
       [&service](RequestContext& ctx, httplib::Response& res) {
         auto id = SegmentId(ctx);
         if (!id.ok()) return WriteError(res, id.status());
         auto s = service.GetSegment(*id);
         if (!s.ok()) return WriteError(res, s.status());
         WriteSegment(res, 200, *s);
       },
       {"Get a segment", "flags", nullptr, Errors({{200, SegmentSchema()}}, {400, 404}), {}}});

  router.Add({"PUT",
              "/api/v1/segments/{id}",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, httplib::Response& res) {
                auto id = SegmentId(ctx);
                if (!id.ok()) return WriteError(res, id.status());
                Json body;
                std::optional<int64_t> version;
                if (!ReadUpdate(ctx, res, body, version)) return;
                auto s = service.ReplaceSegment(Author(ctx), *id, body, version);
                if (!s.ok()) return WriteError(res, s.status());
                WriteSegment(res, 200, *s);
              },
              {"Replace a segment (If-Match: version)",
               "flags",
               SegmentBodySchema(),
               Errors({{200, SegmentSchema()}}, {400, 404, 409}),
               {}}});

  router.Add({"DELETE",
              "/api/v1/segments/{id}",
              Access::kAdmin,
              "admin",
              [&service](RequestContext& ctx, httplib::Response& res) {
                auto id = SegmentId(ctx);
                if (!id.ok()) return WriteError(res, id.status());
                Json body;
                std::optional<int64_t> version;
                if (!ReadUpdate(ctx, res, body, version, false)) return;
                Status s = service.DeleteSegment(Author(ctx), *id, version);
                if (!s.ok()) return WriteError(res, s);
                res.status = 204;
              },
              {"Delete a segment (409 listing the flags and environments that use it)",
               "flags",
               nullptr,
               Errors({{204, nullptr}}, {400, 404, 409}),
               {}}});
}

}  // namespace gov::api
