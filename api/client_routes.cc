#include "api/client_routes.h"

#include "api/http_util.h"
#include "api/sse.h"
#include "core/crypto.h"
#include "flags/features_json.h"

namespace gov::api {

namespace {

const char* kJson = "application/json";

Json ObjectSchema() { return Json{{"type", "object"}}; }

Json ErrorSchema() { return Json{{"type", "object"}, {"required", {"error"}}}; }

// The client-API body for `view`, restricted to names starting with `prefix` and to
// `project` (each ignored when empty). Segments are sent whole, as Unleash does.
std::string FilteredBody(const EnvironmentView& view, std::string_view prefix,
                         std::string_view project) {
  if (prefix.empty() && project.empty()) return view.client_body;
  flags::ClientFeatures out;
  out.version = view.client_features.version;
  out.segments = view.client_features.segments;
  for (const flags::Feature& f : view.client_features.features) {
    if (!prefix.empty() && f.name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!project.empty() && f.project != project) continue;
    out.features.push_back(f);
  }
  return flags::ToJson(out).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The Unleash delta-stream "hydration" event (what unleash-client's streaming mode reads
// from the "unleash-connected" and "unleash-updated" events): the full flag set at a revision.
std::string HydrationEvent(FlagApi& api, const std::string& environment, const char* event) {
  auto view = api.View(environment);
  const int64_t revision = view ? view->snapshot->revision : 0;
  std::string data = "{\"events\":[{\"type\":\"hydration\",\"eventId\":";
  data += std::to_string(revision);
  if (view) {
    const Json full = Json::parse(view->client_body);
    data += ",\"features\":" + full["features"].dump() + ",\"segments\":" + full["segments"].dump();
  } else {
    data += ",\"features\":[],\"segments\":[]";
  }
  data += "}]}";
  return SseMessage(event, std::to_string(revision), data);
}

void GetFeatures(FlagApi& api, RequestContext& ctx, httplib::Response& res) {
  const std::string env = PrincipalEnvironment(ctx);
  const std::string prefix = ctx.req.get_param_value("namePrefix");
  const std::string project = ctx.req.get_param_value("project");
  auto view = api.View(env);
  const int64_t revision = view ? view->snapshot->revision : 0;
  if (AnswerNotModified(ctx.req, res, ClientFeaturesEtag(env, revision, prefix, project))) return;
  res.status = 200;
  if (!view) {
    res.set_content(R"({"version":2,"features":[],"segments":[]})", kJson);
    return;
  }
  res.set_content(FilteredBody(*view, prefix, project), kJson);
}

void GetStreaming(FlagApi& api, RequestContext& ctx, httplib::Response& res) {
  const std::string env = PrincipalEnvironment(ctx);
  FlagApi* p = &api;
  const bool started = StartRevisionStream(
      api, env, [p, env](int64_t) { return HydrationEvent(*p, env, "unleash-connected"); },
      [p, env](int64_t) { return HydrationEvent(*p, env, "unleash-updated"); }, res);
  if (!started) {
    res.set_header("Retry-After", "30");
    WriteError(res, Unavailable("too many open streams; poll GET /api/client/features"));
  }
}

}  // namespace

std::string ClientFeaturesEtag(std::string_view environment, int64_t revision,
                               std::string_view name_prefix, std::string_view project) {
  std::string key;
  key.append(environment).append("\n").append(name_prefix).append("\n").append(project);
  return "\"" + Sha256Hex(key).substr(0, 16) + "-" + std::to_string(revision) + "\"";
}

void AddClientRoutes(Router& router, std::shared_ptr<FlagApi> api) {
  std::shared_ptr<FlagApi> p = api;
  const Json features_schema{{"type", "object"},
                             {"required", {"version", "features"}},
                             {"properties",
                              {{"version", {{"type", "integer"}}},
                               {"features", {{"type", "array"}, {"items", ObjectSchema()}}},
                               {"segments", {{"type", "array"}, {"items", ObjectSchema()}}}}}};
  router.Add({"GET",
              "/api/client/features",
              Access::kClient,
              "evaluation",
              [p](RequestContext& ctx, httplib::Response& res) { GetFeatures(*p, ctx, res); },
              {"Unleash client API: the token environment's flag definitions with segments "
               "(ETag per revision; If-None-Match answers 304)",
               "client",
               nullptr,
               {{200, features_schema}, {304, nullptr}, {401, ErrorSchema()}, {403, ErrorSchema()}},
               {"namePrefix", "project"}}});
  router.Add({"POST",
              "/api/client/register",
              Access::kClient,
              "ingest",
              [p](RequestContext& ctx, httplib::Response& res) {
                AcceptClientReport(*p, ClientReport::kRegistration, ctx, res);
              },
              {"Unleash client API: an SDK instance registers itself",
               "client",
               {{"type", "object"},
                {"required", {"appName"}},
                {"properties",
                 {{"appName", {{"type", "string"}}},
                  {"instanceId", {{"type", "string"}}},
                  {"sdkVersion", {{"type", "string"}}},
                  {"strategies", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                  {"started", {{"type", {"string", "integer"}}}},
                  {"interval", {{"type", "integer"}}}}}},
               {{202, nullptr}, {400, ErrorSchema()}},
               {}}});
  router.Add({"POST",
              "/api/client/metrics",
              Access::kClient,
              "ingest",
              [p](RequestContext& ctx, httplib::Response& res) {
                AcceptClientReport(*p, ClientReport::kMetrics, ctx, res);
              },
              {"Unleash client API: yes/no and variant counts per flag for one time bucket",
               "client",
               {{"type", "object"},
                {"required", {"appName", "bucket"}},
                {"properties",
                 {{"appName", {{"type", "string"}}},
                  {"instanceId", {{"type", "string"}}},
                  {"bucket",
                   {{"type", "object"},
                    {"required", {"start", "stop"}},
                    {"properties",
                     {{"start", {{"type", {"string", "integer"}}}},
                      {"stop", {{"type", {"string", "integer"}}}},
                      {"toggles", ObjectSchema()}}}}}}}},
               {{202, nullptr}, {400, ErrorSchema()}},
               {}}});
  router.Add({"GET",
              "/api/client/streaming",
              Access::kClient,
              "evaluation",
              [p](RequestContext& ctx, httplib::Response& res) { GetStreaming(*p, ctx, res); },
              {"Unleash client API: server-sent events; unleash-connected, then unleash-updated "
               "with the full flag set at each new revision",
               "client",
               nullptr,
               {{200, {{"type", "string"}, {"x-content-type", "text/event-stream"}}},
                {503, ErrorSchema()}},
               {}}});
}

}  // namespace gov::api
