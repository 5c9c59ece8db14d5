#include "api/internal/client_routes.h"

#include <charconv>
#include <memory>
#include <optional>

#include "api/internal/http_util.h"
#include "api/internal/sse.h"
#include "core/crypto.h"
#include "flags/delta.h"
#include "flags/features_json.h"

namespace gov::api {

namespace {

const char* kJson = "application/json";

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
  return flags::ToJson(out).dump(-1, ' ', false, core::Json::error_handler_t::replace);
}

// Adds the `fetch-mode: streaming` hint when the server moves polling SDKs to streaming and
// has a stream slot free. Returns whether it did: the response then carries no ETag and never
// answers 304, because an SDK that takes the hint keeps the ETag but drops the body
// (unleash-client's polling-fetcher.js), and should it fail over to polling again its next
// poll must get the flags, not a 304.
bool SuggestStreaming(FlagApi& api, Response& res) {
  if (!api.options().suggest_streaming) return false;
  if (api.open_streams() >= api.streams().max_streams()) return false;
  res.SetHeader("fetch-mode", "streaming");
  res.SetHeader("Cache-Control", "no-cache");
  return true;
}

std::string DeltaBody(const core::Json& events) {
  return events.dump(-1, ' ', false, core::Json::error_handler_t::replace);
}

// The delta body of an environment where nothing was ever published: one empty hydration.
core::Json EmptyHydration() {
  return core::Json{
      {"events", core::Json::array({flags::HydrationEvent(flags::ClientFeatures{}, 0)})}};
}

// The events that bring an SDK from `before` (nullptr: it has nothing we know) to `after`:
// a delta when we still hold its revision, else one "hydration" event with the full state.
core::Json DeltaEvents(const EnvironmentView* before, const EnvironmentView& after) {
  const int64_t revision = after.snapshot->revision;
  if (before)
    return flags::DiffClientFeatures(before->client_features, after.client_features, revision);
  return core::Json{
      {"events", core::Json::array({flags::HydrationEvent(after.client_features, revision)})}};
}

// Unleash streaming (what unleash-client's streaming mode reads, lib/repository/
// streaming-fetcher.js): "unleash-connected" with the full state as a "hydration" event, then
// "unleash-updated" with the delta events of each change.
std::shared_ptr<const SseKind> UnleashStreamKind() {
  auto kind = std::make_shared<SseKind>();
  kind->opening = [](const EnvironmentView* view) {
    const int64_t revision = view ? view->snapshot->revision : 0;
    const core::Json events = view ? DeltaEvents(nullptr, *view) : EmptyHydration();
    return SseMessage("unleash-connected", std::to_string(revision), DeltaBody(events));
  };
  kind->change = [](const EnvironmentView* before, const EnvironmentView& after) {
    const core::Json events = DeltaEvents(before, after);
    if (events["events"].empty()) return std::string();
    return SseMessage("unleash-updated", std::to_string(after.snapshot->revision),
                      DeltaBody(events));
  };
  return kind;
}

// The SDK that made the request, from its unleash-* headers (nullopt when it names no app or
// instances are not tracked).
std::optional<flags::SdkCaller> Caller(const FlagApi& api, const RequestContext& ctx) {
  if (!api.sinks().instances) return std::nullopt;
  return flags::CallerFromHeaders(PrincipalEnvironment(ctx),
                                  [&ctx](std::string_view name) { return ctx.req.Header(name); });
}

// Marks the requesting SDK seen, polling.
void TrackPoll(const FlagApi& api, const RequestContext& ctx) {
  if (auto caller = Caller(api, ctx)) api.sinks().instances->Polled(*caller);
}

void GetFeatures(FlagApi& api, RequestContext& ctx, Response& res) {
  TrackPoll(api, ctx);
  const std::string env = PrincipalEnvironment(ctx);
  const std::string prefix = ctx.req.Param("namePrefix");
  const std::string project = ctx.req.Param("project");
  auto view = api.View(env);
  const int64_t revision = view ? view->snapshot->revision : 0;
  if (!SuggestStreaming(api, res) &&
      AnswerNotModified(ctx.req, res, ClientFeaturesEtag(env, revision, prefix, project))) {
    return;
  }
  res.status = 200;
  if (!view) {
    res.SetContent(R"({"version":2,"features":[],"segments":[]})", kJson);
    return;
  }
  res.SetContent(FilteredBody(*view, prefix, project), kJson);
}

// Keeps the feature events that pass the namePrefix and project filters.
core::Json FilterEvents(core::Json events, std::string_view prefix, std::string_view project) {
  if (prefix.empty() && project.empty()) return events;
  auto keep = [&](const core::Json& f) {
    const std::string name = f.value("name", "");
    if (!prefix.empty() && name.compare(0, prefix.size(), prefix) != 0) return false;
    return project.empty() || f.value("project", "default") == project;
  };
  for (core::Json& e : events["events"]) {
    if (e.value("type", "") == "hydration") {
      core::Json kept = core::Json::array();
      for (core::Json& f : e["features"]) {
        if (keep(f)) kept.push_back(std::move(f));
      }
      e["features"] = std::move(kept);
    }
  }
  core::Json& list = events["events"];
  core::Json out = core::Json::array();
  for (core::Json& e : list) {
    if (e.value("type", "") == "feature-updated" && !keep(e["feature"])) continue;
    out.push_back(std::move(e));
  }
  list = std::move(out);
  return events;
}

// The revision in a delta ETag this server made for the same filters, or -1.
int64_t DeltaRevision(std::string_view if_none_match, const std::string& env,
                      std::string_view prefix, std::string_view project) {
  std::string_view v = if_none_match;
  if (v.substr(0, 2) == "W/") v.remove_prefix(2);
  const size_t dash = v.rfind('-');
  if (v.size() < 3 || v.front() != '"' || v.back() != '"' || dash == std::string_view::npos) {
    return -1;
  }
  int64_t revision = 0;
  const std::string_view digits = v.substr(dash + 1, v.size() - dash - 2);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), revision);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return -1;
  if (DeltaEtag(env, revision, prefix, project) != v) return -1;
  return revision;
}

