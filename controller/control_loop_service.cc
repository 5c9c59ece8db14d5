#include "controller/control_loop_service.h"

namespace gov::controller {

ControlLoopService::ControlLoopService(store::Database& db, const core::Clock& clock,
                                       prometheus::Registry& registry,
                                       ControlLoopServiceOptions options,
                                       TargetRepositories target_repositories,
                                       LoopRepositories loop_repositories)
    : db_(db), sources_(push_, prometheus_), prometheus_history_(prometheus_), metrics_(registry) {
  targets_ = std::make_unique<TargetService>(db, clock, push_, std::move(options.validate_hook),
                                             target_repositories);
  forecasts_ = std::make_unique<ForecastService>(db, clock, target_repositories.targets,
                                                 loop_repositories.history);
  ControlLoopOptions loop_options;
  loop_options.history_source = &prometheus_history_;
  loop_ = std::make_unique<ControlLoop>(db, clock, sources_, std::move(options.hooks), &metrics_,
                                        loop_options, loop_repositories);
  elector_ = std::make_unique<LeaderElector>(
      db, clock, options.holder, kControllerLeaderLockKey,
      LeaderElector::Repositories{loop_repositories.epochs, loop_repositories.decisions});
  runner_ = std::make_unique<ControlLoopRunner>(
      *loop_, *elector_, &metrics_, clock,
      ControlLoopRunnerOptions{options.poll_interval, std::move(options.log)});
}

ControlLoopService::~ControlLoopService() { Stop(); }

core::Status ControlLoopService::Start(const core::Json& config_targets) {
  RETURN_IF_ERROR(targets_->SyncConfigTargets(config_targets));
  // Changes made through any replica's API reach the leader's loop.
  {
    std::lock_guard lock(listener_->mu);
    listener_->service = this;
  }
  RETURN_IF_ERROR(
      db_.Listen(kTargetsChannel, [target = listener_](const std::string&, const std::string&) {
        std::lock_guard lock(target->mu);
        if (target->service == nullptr) return;
        target->service->loop_->Invalidate();
        target->service->runner_->Wake();
      }));
  runner_->Start();
  started_ = true;
  return core::Status::Ok();
}

void ControlLoopService::Stop() {
  {
    std::lock_guard lock(listener_->mu);
    listener_->service = nullptr;
  }
  if (!started_) return;
  started_ = false;
  runner_->Stop();
}

}  // namespace gov::controller
