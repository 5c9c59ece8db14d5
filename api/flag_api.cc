#include "api/internal/flag_api.h"

#include <algorithm>

#include "api/internal/http_util.h"
#include "flags/features_json.h"
#include "flags/flag_metrics.h"
#include "flags/snapshot.h"

namespace gov::api {

namespace {

bool HasVariants(const flags::Feature& feature) {
  if (!feature.variants.empty()) return true;
  return std::any_of(feature.strategies.begin(), feature.strategies.end(),
                     [](const flags::Strategy& s) { return !s.disabled && !s.variants.empty(); });
}

}  // namespace

std::shared_ptr<const EnvironmentView> BuildEnvironmentView(
    std::shared_ptr<const flags::EnvironmentSnapshot> snapshot) {
  auto view = std::make_shared<EnvironmentView>();
  view->snapshot = std::move(snapshot);
  const flags::ClientFeatures& stored = view->snapshot->features;
  for (const flags::Feature& f : stored.features) {
    view->flags[f.name] = FlagInfo{&f, HasVariants(f)};
  }
  if (view->snapshot->compiled) view->names = flags::FlagNames(*view->snapshot->compiled);
  // Unleash SDKs get every feature and segment, REGEX and IN_CIDR constraints included
  // (unleash-client 6.12 evaluates both).
  flags::ClientFeatures client = flags::ClientView(stored);
  view->client_body =
      flags::ToJson(client).dump(-1, ' ', false, core::Json::error_handler_t::replace);
  view->client_features = std::move(client);
  return view;
}

FlagApi::FlagApi(flags::SnapshotRegistry& registry, const core::Clock& clock,
                 const Authenticator& auth, FlagApiOptions options, ClientMetricsSinks sinks,
                 experiments::ExposureRecorder* exposures)
    : registry_(registry),
      clock_(clock),
      auth_(auth),
      options_(std::move(options)),
      sinks_(std::move(sinks)),
      exposures_(exposures) {
  streams_ = std::make_unique<StreamHub>(
      [this](std::string_view environment) { return View(environment); }, options_.max_streams,
      options_.keep_alive_interval, clock_);
  // Every publish builds the new view at once (so delta polling has every revision) and
  // sends it to the environment's streams. Runs on the publishing thread, in order.
  subscription_ = registry_.Subscribe([this](const std::string& environment, int64_t) {
    streams_->Publish(environment, Refresh(environment));
  });
}

FlagApi::~FlagApi() { registry_.Unsubscribe(subscription_); }

std::shared_ptr<const EnvironmentView> FlagApi::View(std::string_view environment) {
  auto snapshot = registry_.Get(environment);
  if (!snapshot) return nullptr;
  {
    std::shared_lock<std::shared_mutex> lock(views_mu_);
    auto it = views_.find(environment);
    if (it != views_.end() && it->second->snapshot == snapshot) return it->second;
  }
  return Refresh(environment);
}

std::shared_ptr<const EnvironmentView> FlagApi::Refresh(std::string_view environment) {
  auto snapshot = registry_.Get(environment);
  if (!snapshot) return nullptr;
  {
    std::shared_lock<std::shared_mutex> lock(views_mu_);
    auto it = views_.find(environment);
    if (it != views_.end() && it->second->snapshot->revision >= snapshot->revision) {
      return it->second;
    }
  }
  auto view = BuildEnvironmentView(snapshot);
  std::unique_lock<std::shared_mutex> lock(views_mu_);
  auto& slot = views_[std::string(environment)];
  // Keep whichever view is newer when two callers raced to build one.
  if (slot && slot->snapshot->revision >= view->snapshot->revision) return slot;
  slot = view;
  auto& kept = history_[std::string(environment)];
  kept.push_back(view);
  while (kept.size() > std::max<size_t>(1, options_.delta_history)) kept.pop_front();
  return view;
}

std::shared_ptr<const EnvironmentView> FlagApi::ViewAt(std::string_view environment,
                                                       int64_t revision) {
  View(environment);  // the current revision is always in the history
  std::shared_lock<std::shared_mutex> lock(views_mu_);
  auto it = history_.find(environment);
  if (it == history_.end()) return nullptr;
  for (const auto& view : it->second) {
    if (view->snapshot->revision == revision) return view;
  }
  return nullptr;
}

std::string PrincipalEnvironment(const RequestContext& ctx) {
  if (!ctx.principal || !ctx.principal->environment) return "";
  return *ctx.principal->environment;
}

bool IfNoneMatchHits(std::string_view header, std::string_view etag) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view item = header.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);  // weak comparison, RFC 9110 13.1.2
    if (item == "*" || item == etag) return true;
    pos = comma + 1;
  }
  return false;
}

ExposureTap::ExposureTap(const FlagApi& api, std::string_view environment)
    : recorder_(api.exposures()) {
  if (!recorder_ || recorder_->running().None()) return;
  pin_.emplace(recorder_->running());
  targets_ = pin_->index().Targets(environment);
}