// Unleash delta polling (unleash-client's polling mode with format "delta"): the events since
// the revision in If-None-Match, 304 when there are none, the full state when that revision
// is unknown or no longer kept.
void GetDelta(FlagApi& api, RequestContext& ctx, Response& res) {
  TrackPoll(api, ctx);
  const std::string env = PrincipalEnvironment(ctx);
  const std::string prefix = ctx.req.Param("namePrefix");
  const std::string project = ctx.req.Param("project");
  auto view = api.View(env);
  const int64_t revision = view ? view->snapshot->revision : 0;
  if (!SuggestStreaming(api, res) &&
      AnswerNotModified(ctx.req, res, DeltaEtag(env, revision, prefix, project))) {
    return;
  }
  res.status = 200;
  if (!view) {
    res.SetContent(DeltaBody(EmptyHydration()), kJson);
    return;
  }
  const int64_t known = DeltaRevision(ctx.req.Header("If-None-Match"), env, prefix, project);
  std::shared_ptr<const EnvironmentView> before =
      known >= 0 && known < revision ? api.ViewAt(env, known) : nullptr;
  res.SetContent(DeltaBody(FilterEvents(DeltaEvents(before.get(), *view), prefix, project)), kJson);
}

void GetStreaming(FlagApi& api, RequestContext& ctx, Response& res) {
  static const std::shared_ptr<const SseKind> kind = UnleashStreamKind();
  if (!api.streams().Start(kind, PrincipalEnvironment(ctx), res)) {
    // As Unleash does: 429 makes an SDK in streaming mode fail over to polling at once.
    res.SetHeader("Retry-After", "30");
    WriteError(res, core::Status(core::StatusCode::kResourceExhausted,
                                 "too many open streams; poll GET /api/client/features"));
    return;
  }
  // The SDK streams while the stream is open: until the stream's callbacks are gone (as the
  // hub's slot, so also when the connection closed before the stream began).
  if (auto caller = Caller(api, ctx); caller && res.stream) {
    flags::ClientInstances* instances = api.sinks().instances;
    instances->StreamOpened(*caller);
    std::shared_ptr<void> open(
        nullptr, [instances, caller = *caller](void*) { instances->StreamClosed(caller); });
    res.stream->on_close = [closed = std::move(res.stream->on_close), open] {
      if (closed) closed();
    };
  }
}

}  // namespace

std::string DeltaEtag(std::string_view environment, int64_t revision, std::string_view name_prefix,
                      std::string_view project) {
  std::string key;
  key.append("delta\n").append(environment).append("\n").append(name_prefix).append("\n");
  key.append(project);
  return "\"" + core::Sha256Hex(key).substr(0, 16) + "-" + std::to_string(revision) + "\"";
}

std::string ClientFeaturesEtag(std::string_view environment, int64_t revision,
                               std::string_view name_prefix, std::string_view project) {
  std::string key;
  key.append(environment).append("\n").append(name_prefix).append("\n").append(project);
  return "\"" + core::Sha256Hex(key).substr(0, 16) + "-" + std::to_string(revision) + "\"";
}

void AddClientRoutes(Router& router, const std::shared_ptr<FlagApi>& api) {
  const std::shared_ptr<FlagApi>& p = api;
  router.Add({"GET", "/api/client/features", Access::kClient, RateClass::kEvaluation,
              [p](RequestContext& ctx, Response& res) { GetFeatures(*p, ctx, res); }, nullptr,
              Execution::kInline});
  router.Add({"GET", "/api/client/delta", Access::kClient, RateClass::kEvaluation,
              [p](RequestContext& ctx, Response& res) { GetDelta(*p, ctx, res); }, nullptr,
              Execution::kInline});
  router.Add({"POST", "/api/client/register", Access::kClient, RateClass::kIngest,
              [p](RequestContext& ctx, Response& res) {
                AcceptClientReport(*p, ClientReport::kRegistration, ctx, res);
              }});
  router.Add({"POST", "/api/client/metrics", Access::kClient, RateClass::kIngest,
              [p](RequestContext& ctx, Response& res) {
                AcceptClientReport(*p, ClientReport::kMetrics, ctx, res, p->sinks().instances);
              }});
  router.Add({"GET", "/api/client/streaming", Access::kClient, RateClass::kEvaluation,
              [p](RequestContext& ctx, Response& res) { GetStreaming(*p, ctx, res); }, nullptr,
              Execution::kInline});
}

}  // namespace gov::api
