#pragma once

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "controller/control_loop.h"
#include "controller/control_loop_runner.h"
#include "controller/controller_metrics.h"
#include "controller/forecast_service.h"
#include "controller/leader.h"
#include "controller/load_history.h"
#include "controller/metric_source.h"
#include "controller/metric_store.h"
#include "controller/target_service.h"
#include "core/clock.h"
#include "integrations/prometheus_client.h"
#include "store/database.h"

namespace gov::controller {

struct ControlLoopServiceOptions {
  // This process's name in the leader record (e.g. "host:pid").
  std::string holder;
  // Builds a target's hook (MakeHook in production) and checks `hook` objects on writes.
  HookFactory hooks;
  HookValidator validate_hook;
  // How long the runner waits between leadership checks.
  core::Duration poll_interval = std::chrono::seconds(1);
  // Receives the runner's leadership and error lines.
  std::function<void(std::string_view)> log;
};

// The controller as the server runs it: the push store, the metric sources, the target
// service, the loop, leader election and the runner thread, wired together. Start() applies
// the config file's targets and starts the runner; Stop() stops it and resigns leadership.
class ControlLoopService {
 public:
  // `target_repositories` are the target service's (see TargetService); `loop_repositories` the
  // loop's and the forecast service's (see ControlLoop). The composition root passes both.
  ControlLoopService(store::Database& db, const core::Clock& clock, prometheus::Registry& registry,
                     ControlLoopServiceOptions options,
                     TargetRepositories target_repositories = SqlTargetRepositories(),
                     LoopRepositories loop_repositories = SqlLoopRepositories());
  ~ControlLoopService();

  // Upserts the config's `targets:` (see TargetService::SyncConfigTargets), subscribes to
  // target changes and starts the runner thread.
  core::Status Start(const core::Json& config_targets);
  // Stops the runner and releases leadership. Safe to call more than once.
  void Stop();

  TargetService& targets() { return *targets_; }
  ControlLoopRunner& runner() { return *runner_; }
  ControlLoop& loop() { return *loop_; }
  PushMetricStore& push_store() { return push_; }
  ForecastService& forecasts() { return *forecasts_; }

 private:
  store::Database& db_;
  PushMetricStore push_;
  integrations::PrometheusHttpClient prometheus_;
  SourceRouter sources_;
  PrometheusMetricHistory prometheus_history_;  // back-fills predictive targets' load history
  ControllerMetrics metrics_;
  std::unique_ptr<TargetService> targets_;
  std::unique_ptr<ForecastService> forecasts_;
  std::unique_ptr<ControlLoop> loop_;
  std::unique_ptr<LeaderElector> elector_;
  std::unique_ptr<ControlLoopRunner> runner_;
  // What the change listener reaches; emptied by Stop(), since the database may deliver a
  // notification after this object is gone.
  struct ListenerTarget {
    std::mutex mu;
    ControlLoopService* service = nullptr;
  };
  std::shared_ptr<ListenerTarget> listener_ = std::make_shared<ListenerTarget>();
  bool started_ = false;
};

}  // namespace gov::controller
