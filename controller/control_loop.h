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
#include "controller/metric_source.h"
#include "controller/target_spec.h"
#include "controller/target_state.h"
#include "core/clock.h"
#include "store/database.h"
#include "store/decision_epoch_repository.h"
#include "store/decision_repository.h"
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
};

// The stores the loop reads and writes, each behind its interface (store/*_repository.h) so
// a test can replace one. Every call runs inside a transaction the loop opens on its database.
struct LoopRepositories {
  store::TargetReader& targets;
  store::TargetStateStore& states;
  store::DecisionWriter& decisions;
  store::DecisionEpochFence& epochs;
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
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;
};

}  // namespace gov::controller
