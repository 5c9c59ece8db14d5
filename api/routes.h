#pragma once

#include <functional>

#include "api/admin_service.h"
#include "api/authenticator.h"
#include "api/config.h"
#include "api/http_metrics.h"
#include "api/http_server.h"
#include "api/router.h"
#include "controller/forecast_service.h"
#include "controller/target_service.h"
#include "core/clock.h"
#include "core/status.h"
#include "experiments/event_service.h"
#include "experiments/experiment_service.h"
#include "experiments/exposure_recorder.h"
#include "experiments/results_service.h"
#include "flags/flag_metrics.h"
#include "flags/flag_service.h"
#include "flags/scheduled_changes.h"
#include "flags/snapshot_registry.h"
#include "rollouts/release_plan_service.h"

namespace gov::api {

// What the routes call: the services the composition root built, plus two callbacks into
// the running server. Every reference must outlive the router.
struct RouteServices {
  const ServerConfig& config;
  const core::Clock& clock;
  Authenticator& auth;
  HttpMetrics& metrics;
  AdminService& admin;
  flags::FlagService& flags;
  flags::FlagMetrics& flag_metrics;
  flags::SnapshotRegistry& flag_snapshots;
  // Scheduled flag changes (create, list, cancel).
  flags::ScheduledChangeService& scheduled_changes;
  controller::TargetService& targets;
  controller::ForecastService& forecasts;  // a target's forecast and capacity report
  // Experiments and metric definitions.
  experiments::ExperimentService& experiments;
  // Event ingestion (POST /api/v1/events) and the exposures server-side evaluation records.
  experiments::EventService& events;
  experiments::ExposureRecorder& exposures;
  // Experiment results from the stored aggregates.
  experiments::ResultsService& results;
  // Release plans and their templates.
  rollouts::ReleasePlanService& release_plans;
  // /readyz: Ok when the database answers and the schema is current, else the reason.
  std::function<core::Status()> ready;
  // /metrics: the transport's counters, or nullptr before the server is bound.
  std::function<const HttpServerStats*()> transport_stats;
};

// Adds every route Governor serves to `router`: the system routes (/healthz, /readyz,
// /metrics, /openapi.json), tokens/environments/audit, the flags admin API, the flag
// evaluation APIs (Unleash client and frontend, OFREP), the targets API and the web console
// (/ui/).
void AddAllRoutes(Router& router, const RouteServices& services);

}  // namespace gov::api
