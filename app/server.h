#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/admin_service.h"
#include "api/authenticator.h"
#include "api/config.h"
#include "api/http.h"
#include "api/http_metrics.h"
#include "api/http_server.h"
#include "api/rate_limiter.h"
#include "api/router.h"
#include "controller/control_loop_service.h"
#include "core/clock.h"
#include "experiments/aggregator.h"
#include "experiments/event_service.h"
#include "experiments/experiment_service.h"
#include "experiments/exposure_recorder.h"
#include "experiments/results_service.h"
#include "experiments/running_experiments.h"
#include "experiments/sql_experiment_catalog.h"
#include "flags/flag_metrics.h"
#include "flags/flag_service.h"
#include "flags/scheduled_changes.h"
#include "flags/snapshot_publisher.h"
#include "flags/snapshot_registry.h"
#include "integrations/prometheus_client.h"
#include "integrations/signed_webhook_sender.h"
#include "rollouts/outbox_dispatcher.h"
#include "rollouts/plan_evidence.h"
#include "rollouts/release_plan_metrics.h"
#include "rollouts/release_plan_runner.h"
#include "rollouts/release_plan_service.h"
#include "store/audit_repository.h"
#include "store/database.h"
#include "store/decision_epoch_repository.h"
#include "store/decision_repository.h"
#include "store/environment_repository.h"
#include "store/event_repository.h"
#include "store/experiment_repository.h"
#include "store/flag_metrics_repository.h"
#include "store/flag_repository.h"
#include "store/load_history_repository.h"
#include "store/metric_repository.h"
#include "store/target_repository.h"
#include "store/target_state_repository.h"
#include "store/token_repository.h"

namespace gov::app {

// The composition root of the Governor service: opens and migrates the store, builds the
// services (tokens, flags, the autoscaling controller and its leader-elected loop), makes sure
// an admin can log in, and serves every route api/ defines.
// Lifecycle: Open() -> Bind() -> Serve() (blocks) ... Stop().
class GovernorServer {
 public:
  GovernorServer(api::ServerConfig config, const core::Clock& clock);
  ~GovernorServer();

  // Opens the database, applies migrations, loads tokens and registers routes.
  core::Status Open();
  // Binds the configured address; returns the port (useful with port 0).
  core::StatusOr<int> Bind();
  // Serves until Stop(); in-flight requests finish first.
  void Serve();
  // Stops accepting, lets in-flight requests finish within the shutdown deadline, closes the
  // store. Safe to call from any thread, more than once. Returns false when the deadline
  // passed with requests still running.
  bool Stop();

  // The admin secret generated on first start ("" when none was generated this run).
  const std::string& generated_admin_token() const { return generated_admin_token_; }
  api::Router& router() { return *router_; }
  store::Database& database() { return *db_; }
  api::HttpMetrics& metrics() { return metrics_; }
  // The transport's counters (connections, streams); valid after Bind().
  const api::HttpServerStats* http_stats() const { return http_ ? &http_->stats() : nullptr; }
  // The autoscaling controller (targets, pushed metrics, the loop and its runner).
  controller::ControlLoopService& controller() { return *controller_; }
  const api::ServerConfig& config() const { return config_; }
  // The current compiled flags of every environment, kept equal to the store (readers: the
  // client, frontend and OFREP APIs).
  flags::SnapshotRegistry& flag_snapshots() { return flag_snapshots_; }
  // Flag and segment changes, import/export (the admin API's service).
  flags::FlagService& flag_service() { return *flag_service_; }
  // Client metrics and registrations (POST /api/client/metrics and /register bodies).
  flags::FlagMetrics& flag_metrics() { return *flag_metrics_; }
  // Scheduled flag changes; the runner executes the due ones while this process leads.
  flags::ScheduledChangeService& scheduled_changes() { return *scheduled_changes_; }
  // Experiments and metric definitions, and the running experiments it publishes.
  experiments::ExperimentService& experiment_service() { return *experiment_service_; }
  experiments::RunningExperiments& running_experiments() { return running_experiments_; }
  // Event ingestion and server-side exposure recording.
  experiments::EventService& event_service() { return *event_service_; }
  experiments::ExposureRecorder& exposure_recorder() { return *exposure_recorder_; }
  // Experiment aggregation (its thread runs from Open to Stop) and results.
  experiments::Aggregator& aggregator() { return *aggregator_; }
  experiments::ResultsService& results_service() { return *results_service_; }
  // Release plans and their templates (the routes' service).
  rollouts::ReleasePlanService& release_plans() { return *release_plans_; }

