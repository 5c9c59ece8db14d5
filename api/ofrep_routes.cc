#include "api/internal/ofrep_routes.h"

#include <charconv>
#include <cmath>

#include "api/internal/http_util.h"
#include "api/internal/sse.h"
#include "core/crypto.h"
#include "core/json_writer.h"
#include "flags/evaluator.h"

namespace gov::api {

namespace {

const char* kJson = "application/json";
constexpr int kInactivityDelaySeconds = 120;

struct OfrepError {
  int http = 400;
  const char* code = "INVALID_CONTEXT";
  std::string details;
};

// {key?, errorCode, errorDetails}: the spec's evaluationFailure / flagNotFound /
// bulkEvaluationFailure shape.
std::string ErrorBody(std::string_view key, const OfrepError& e, bool with_key) {
  std::string out;
  core::JsonWriter w(out);
  w.BeginObject();
  if (with_key) w.Key("key").String(key);
  w.Key("errorCode").String(e.code).Key("errorDetails").String(e.details).EndObject();
  return out;
}

// The evaluation context of an OFREP request body {"context": {...}} for a token of
// `environment`. The context keys map as Governor documents it: targetingKey -> userId; sessionId,
// remoteAddress, appName, currentTime -> those fields; every other key, `environment`
// included, -> a property. The environment field is always the token's, so environment
// constraints see where the flag is evaluated and a caller cannot claim another one.
core::StatusOr<flags::Context> ParseRequest(const core::Json& body, const std::string& environment,
                                            OfrepError& error) {
  if (!body.is_object() || !body.contains("context") || !body["context"].is_object()) {
    error = {400, "INVALID_CONTEXT", "the body must be an object with a \"context\" object"};
    return core::InvalidArgument(error.details, "context");
  }
  const core::Json& context = body["context"];
  // The spec's context schema requires a string targetingKey.
  auto tk = context.find("targetingKey");
  if (tk == context.end() || tk->is_null()) {
    error = {400, "TARGETING_KEY_MISSING", "context.targetingKey is required"};
    return core::InvalidArgument(error.details, "context.targetingKey");
  }
  if (!tk->is_string()) {
    error = {400, "INVALID_CONTEXT", "context.targetingKey: expected a string"};
    return core::InvalidArgument(error.details, "context.targetingKey");
  }
  auto parsed = flags::ContextFromOfrep(context);
  if (!parsed.ok()) {
    error = {
        400, "INVALID_CONTEXT",
        core::JoinFieldPath("context", parsed.status().field()) + ": " + parsed.status().message()};
    return parsed;
  }
  parsed->environment = environment;
  return parsed;
}

// Writes the value of a variant payload decoded by its type: number -> JSON number, json ->
// the parsed JSON, anything else -> string. False when the payload does not decode.
bool WritePayloadValue(core::JsonWriter& w, std::string_view type, std::string_view value) {
  if (type == "number") {
    double d = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), d);
    if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(d)) {
      return false;
    }
    if (std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) {
      w.Int(static_cast<int64_t>(d));
    } else {
      w.Double(d);
    }
    return true;
  }
  if (type == "json") {
    auto parsed = core::ParseJson(value);
    if (!parsed.ok()) return false;
    w.Raw(parsed->dump(-1, ' ', false, core::Json::error_handler_t::replace));
    return true;
  }
  w.String(value);
  return true;
}

// Appends one flag's evaluation (evaluationSuccess, or evaluationFailure with PARSE_ERROR
// when a payload does not decode). Returns false in the failure case.
bool WriteEvaluation(core::JsonWriter& w, const EnvironmentView& view, std::string_view key,
                     const flags::EvaluationResult& r) {
  std::string value;
  core::JsonWriter vw(value);
  std::string_view variant = r.enabled ? "enabled" : "disabled";
  if (r.variant.enabled) {
    variant = r.variant.name;
    if (!r.variant.has_payload) {
      vw.String(r.variant.name);
    } else if (!WritePayloadValue(vw, r.variant.payload_type, r.variant.payload_value)) {
      w.BeginObject().Key("key").String(key).Key("errorCode").String("PARSE_ERROR");
      w.Key("errorDetails")
          .String("the payload of variant \"" + std::string(r.variant.name) + "\" is not valid " +
                  std::string(r.variant.payload_type));
      w.EndObject();
      return false;
    }
  } else {
    vw.Bool(r.enabled);
  }
  w.BeginObject().Key("key").String(key).Key("value").Raw(value);
  w.Key("reason").String(flags::ReasonName(r.reason)).Key("variant").String(variant);
  w.Key("metadata").BeginObject();
  auto info = view.flags.find(key);
  if (info != view.flags.end() && !info->second.feature->type.empty()) {
    w.Key("flagType").String(info->second.feature->type);
  }
  w.Key("environment").String(view.snapshot->environment);
  w.Key("revision").Int(view.snapshot->revision);
  w.EndObject().EndObject();
  return true;
}