void ExposureTap::Observe(std::string_view feature, const flags::Context& context,
                          const flags::EvaluationResult& result) const {
  if (!targets_ || !result.found) return;
  // A release plan's evidence window: every evaluation of the feature, in the rollout's arm.
  for (const experiments::ExposureTarget& t : targets_->rollouts) {
    const experiments::RunningExperiment& window = pin_->index().All()[t.experiment];
    if (window.feature != feature) continue;
    const std::string* unit = experiments::UnitValue(context, t.unit);
    if (!unit || recorder_->Recorded(t.hash, *unit)) break;
    recorder_->Record(window, t.hash, *unit, experiments::RolloutArm(*window.rollout, *unit));
    break;
  }
  if (!result.enabled || !result.variant.enabled) return;
  // A few experiments run at a time: a scan compares the names in place.
  const experiments::ExposureTarget* target = nullptr;
  if (targets_->targets.size() <= 8) {
    for (const experiments::ExposureTarget& t : targets_->targets) {
      if (pin_->index().All()[t.experiment].feature == feature) {
        target = &t;
        break;
      }
    }
  } else {
    auto it = targets_->by_feature.find(feature);
    if (it != targets_->by_feature.end()) target = &targets_->targets[it->second];
  }
  if (!target) return;
  const experiments::RunningExperiment& experiment = pin_->index().All()[target->experiment];
  const std::string* unit = experiments::UnitValue(context, target->unit);
  if (!unit) return;
  // A unit recorded before (the steady state) is settled by one lock-free probe.
  if (recorder_->Recorded(target->hash, *unit)) return;
  const std::string_view variant = result.variant.name;
  for (const experiments::Arm& arm : experiment.arms) {
    if (arm.variant == variant) {
      recorder_->Record(experiment, target->hash, *unit, variant);
      return;
    }
  }
}

bool ApplyCors(const std::vector<std::string>& origins, const Request& req, Response& res) {
  if (!req.HasHeader("Origin")) return false;
  const std::string origin = req.Header("Origin");
  const bool any = std::find(origins.begin(), origins.end(), "*") != origins.end();
  if (!any && std::find(origins.begin(), origins.end(), origin) == origins.end()) return false;
  res.SetHeader("Access-Control-Allow-Origin", any ? "*" : origin);
  if (!any) res.SetHeader("Vary", "Origin");
  res.SetHeader("Access-Control-Expose-Headers", "ETag");
  return true;
}

bool AnswerNotModified(const Request& req, Response& res, const std::string& etag) {
  res.SetHeader("ETag", etag);
  res.SetHeader("Cache-Control", "no-cache");
  if (!IfNoneMatchHits(req.Header("If-None-Match"), etag)) return false;
  res.status = 304;
  return true;
}

void AddCorsRoute(Router& router, const std::shared_ptr<FlagApi>& api, Route route) {
  route.headers = [api](const Request& req, Response& res) {
    ApplyCors(api->options().cors_origins, req, res);
  };
  // Evaluation reads only memory; ingested reports go to the database.
  route.execution =
      route.rate_class == RateClass::kIngest ? Execution::kBlocking : Execution::kInline;
  router.Add(std::move(route));
}

void WritePreflight(const FlagApi& api, const Request& req, Response& res, const char* methods) {
  if (!ApplyCors(api.options().cors_origins, req, res)) {
    return WriteError(res, core::PermissionDenied("origin not allowed by server.corsOrigins"));
  }
  res.status = 204;
  res.SetHeader("Access-Control-Allow-Methods", methods);
  res.SetHeader("Access-Control-Allow-Headers",
                "Authorization, Content-Type, If-None-Match, X-API-Key, Unleash-AppName, "
                "Unleash-SDK, Unleash-Connection-Id");
  res.SetHeader("Access-Control-Max-Age", "86400");
}

void AddPreflightRoutes(Router& router, const std::shared_ptr<FlagApi>& api,
                        const std::vector<std::string>& paths, const char* methods) {
  for (const std::string& path : paths) {
    router.Add({"OPTIONS", path, Access::kPublic, RateClass::kNone,
                [api, methods](RequestContext& ctx, Response& res) {
                  WritePreflight(*api, ctx.req, res, methods);
                },
                nullptr, Execution::kInline});
  }
}

void AcceptClientReport(const FlagApi& api, ClientReport kind, RequestContext& ctx, Response& res,
                        flags::ClientInstances* seen) {
  auto body = ParseBody(ctx.req);
  if (!body.ok()) return WriteError(res, body.status());
  const std::string env = PrincipalEnvironment(ctx);
  core::Status stored;
  if (kind == ClientReport::kMetrics) {
    auto buckets = flags::ParseClientMetrics(env, *body);
    if (!buckets.ok()) return WriteError(res, buckets.status());
    if (api.sinks().metrics) stored = api.sinks().metrics(*buckets);
  } else {
    auto registration = flags::ParseClientRegistration(env, *body, api.clock().Now());
    if (!registration.ok()) return WriteError(res, registration.status());
    if (api.sinks().registration) stored = api.sinks().registration(*registration);
  }
  if (!stored.ok()) return WriteError(res, stored);
  if (seen && kind == ClientReport::kMetrics) seen->Reported(flags::CallerFromReport(env, *body));
  res.status = 202;
}

}  // namespace gov::api
