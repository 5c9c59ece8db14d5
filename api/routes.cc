#include "api/routes.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "api/internal/admin_routes.h"
#include "api/internal/analysis_routes.h"
#include "api/internal/evaluation_routes.h"
#include "api/internal/event_routes.h"
#include "api/internal/experiment_results_routes.h"
#include "api/internal/experiment_routes.h"
#include "api/internal/flag_admin_routes.h"
#include "api/internal/flag_api.h"
#include "api/internal/http_util.h"
#include "api/internal/openapi.h"
#include "api/internal/polled_streams.h"
#include "api/internal/release_plan_routes.h"
#include "api/internal/schedule_routes.h"
#include "api/internal/target_routes.h"
#include "api/internal/ui_routes.h"

#ifndef GOVERNOR_VERSION
#define GOVERNOR_VERSION "0.0.0"
#endif

namespace gov::api {

namespace {

// The OpenAPI document (api/openapi.yaml) as JSON, converted once, on the first request.
struct OpenApiCache {
  std::once_flag once;
  std::string json;
  core::Status error;
};

void AddSystemRoutes(Router& router, const RouteServices& services) {
  router.Add({"GET", "/healthz", Access::kPublic, RateClass::kNone,
              [](RequestContext&, Response& res) {
                res.status = 200;
                res.SetContent(R"({"status":"ok"})", "application/json");
              },
              nullptr, Execution::kInline});
  router.Add({"GET", "/readyz", Access::kPublic, RateClass::kNone,
              [ready = services.ready](RequestContext&, Response& res) {
                core::Status s = ready();
                if (s.ok()) return WriteJson(res, 200, {{"status", "ready"}});
                WriteJson(res, 503, {{"status", "not ready"}, {"reason", s.message()}});
              }});
  router.Add({"GET", "/metrics", Access::kPublic, RateClass::kNone,
              [&metrics = services.metrics, transport_stats = services.transport_stats,
               &events = services.events,
               &exposures = services.exposures](RequestContext&, Response& res) {
                if (const HttpServerStats* t = transport_stats ? transport_stats() : nullptr) {
                  auto get = [](const std::atomic<int64_t>& v) {
                    return v.load(std::memory_order_relaxed);
                  };
                  metrics.ObserveTransport(get(t->connections), get(t->streams),
                                           get(t->accepted_total), get(t->rejected_total),
                                           get(t->timeouts_total), get(t->slow_streams_total));
                }
                metrics.ObserveEvents(events.stats(), exposures.stats());
                res.SetContent(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
              },
              nullptr, Execution::kInline});
  router.Add({"GET", "/openapi.json", Access::kPublic, RateClass::kNone,
              [cache = std::make_shared<OpenApiCache>()](RequestContext&, Response& res) {
                // The document is fixed at build time; render it once.
                std::call_once(cache->once, [&] {
                  auto doc = OpenApiDocument(GOVERNOR_VERSION);
                  if (!doc.ok()) {
                    cache->error = doc.status();
                    return;
                  }
                  cache->json = doc->dump(-1, ' ', false, core::Json::error_handler_t::replace);
                });
                if (!cache->error.ok()) return WriteError(res, cache->error);
                res.status = 200;
                res.SetContent(cache->json, "application/json");
              },
              nullptr, Execution::kInline});
}

// The evaluation APIs (Unleash client/frontend, OFREP), sharing one FlagApi.
void AddFlagEvaluationRoutes(Router& router, const RouteServices& services) {
  const ServerConfig& config = services.config;
  FlagApiOptions evaluation;
  evaluation.cors_origins = config.cors_origins;
  evaluation.max_streams = config.max_streams;
  evaluation.keep_alive_interval = std::chrono::seconds(config.stream_keep_alive_seconds);
  evaluation.suggest_streaming = config.fetch_mode == "streaming";
  flags::FlagMetrics& flag_metrics = services.flag_metrics;
  ClientMetricsSinks sinks{[&flag_metrics](const store::ClientRegistration& registration) {
                             return flag_metrics.StoreRegistration(registration);
                           },
                           [&flag_metrics](const std::vector<store::FlagMetricsBucket>& buckets) {
                             return flag_metrics.Store(buckets);
                           }};
  sinks.instances = &flag_metrics.instances();
  auto api = std::make_shared<FlagApi>(services.flag_snapshots, services.clock, services.auth,
                                       evaluation, std::move(sinks), &services.exposures);
  AddEvaluationRoutes(router, api);
  AddEventRoutes(router, api, services.events);
}

// Live views read from the store once a second per watched key, so a stream on any replica
// follows what the leader decides. At most 1,000 streams of each kind.
constexpr int kMaxPolledStreams = 1000;

std::shared_ptr<PolledStreams> PolledStreamsOf(const RouteServices& services, std::string event,
                                               PolledStreams::Fetch fetch) {
  return std::make_shared<PolledStreams>(
      std::move(event), std::move(fetch), kMaxPolledStreams, std::chrono::seconds(1),
      std::chrono::seconds(services.config.stream_keep_alive_seconds), services.clock);
}

// A target's decisions, newest first, each as GET .../decisions shows it.
std::shared_ptr<PolledStreams> DecisionStreams(const RouteServices& services) {
  controller::TargetService& targets = services.targets;
  return PolledStreamsOf(
      services, "decision",
      [&targets](const std::string& target,
                 int limit) -> core::StatusOr<std::vector<PolledStreams::Item>> {
        store::PageRequest page;
        page.limit = limit;
        auto decisions = targets.Decisions(target, page);
        if (!decisions.ok()) return decisions.status();
        std::vector<PolledStreams::Item> items;
        items.reserve(decisions->items.size());
        for (const store::DecisionRecord& d : decisions->items) {
          items.push_back({d.seq, controller::DecisionRecordToJson(d).dump(
                                      -1, ' ', false, core::Json::error_handler_t::replace)});
        }
        return items;
      });
}

// A release plan as GET /api/v1/release-plans/{name} shows it; its version orders it.
std::shared_ptr<PolledStreams> PlanStreams(const RouteServices& services) {
  rollouts::ReleasePlanService& plans = services.release_plans;
  return PolledStreamsOf(
      services, "plan",
      [&plans](const std::string& name, int) -> core::StatusOr<std::vector<PolledStreams::Item>> {
        auto plan = plans.Get(name);
        if (!plan.ok()) return plan.status();
        return std::vector<PolledStreams::Item>{
            {plan->version, rollouts::ReleasePlanToJson(*plan).dump(
                                -1, ' ', false, core::Json::error_handler_t::replace)}};
      });
}

}  // namespace

void AddAllRoutes(Router& router, const RouteServices& services) {
  AddSystemRoutes(router, services);
  AddAdminRoutes(router, services.admin);
  AddFlagAdminRoutes(router, services.flags, services.flag_metrics);
  AddScheduleRoutes(router, services.scheduled_changes);
  AddFlagEvaluationRoutes(router, services);
  AddTargetRoutes(router, services.targets, services.forecasts, DecisionStreams(services));
  AddAnalysisRoutes(router);
  AddExperimentRoutes(router, services.experiments);
  AddExperimentResultsRoutes(router, services.results);
  AddReleasePlanRoutes(router, services.release_plans, PlanStreams(services));
  AddUiRoutes(router);
}

}  // namespace gov::api
