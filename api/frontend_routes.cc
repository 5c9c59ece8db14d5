#include "api/internal/frontend_routes.h"

#include "api/internal/http_util.h"
#include "core/crypto.h"
#include "core/json_writer.h"
#include "flags/evaluator.h"

namespace gov::api {

namespace {

const char* kJson = "application/json";

void Respond(FlagApi& api, RequestContext& ctx, Response& res,
             core::StatusOr<flags::Context> context) {
  if (!context.ok()) return WriteError(res, context.status());
  const std::string environment = PrincipalEnvironment(ctx);
  // As in Unleash's frontend API: the token's environment unless the caller names one.
  if (!context->environment) context->environment = environment;
  auto view = api.View(environment);
  const ExposureTap tap(api, environment);
  std::string body = view ? FrontendToggles(*view, *context, api.clock().Now(), &tap)
                          : std::string(R"({"toggles":[]})");
  // The toggles depend on the context, so the validator is the body's own hash.
  if (AnswerNotModified(ctx.req, res, "\"" + core::Sha256Hex(body).substr(0, 32) + "\"")) return;
  res.status = 200;
  res.SetContent(std::move(body), kJson);
}

core::StatusOr<flags::Context> ContextFromBody(const Request& req) {
  ASSIGN_OR_RETURN(core::Json body, ParseBody(req));
  if (!body.is_object()) return core::InvalidArgument("expected a JSON object", "body");
  // unleash-proxy-client posts {"context": {...}}; a bare context object is accepted too.
  core::Json context = body.contains("context") ? body["context"] : body;
  if (!context.is_object()) return core::InvalidArgument("expected an object", "context");
  if (!context.contains("remoteAddress")) context["remoteAddress"] = req.remote_addr;
  auto parsed = flags::ContextFromUnleash(context);
  if (!parsed.ok() && body.contains("context")) {
    return core::InvalidArgument(parsed.status().message(),
                                 core::JoinFieldPath("context", parsed.status().field()));
  }
  return parsed;
}

}  // namespace

core::StatusOr<flags::Context> FrontendContextFromQuery(const Request& req) {
  core::Json context = core::Json::object();
  core::Json properties = core::Json::object();
  for (const auto& [name, value] : req.params) {
    if (name.size() > 12 && name.compare(0, 11, "properties[") == 0 && name.back() == ']') {
      properties[name.substr(11, name.size() - 12)] = value;
    } else {
      context[name] = value;
    }
  }
  if (!properties.empty()) context["properties"] = std::move(properties);
  if (!context.contains("remoteAddress")) context["remoteAddress"] = req.remote_addr;
  return flags::ContextFromUnleash(context);
}

std::string FrontendToggles(const EnvironmentView& view, const flags::Context& context,
                            core::TimePoint now, const ExposureTap* tap) {
  std::string out;
  out.reserve(256 + 160 * view.names.size());
  core::JsonWriter w(out);
  w.BeginObject().Key("toggles").BeginArray();
  const flags::FlagSnapshot& snapshot = *view.snapshot->compiled;
  for (std::string_view name : view.names) {
    const flags::EvaluationResult r = flags::Evaluate(snapshot, name, context, now);
    if (tap) tap->Observe(name, context, r);
    if (!r.found || !r.enabled) continue;
    auto info = view.flags.find(name);
    const bool impression = info != view.flags.end() && info->second.feature->impression_data;
    w.BeginObject().Key("name").String(name).Key("enabled").Bool(true);
    w.Key("variant").BeginObject();
    w.Key("name").String(r.variant.name).Key("enabled").Bool(r.variant.enabled);
    w.Key("feature_enabled").Bool(r.variant.feature_enabled);
    if (r.variant.has_payload) {
      w.Key("payload").BeginObject();
      w.Key("type").String(r.variant.payload_type).Key("value").String(r.variant.payload_value);
      w.EndObject();
    }
    w.EndObject();
    w.Key("impressionData").Bool(impression);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return out;
}

void AddFrontendRoutes(Router& router, const std::shared_ptr<FlagApi>& api) {
  const std::shared_ptr<FlagApi>& p = api;
  AddCorsRoute(router, p,
               {"GET", "/api/frontend", Access::kFrontend, RateClass::kEvaluation,
                [p](RequestContext& ctx, Response& res) {
                  Respond(*p, ctx, res, FrontendContextFromQuery(ctx.req));
                }});
  AddCorsRoute(router, p,
               {"POST", "/api/frontend", Access::kFrontend, RateClass::kEvaluation,
                [p](RequestContext& ctx, Response& res) {
                  Respond(*p, ctx, res, ContextFromBody(ctx.req));
                }});
  AddCorsRoute(router, p,
               {"POST", "/api/frontend/client/metrics", Access::kFrontend, RateClass::kIngest,
                [p](RequestContext& ctx, Response& res) {
                  AcceptClientReport(*p, ClientReport::kMetrics, ctx, res);
                }});
  AddPreflightRoutes(router, p, {"/api/frontend", "/api/frontend/client/metrics"},
                     "GET, POST, OPTIONS");
}

}  // namespace gov::api