void PercentEncode(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

void EvaluateOneRoute(FlagApi& api, RequestContext& ctx, Response& res) {
  const std::string key = ctx.PathParam(0);
  auto view = api.View(PrincipalEnvironment(ctx));
  if (!view) {
    res.status = 404;
    res.SetContent(
        ErrorBody(key, {404, "FLAG_NOT_FOUND", "flag '" + key + "' was not found"}, true), kJson);
    return;
  }
  auto body = core::ParseJson(ctx.req.body);
  if (!body.ok()) {
    res.status = 400;
    res.SetContent(ErrorBody(key, {400, "PARSE_ERROR", "body: " + body.status().message()}, true),
                   kJson);
    return;
  }
  const ExposureTap tap(api, view->snapshot->environment);
  auto [status, out] = OfrepEvaluateOne(*view, key, *body, api.clock().Now(), &tap);
  res.status = status;
  res.SetContent(std::move(out), kJson);
}

void EvaluateBulkRoute(FlagApi& api, RequestContext& ctx, Response& res) {
  auto body = core::ParseJson(ctx.req.body);
  if (!body.ok()) {
    res.status = 400;
    res.SetContent(ErrorBody("", {400, "PARSE_ERROR", "body: " + body.status().message()}, false),
                   kJson);
    return;
  }
  const std::string env = PrincipalEnvironment(ctx);
  OfrepError error;
  auto context = ParseRequest(*body, env, error);
  if (!context.ok()) {
    res.status = error.http;
    res.SetContent(ErrorBody("", error, false), kJson);
    return;
  }
  auto view = api.View(env);
  std::string out;
  core::JsonWriter w(out);
  w.BeginObject().Key("flags").BeginArray();
  const core::TimePoint now = api.clock().Now();
  if (view) {
    const ExposureTap tap(api, env);
    for (std::string_view name : view->names) {
      const flags::EvaluationResult r =
          flags::Evaluate(*view->snapshot->compiled, name, *context, now);
      tap.Observe(name, *context, r);
      WriteEvaluation(w, *view, name, r);
    }
  }
  w.EndArray();
  w.Key("metadata").BeginObject().Key("environment").String(env);
  w.Key("revision").Int(view ? view->snapshot->revision : 0).EndObject();
  // ADR-0008: an SSE endpoint that says when to re-fetch. EventSource cannot send headers,
  // so the caller's own secret travels in the query; the access log records paths only.
  std::string uri = "/ofrep/v1/event-stream?token=";
  PercentEncode(uri, ExtractSecret(ctx.req.Header("Authorization"), ctx.req.Header("X-API-Key")));
  w.Key("eventStreams").BeginArray().BeginObject().Key("type").String("sse");
  w.Key("endpoint").BeginObject().Key("requestUri").String(uri).EndObject();
  w.Key("inactivityDelaySec").Int(kInactivityDelaySeconds).EndObject().EndArray();
  w.EndObject();
  if (AnswerNotModified(ctx.req, res, "\"" + core::Sha256Hex(out).substr(0, 32) + "\"")) return;
  res.status = 200;
  res.SetContent(std::move(out), kJson);
}

std::string RefetchMessage(int64_t revision) {
  const std::string id = std::to_string(revision);
  return SseMessage("message", id,
                    "{\"type\":\"refetchEvaluation\",\"etag\":\"\\\"" + id + "\\\"\"}");
}

void EventStreamRoute(FlagApi& api, RequestContext& ctx, Response& res) {
  std::string secret = ctx.req.Param("token");
  if (secret.empty()) {
    secret = ExtractSecret(ctx.req.Header("Authorization"), ctx.req.Header("X-API-Key"));
  }
  auto principal = api.auth().Authenticate(secret);
  if (!principal.ok()) return WriteError(res, principal.status());
  if (principal->type != store::TokenType::kClient &&
      principal->type != store::TokenType::kFrontend) {
    return WriteError(res, core::PermissionDenied("only client and frontend tokens may subscribe"));
  }
  static const std::shared_ptr<const SseKind> kind = [] {
    auto k = std::make_shared<SseKind>();
    k->change = [](const EnvironmentView*, const EnvironmentView& after) {
      return RefetchMessage(after.snapshot->revision);
    };
    return k;
  }();
  if (!api.streams().Start(kind, principal->environment.value_or(""), res)) {
    res.SetHeader("Retry-After", "30");
    WriteError(res, core::Unavailable("too many open streams; poll the bulk evaluation instead"));
  }
}

}  // namespace

std::pair<int, std::string> OfrepEvaluateOne(const EnvironmentView& view, std::string_view key,
                                             const core::Json& request_body, core::TimePoint now,
                                             const ExposureTap* tap) {
  OfrepError error;
  auto context = ParseRequest(request_body, view.snapshot->environment, error);
  if (!context.ok()) return {error.http, ErrorBody(key, error, true)};
  const flags::EvaluationResult r = flags::Evaluate(*view.snapshot->compiled, key, *context, now);
  if (!r.found) {
    return {404,
            ErrorBody(key, {404, "FLAG_NOT_FOUND", "flag '" + std::string(key) + "' was not found"},
                      true)};
  }
  if (tap) tap->Observe(key, *context, r);
  std::string out;
  core::JsonWriter w(out);
  return {WriteEvaluation(w, view, key, r) ? 200 : 400, out};
}

void AddOfrepRoutes(Router& router, const std::shared_ptr<FlagApi>& api) {
  const std::shared_ptr<FlagApi>& p = api;
  AddCorsRoute(
      router, p,
      {"POST", "/ofrep/v1/evaluate/flags/{key}", Access::kClientOrFrontend, RateClass::kEvaluation,
       [p](RequestContext& ctx, Response& res) { EvaluateOneRoute(*p, ctx, res); }});
  AddCorsRoute(
      router, p,
      {"POST", "/ofrep/v1/evaluate/flags", Access::kClientOrFrontend, RateClass::kEvaluation,
       [p](RequestContext& ctx, Response& res) { EvaluateBulkRoute(*p, ctx, res); }});
  AddCorsRoute(router, p,
               {"GET", "/ofrep/v1/event-stream", Access::kPublic, RateClass::kEvaluation,
                [p](RequestContext& ctx, Response& res) { EventStreamRoute(*p, ctx, res); }});
  AddPreflightRoutes(router, p, {"/ofrep/v1/evaluate/flags/{key}", "/ofrep/v1/evaluate/flags"},
                     "POST, OPTIONS");
}

}  // namespace gov::api