  // 200-ready check: the database answers and the schema is current; else the reason.
  core::Status Ready();

 private:
  core::Status OpenFlags();
  core::Status OpenController();
  core::Status OpenExperiments();
  core::Status OpenEvents();
  core::Status OpenAggregation();
  core::Status OpenScheduledChanges();
  core::Status OpenReleasePlans();

  api::ServerConfig config_;
  const core::Clock& clock_;
  std::shared_ptr<spdlog::logger> access_log_;
  api::HttpMetrics metrics_;
  std::unique_ptr<store::Database> db_;
  // The repositories every service reads and writes through: the SQL implementations over
  // db_, wired here and nowhere else in production (stateless; declared before the services).
  store::SqlAuditLog audit_log_;
  store::SqlTokenStore token_store_;
  store::SqlEnvironmentStore environment_store_;
  store::SqlFlagStore flag_store_;
  store::SqlFlagMetricsStore flag_metrics_store_;
  store::SqlTargetStore target_store_;
  store::SqlTargetReader target_reader_;
  store::SqlTargetStateStore target_states_;
  store::SqlDecisionWriter decision_writer_;
  store::SqlDecisionEpochFence epoch_fence_;
  store::SqlLoadHistoryStore load_history_;
  store::SqlExperimentStore experiment_store_;
  store::SqlMetricStore metric_store_;
  api::Authenticator auth_;
  api::RateLimiter limiter_;
  std::unique_ptr<api::AdminService> admin_;
  std::unique_ptr<controller::ControlLoopService> controller_;
  flags::SnapshotRegistry flag_snapshots_;
  std::unique_ptr<flags::SnapshotPublisher> flag_publisher_;
  std::unique_ptr<flags::FlagService> flag_service_;
  std::unique_ptr<flags::FlagMetrics> flag_metrics_;
  std::unique_ptr<flags::ScheduledChangeService> scheduled_changes_;
  std::unique_ptr<flags::ScheduledChangeRunner> scheduled_change_runner_;
  // The running experiments, published by experiment_service_ (read by evaluation and event
  // ingestion).
  experiments::RunningExperiments running_experiments_;
  std::unique_ptr<experiments::ExperimentService> experiment_service_;
  // Event ingestion (its group-commit writer runs from Open to Stop) and the exposures
  // server-side evaluation records through it.
  std::unique_ptr<store::SqlEventStore> event_store_;
  std::unique_ptr<experiments::EventService> event_service_;
  std::unique_ptr<experiments::ExposureRecorder> exposure_recorder_;
  // Events -> experiment aggregates (a background thread), and results read from them.
  experiments::SqlExperimentCatalog experiment_catalog_;
  std::unique_ptr<experiments::Aggregator> aggregator_;
  std::unique_ptr<experiments::ResultsService> results_service_;
  // Release plans: the Prometheus client their guardrails query, and the service.
  std::unique_ptr<integrations::PrometheusHttpClient> prometheus_;
  std::unique_ptr<rollouts::SqlPlanEvidence> release_plan_evidence_;
  std::unique_ptr<rollouts::ReleasePlanService> release_plans_;
  // Release plans' gauges, the guard refusing direct edits of their managed strategies, the
  // leader's runner driving them, and the dispatcher delivering their webhooks from the outbox.
  std::unique_ptr<rollouts::PrometheusReleasePlanGauges> release_plan_gauges_;
  std::unique_ptr<rollouts::ReleasePlanStrategyGuard> release_plan_guard_;
  std::unique_ptr<rollouts::ReleasePlanRunner> release_plan_runner_;
  std::unique_ptr<integrations::SignedWebhookSender> release_plan_webhooks_;
  std::unique_ptr<rollouts::OutboxDispatcher> release_plan_outbox_;
  std::unique_ptr<api::Router> router_;
  std::unique_ptr<api::HttpServer> http_;
  std::string generated_admin_token_;
  std::atomic<bool> serving_{false};
  std::atomic<bool> stopped_{false};
  std::thread housekeeping_;
  std::mutex refresher_mu_;
  std::condition_variable refresher_cv_;
};

}  // namespace gov::app
