#include "app/server.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "api/routes.h"
#include "controller/hooks/hook.h"
#include "core/thread_priority.h"
#include "store/migrations.h"

#ifndef GOVERNOR_VERSION
#define GOVERNOR_VERSION "0.0.0"
#endif

namespace gov::app {

namespace {

// Writes access-log lines through stdio's own buffer without flushing each one: line-buffered
// on a terminal, block-buffered into a file or pipe. spdlog's stdout sinks flush every message,
// a write(2) per request; and an async logger wakes its thread per message. The server flushes
// this sink once a second and at shutdown, so a line reaches a file at most ~1 s late.
class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  void flush_() override { std::fflush(stdout); }
};

std::shared_ptr<spdlog::logger> MakeAccessLog(const api::ServerConfig& config) {
  if (!config.access_log) return nullptr;
  auto logger = std::make_shared<spdlog::logger>("access", std::make_shared<BufferedStdoutSink>());
  logger->set_pattern(config.log_format == "json" ? "%v" : "%Y-%m-%dT%H:%M:%S.%eZ access %v",
                      spdlog::pattern_time_type::utc);
  logger->flush_on(spdlog::level::off);
  return logger;
}

}  // namespace

GovernorServer::GovernorServer(api::ServerConfig config, const core::Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      access_log_(MakeAccessLog(config_)),
      metrics_(GOVERNOR_VERSION),
      auth_(clock),
      limiter_(clock, config_.rate_limits) {}

GovernorServer::~GovernorServer() {
  Stop();
  if (access_log_) access_log_->flush();
}

core::Status GovernorServer::Open() {
  ASSIGN_OR_RETURN(db_, store::OpenDatabase(config_.database_url, config_.database_pool_size));
  RETURN_IF_ERROR(store::Migrate(*db_));
  metrics_.SetDbUp(true);  // it just answered; the housekeeping thread probes it every second
  admin_ = std::make_unique<api::AdminService>(
      *db_, auth_, clock_, api::AdminRepositories{token_store_, environment_store_, audit_log_});
  ASSIGN_OR_RETURN(generated_admin_token_, admin_->EnsureAdminToken(config_.admin_token));
  RETURN_IF_ERROR(auth_.Reload(*db_, token_store_));
  // Other replicas' token changes arrive by notification; a periodic reload covers a
  // missed notification (e.g. while the listener reconnected).
  RETURN_IF_ERROR(db_->Listen("gov_tokens", [this](const std::string&, const std::string&) {
    core::Status s = auth_.Reload(*db_, token_store_);
    if (!s.ok()) spdlog::warn("token reload failed: {}", s.ToString());
  }));
  // Once a second: flush the access log; every 10 s: re-read the tokens (the fallback for a
  // missed notification).
  housekeeping_ = core::StartThread("gov-housekeep", [this] {
    std::unique_lock<std::mutex> lock(refresher_mu_);
    for (int tick = 1; !stopped_.load(); ++tick) {
      refresher_cv_.wait_for(lock, std::chrono::seconds(1));
      if (stopped_.load()) break;
      if (access_log_) access_log_->flush();
      // /metrics runs on the event loop and must not touch the database: it reports this.
      metrics_.SetDbUp(db_->Ping().ok());
      if (tick % 10 != 0) continue;
      core::Status s = auth_.Reload(*db_, token_store_);
      if (!s.ok()) spdlog::warn("token reload failed: {}", s.ToString());
    }
  });

  // Modules (flags, controller) construct and start their services here.
  RETURN_IF_ERROR(OpenFlags());
  RETURN_IF_ERROR(OpenController());
  RETURN_IF_ERROR(OpenExperiments());
  RETURN_IF_ERROR(OpenAggregation());  // before the events, whose commits wake it
  RETURN_IF_ERROR(OpenEvents());
  RETURN_IF_ERROR(OpenScheduledChanges());
  RETURN_IF_ERROR(OpenReleasePlans());

  router_ = std::make_unique<api::Router>(auth_, limiter_, metrics_, access_log_,
                                          config_.log_format == "json");
  api::AddAllRoutes(*router_, {.config = config_,
                               .clock = clock_,
                               .auth = auth_,
                               .metrics = metrics_,
                               .admin = *admin_,
                               .flags = *flag_service_,
                               .flag_metrics = *flag_metrics_,
                               .flag_snapshots = flag_snapshots_,
                               .scheduled_changes = *scheduled_changes_,
                               .targets = controller_->targets(),
                               .forecasts = controller_->forecasts(),
                               .experiments = *experiment_service_,
                               .events = *event_service_,
                               .exposures = *exposure_recorder_,
                               .results = *results_service_,
                               .release_plans = *release_plans_,
                               .ready = [this] { return Ready(); },
                               .transport_stats = [this] { return http_stats(); }});
  return core::Status::Ok();
}

// The autoscaling controller: config-file targets upserted, and the loop
// runner, which leads when it holds the database's leader lock. Hooks are built by MakeHook.
core::Status GovernorServer::OpenController() {
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  const controller::HookEnv hook_env = controller::SystemHookEnv();
  controller::ControlLoopServiceOptions options;
  options.holder = std::string(host) + ":" + std::to_string(getpid());
  options.hooks = [hook_env](const controller::TargetSpec& spec) {
    return controller::MakeHook(spec.hook, "hook", hook_env);
  };
  options.validate_hook = controller::MakeHookValidator(hook_env);
  options.log = [](std::string_view line) { spdlog::info("{}", line); };
  controller_ = std::make_unique<controller::ControlLoopService>(
      *db_, clock_, metrics_.registry(), std::move(options),
      controller::TargetRepositories{target_store_, audit_log_},
      controller::LoopRepositories{target_reader_, target_states_, decision_writer_, epoch_fence_,
                                   load_history_});
  RETURN_IF_ERROR(controller_->Start(config_.targets));
  return core::Status::Ok();
}

// Experiments: the running ones published before serving, and again whenever any replica
// starts, stops, concludes or deletes one (a notification on kExperimentsChannel).
core::Status GovernorServer::OpenExperiments() {
  experiment_service_ = std::make_unique<experiments::ExperimentService>(
      *db_, *flag_service_, running_experiments_, clock_,
      experiments::ExperimentRepositories{experiment_store_, metric_store_, environment_store_,
                                          audit_log_});
  RETURN_IF_ERROR(experiment_service_->open_status());
  return db_->Listen(experiments::kExperimentsChannel,
                     [this](const std::string&, const std::string&) {
                       core::Status s = experiment_service_->PublishRunning();
                       if (!s.ok()) {
                         spdlog::warn("running experiments reload failed: {}", s.ToString());
                       }
                     });
}

// Events: the events API's batches are committed at request priority (their requests wait),
// the exposures evaluation records by a lowered thread (nobody waits for them).
core::Status GovernorServer::OpenEvents() {
  event_store_ = std::make_unique<store::SqlEventStore>(db_->backend());
  experiments::EventServiceOptions options;
  options.on_commit = [this] { aggregator_->Wake(); };
  options.writer_nice = config_.experiments_writer_nice;
  options.background_writer_nice = config_.experiments_exposure_writer_nice;
  event_service_ = std::make_unique<experiments::EventService>(
      *db_, *event_store_, running_experiments_, clock_, std::move(options));
  event_service_->Start();
  exposure_recorder_ = std::make_unique<experiments::ExposureRecorder>(
      running_experiments_, clock_, [this](std::vector<store::EventRow> rows) {
        return event_service_->Write(std::move(rows), experiments::WriteLane::kBackground);
      });
  exposure_recorder_->Start();
  return core::Status::Ok();
}

// Experiment aggregation: a thread folds new events into the aggregates results read.
core::Status GovernorServer::OpenAggregation() {
  experiments::AggregatorOptions options;
  options.log = [](std::string_view line) { spdlog::warn("{}", line); };
  options.nice = config_.experiments_aggregation_nice;
  aggregator_ = std::make_unique<experiments::Aggregator>(*db_, experiment_catalog_, options);
  aggregator_->Start();
  results_service_ = std::make_unique<experiments::ResultsService>(*db_, clock_);
  return core::Status::Ok();
}

// Scheduled flag changes: the runner executes the due ones once a second while this process
// holds the controller's leadership (exactly once even if two processes ran them).
core::Status GovernorServer::OpenScheduledChanges() {
  scheduled_changes_ = std::make_unique<flags::ScheduledChangeService>(
      *db_, *flag_service_, clock_,
      flags::FlagRepositories{flag_store_, environment_store_, audit_log_, flag_metrics_store_});
  flags::ScheduledChangeRunnerOptions options;
  options.leading = [this] { return controller_->runner().leader(); };
  options.log = [](std::string_view line) { spdlog::info("{}", line); };
  scheduled_change_runner_ =
      std::make_unique<flags::ScheduledChangeRunner>(*scheduled_changes_, clock_, options);
  scheduled_change_runner_->Start();
  return core::Status::Ok();
}

// Release plans: the service the routes call (plans, actions, templates).
core::Status GovernorServer::OpenReleasePlans() {
  prometheus_ = std::make_unique<integrations::PrometheusHttpClient>();
  release_plan_gauges_ =
      std::make_unique<rollouts::PrometheusReleasePlanGauges>(metrics_.registry());
  // Exposures and experiment metrics of running plans: server-side evaluation records them
  // into the events of each plan's evidence window (published on every replica).
  release_plan_evidence_ = std::make_unique<rollouts::SqlPlanEvidence>(*db_);
  rollouts::ReleasePlanServiceOptions plan_options;
  plan_options.gauges = release_plan_gauges_.get();
  plan_options.evidence = release_plan_evidence_.get();
  plan_options.windows = &running_experiments_;
  release_plans_ = std::make_unique<rollouts::ReleasePlanService>(*db_, *flag_service_, clock_,
                                                                  prometheus_.get(), plan_options);
  // Direct edits of a running plan's managed strategy are refused (409 naming the plan).
  release_plan_guard_ = std::make_unique<rollouts::ReleasePlanStrategyGuard>();
  flag_service_->SetStrategyGuard(release_plan_guard_.get());
  if (core::Status s = release_plans_->RefreshGauges(); !s.ok()) {
    spdlog::warn("release plans: gauges: {}", s.ToString());
  }
  // The leader drives running plans (at least once a second) and delivers their webhooks.
  rollouts::ReleasePlanRunnerOptions runner;
  runner.leading = [this] { return controller_->runner().leader(); };
  runner.log = [](std::string_view line) { spdlog::info("{}", line); };
  release_plan_runner_ =
      std::make_unique<rollouts::ReleasePlanRunner>(*release_plans_, clock_, runner);
  release_plan_runner_->Start();
  integrations::SignedWebhookSenderOptions sender;
  sender.clock = &clock_;
  sender.log = [](std::string_view line) { spdlog::info("{}", line); };
  release_plan_webhooks_ = std::make_unique<integrations::SignedWebhookSender>(sender);
  rollouts::OutboxDispatcherOptions dispatcher;
  dispatcher.leading = [this] { return controller_->runner().leader(); };
  dispatcher.log = [](std::string_view line) { spdlog::info("{}", line); };
  release_plan_outbox_ = std::make_unique<rollouts::OutboxDispatcher>(*db_, *release_plan_webhooks_,
                                                                      clock_, dispatcher);
  release_plan_outbox_->Start();
  return core::Status::Ok();
}

core::Status GovernorServer::Ready() {
  if (!db_) return core::Unavailable("database not open");
  core::Status ping = db_->Ping();
  metrics_.SetDbUp(ping.ok());
  if (!ping.ok()) return core::Unavailable("database: " + ping.message());
  auto current = store::SchemaUpToDate(*db_);
  if (!current.ok()) return core::Unavailable("database: " + current.status().message());
  if (!*current) return core::Unavailable("schema migrations are not all applied");
  return core::Status::Ok();
}

// Feature flags: every environment published to flag_snapshots_ before serving, kept current
// by the publisher (notifications from any replica, plus a periodic revision check).
core::Status GovernorServer::OpenFlags() {
  flags::PublisherOptions options;
  options.clock = &clock_;
  if (const char* env_host = std::getenv("HOSTNAME"); env_host != nullptr && *env_host) {
    options.compile.hostname = env_host;
  } else {
    char host[256] = "";
    gethostname(host, sizeof(host) - 1);
    options.compile.hostname = host;
  }
  const flags::FlagRepositories repositories{flag_store_, environment_store_, audit_log_,
                                             flag_metrics_store_};
  flag_publisher_ =
      std::make_unique<flags::SnapshotPublisher>(*db_, flag_snapshots_, options, repositories);
  flag_service_ =
      std::make_unique<flags::FlagService>(*db_, *flag_publisher_, clock_, repositories);
  flag_metrics_ = std::make_unique<flags::FlagMetrics>(*db_, clock_, repositories);
  // The SDK instances the client API saw, written every 5 s (GET /api/v1/applications).
  flag_metrics_->instances().Start(std::chrono::seconds(5), [](std::string_view line) {
    spdlog::warn("client instances: {}", line);
  });
  RETURN_IF_ERROR(flag_publisher_->Start());
  return core::Status::Ok();
}

core::StatusOr<int> GovernorServer::Bind() {
  api::HttpServerOptions options;
  options.host = config_.listen_host;
  options.port = config_.listen_port;
  options.io_threads = config_.io_threads;
  options.blocking_threads = config_.workers;
  options.max_connections = config_.max_connections;
  options.header_timeout = std::chrono::seconds(config_.header_timeout_seconds);
  options.read_timeout = std::chrono::seconds(config_.read_timeout_seconds);
  options.keep_alive_timeout = std::chrono::seconds(config_.keep_alive_timeout_seconds);
  options.max_header_bytes = config_.max_header_bytes;
  options.max_body_bytes = config_.max_body_bytes;
  options.keep_alive_max_count = config_.keep_alive_max_count;
  options.stream_buffer_bytes = config_.stream_buffer_bytes;
  http_ = std::make_unique<api::HttpServer>(*router_, options);
  return http_->Bind();
}

void GovernorServer::Serve() {
  if (!http_) return;
  serving_ = true;
  http_->Serve();
}

bool GovernorServer::Stop() {
  if (stopped_.exchange(true)) return true;
  {
    std::lock_guard<std::mutex> lock(refresher_mu_);
    refresher_cv_.notify_all();
  }
  if (housekeeping_.joinable()) housekeeping_.join();
  bool drained = true;
  if (http_) {
    // Stops accepting; idle connections close, in-flight requests finish, streams end.
    drained = http_->Stop(std::chrono::seconds(config_.shutdown_deadline_seconds));
    if (!drained) {
      spdlog::warn("shutdown deadline of {} s passed with requests still running",
                   config_.shutdown_deadline_seconds);
    }
  }
  // Modules stop their background work here, before the store closes. Queued exposures are
  // written, then every acknowledged or queued event is committed.
  if (exposure_recorder_) exposure_recorder_->Stop();
  if (event_service_) event_service_->Stop();
  if (aggregator_) aggregator_->Stop();
  if (scheduled_change_runner_) scheduled_change_runner_->Stop();
  if (release_plan_runner_) release_plan_runner_->Stop();
  if (release_plan_outbox_) release_plan_outbox_->Stop();
  if (flag_metrics_) flag_metrics_->instances().Stop();  // writes the last sightings
  if (flag_publisher_) flag_publisher_->Stop();
  if (controller_) controller_->Stop();
  if (drained && db_) db_->Close();
  if (access_log_) access_log_->flush();
  return drained;
}

}  // namespace gov::app
