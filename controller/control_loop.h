#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "controller/controller_metrics.h"
#include "controller/decision.h"
#include "controller/hooks/hook.h"
#include "controller/load_history.h"
#include "controller/metric_source.h"
#include "controller/predictive_planner.h"
#include "controller/target_spec.h"
#include "controller/target_state.h"
#include "core/clock.h"
#include "store/database.h"
#include "store/decision_epoch_repository.h"
#include "store/decision_repository.h"
#include "store/load_history_repository.h"
#include "store/target_repository.h"
#include "store/target_state_repository.h"

namespace gov::controller {

// Builds the hook a target's `hook` JSON describes (MakeHook in production, fakes in tests).
using HookFactory = std::function<core::StatusOr<std::unique_ptr<Hook>>(const TargetSpec& spec)>;

struct ControlLoopOptions {
  // Decisions kept per target; older ones are deleted every `prune_every_syncs` syncs.
  int decisions_kept_per_target = 200;
  int prune_every_syncs = 20;
  // Target definitions are re-read at least this often, besides on Invalidate().
  core::Duration reload_interval = std::chrono::seconds(30);
  // Seeds decision ids (with the epoch, they stay unique across leaders). 0: from the OS.
  uint64_t id_seed = 0;
  // The load history of targets with a `predictive` block: one value per step (the mean of
  // the syncs within it), kept this long; older values are deleted every prune interval.
  std::chrono::seconds history_step = kDefaultLoadHistoryStep;
  core::Duration history_retention = store::kDefaultLoadHistoryRetention;
  core::Duration history_prune_interval = std::chrono::hours(1);
  // Back-fills a history holding less than 90% of the retention window from the metric's
  // source (Prometheus range queries), once per leadership; a failed attempt is retried after
  // `backfill_retry`. nullptr: no back-fill. Must outlive the loop.
  MetricHistorySource* history_source = nullptr;
  core::Duration backfill_retry = std::chrono::minutes(10);
  // How each target's predictive planner refits (PredictivePlanner).
  PlannerOptions planner{};
};

// The stores the loop reads and writes, each behind its interface (store/*_repository.h) so
// a test can replace one. Every call runs inside a transaction the loop opens on its database.
struct LoopRepositories {
  store::TargetReader& targets;
  store::TargetStateStore& states;
  store::DecisionWriter& decisions;
  store::DecisionEpochFence& epochs;
  store::LoadHistoryStore& history;
};
// The SQL implementations (stateless, shared by every loop).
LoopRepositories SqlLoopRepositories();

struct SyncSummary {
  int synced = 0;         // targets that synced
  int scaled = 0;         // changes applied (or recorded, in dry-run mode)
  int hook_failures = 0;  // hook calls that failed
};

// The autoscaling loop: a thin shell around Decide. For every target due at the clock's now:
// read its metrics (MetricProvider) and replica count (the hook's ReadReplicas where it can,
// else the count recorded by the last decision, else minReplicas); Decide; record the decision
// with its inputs, and when the count changes in active mode call the hook; persist the state
// (recommendations, scale events, last actions) that the next sync, a restarted process or a
// new leader continues from. Each target syncs every syncPeriodSeconds.
//
// For a target with a `predictive` block, each sync also adds the predictive metric's total
// load (TotalLoad: per-replica value × replicas, or the Value) to the target's load history,
// in memory and in the store (one value per history step), so a restarted process or a new
// leader forecasts from the same history. The history is read from the store on a target's
// first sync and, when short, back-filled from Prometheus (Value metrics only: a per-replica
// average's past total needs the past replica counts, which nothing records). The target's
// PredictivePlanner plans from the history's completed steps, and Decide gets the plan in the
// Observation. The in-memory history is trimmed to the retention a day at a time, so the
// series the planner sees keeps its start (a moved start makes it refit) for a day.
//
// Writes are fenced by the leader epoch: decisions are inserted (the ones to actuate as
// "pending") in one transaction that first checks the epoch is still current; only then are
// hooks called; their outcomes and the new states are written in a second fenced transaction.
// A failed hook leaves the state as it was (no scale event), so the next sync retries from
// the platform's real count.
//
// Not thread-safe: one runner thread calls SyncDue/NextDue/Reset; Invalidate is thread-safe.
class ControlLoop {
 public:
  ControlLoop(store::Database& db, const core::Clock& clock, MetricProvider& metrics,
              HookFactory hooks, ControllerMetrics* telemetry, ControlLoopOptions options = {},
              LoopRepositories repositories = SqlLoopRepositories());
  ~ControlLoop();

  // Syncs every target due now, as the leader of `epoch`. kConflict when `epoch` is no
  // longer the store's current epoch (another leader took over): call Reset().
  core::StatusOr<SyncSummary> SyncDue(int64_t epoch);
  // When the next target is due (or the next periodic reload); nullopt before the first sync.
  std::optional<core::TimePoint> NextDue() const;
  // Target definitions changed: re-read them before the next sync. Thread-safe.
  void Invalidate();
  // Forgets everything cached (states, hooks, schedule): the next SyncDue starts from the
  // store, as a new leader does.
  void Reset();

 private:
  struct Entry;
  struct Pending;
  core::Status Reload(core::TimePoint now);
  Pending Prepare(Entry& entry, int64_t epoch, core::TimePoint now);
  // Adds this sync's load reading to the entry's history (loading and back-filling it first
  // when needed; the values to store go to `p`), then plans from it into `obs.plan`.
  void RecordLoadAndPlan(Entry& entry, Pending& p, Observation& obs, core::TimePoint now);
  // Makes the entry's history the predictive metric's: read from the store, then back-filled.
  void EnsureHistory(Entry& entry, Pending& p, const MetricSpec& metric, core::TimePoint now);
  Hook* EnsureHook(Entry& entry);
  std::string NewDecisionId(int64_t epoch);

  store::Database& db_;
  const LoopRepositories repos_;
  const core::Clock& clock_;
  MetricProvider& metrics_;
  HookFactory hooks_;
  ControllerMetrics* telemetry_;
  ControlLoopOptions options_;
  std::mt19937_64 id_rng_;
  std::atomic<bool> dirty_{true};
  bool states_loaded_ = false;
  std::optional<core::TimePoint> next_reload_;
  std::optional<core::TimePoint> next_history_prune_;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;
};

}  // namespace gov::controller
