#include "controller/control_loop.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "store/decision_epoch_repository.h"
#include "store/decision_repository.h"
#include "store/target_repository.h"
#include "store/target_state_repository.h"

namespace gov::controller {

namespace {

std::string HookKind(const core::Json& hook) {
  if (!hook.is_object() || hook.size() != 1) return "";
  return hook.begin().key();
}

core::TimePoint TruncateToMillis(core::TimePoint t) {
  return core::FromUnixMillis(core::ToUnixMillis(t));
}

// The in-memory load history is trimmed once its oldest step is this far past the retention.
constexpr core::Duration kHistoryTrimSlack = std::chrono::hours(24);

core::Status Deposed(int64_t epoch) {
  return core::Conflict("leader epoch " + std::to_string(epoch) +
                        " is no longer current: another process leads the controller");
}

// A hook's answer to decision `id`, as SetActuation records it.
struct OwedAnswer {
  std::string id;
  store::Actuation actuation = store::Actuation::kNone;
  std::optional<std::string> error;
  std::string record_json;
};

}  // namespace

LoopRepositories SqlLoopRepositories() {
  static store::SqlTargetReader targets;
  static store::SqlTargetStateStore states;
  static store::SqlDecisionWriter decisions;
  static store::SqlDecisionEpochFence epochs;
  static store::SqlLoadHistoryStore history;
  return LoopRepositories{targets, states, decisions, epochs, history};
}

struct ControlLoop::Entry {
  TargetSpec spec;
  int64_t version = 0;
  std::unique_ptr<Hook> hook;  // built on first use
  std::string hook_error;
  core::TimePoint next_due;
  TargetState state;
  std::optional<int32_t> replicas;  // the count recorded by the last decision
  int syncs_since_prune = 0;
  // Hook answers whose recording failed (the store refused step 3 of a sync after the hook
  // was called): the next sync writes them before anything else.
  std::vector<OwedAnswer> owed;
  // The predictive metric's load history (predictive targets only; read on first use) and
  // the metric it belongs to.
  std::unique_ptr<LoadHistory> history;
  std::string history_metric;
  core::TimePoint next_backfill;               // when back-filling may be tried (again)
  std::unique_ptr<PredictivePlanner> planner;  // with `history`
};

// One target's sync between Prepare and the writes.
struct ControlLoop::Pending {
  Entry* entry = nullptr;
  SyncRecord record;
  TargetState state_after;     // valid unless the actuation is pending
  int32_t replicas_after = 0;  // valid unless the actuation is pending
  bool write_state = true;
  std::vector<store::LoadSample> history_writes;  // of entry->history_metric
};

ControlLoop::ControlLoop(store::Database& db, const core::Clock& clock, MetricProvider& metrics,
                         HookFactory hooks, ControllerMetrics* telemetry,
                         ControlLoopOptions options, LoopRepositories repositories)
    : db_(db),
      repos_(repositories),
      clock_(clock),
      metrics_(metrics),
      hooks_(std::move(hooks)),
      telemetry_(telemetry),
      options_(options),
      id_rng_(options.id_seed != 0
                  ? options.id_seed
                  : (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()) {}

ControlLoop::~ControlLoop() = default;

void ControlLoop::Invalidate() { dirty_ = true; }

void ControlLoop::Reset() {
  if (telemetry_ != nullptr) {
    for (const auto& [name, entry] : entries_) telemetry_->ForgetTarget(name);
  }
  entries_.clear();
  states_loaded_ = false;
  dirty_ = true;
  next_reload_.reset();
}

std::optional<core::TimePoint> ControlLoop::NextDue() const {
  std::optional<core::TimePoint> next = next_reload_;
  for (const auto& [name, entry] : entries_) {
    if (!next || entry->next_due < *next) next = entry->next_due;
  }
  return next;
}

std::string ControlLoop::NewDecisionId(int64_t epoch) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "d%" PRId64 "-%016" PRIx64, epoch, id_rng_());
  return buf;
}

core::Status ControlLoop::Reload(core::TimePoint now) {
  std::vector<store::TargetRecord> targets;
  std::vector<store::TargetStateRecord> states;
  RETURN_IF_ERROR(store::WithTransaction(db_, store::TxMode::kReadOnly,
                                         [&](store::Transaction& tx) -> core::Status {
                                           ASSIGN_OR_RETURN(targets, repos_.targets.ListAll(tx));
                                           if (!states_loaded_) {
                                             ASSIGN_OR_RETURN(states, repos_.states.ListAll(tx));
                                           }
                                           return core::Status::Ok();
                                         }));
  std::map<std::string, const store::TargetStateRecord*, std::less<>> state_by_target;
  for (const auto& s : states) state_by_target[s.target] = &s;

  std::map<std::string, std::unique_ptr<Entry>, std::less<>> next;
  for (store::TargetRecord& t : targets) {
    auto existing = entries_.find(t.name);
    if (existing != entries_.end() && existing->second->version == t.version) {
      next.emplace(t.name, std::move(existing->second));
      continue;
    }
    auto json = core::ParseJson(t.spec_json);
    if (!json.ok()) continue;  // written by TargetService only; never malformed
    auto spec = ParseTargetSpec(*json, "");
    if (!spec.ok()) continue;
    std::unique_ptr<Entry> entry;
    if (existing != entries_.end()) {
      entry = std::move(existing->second);  // a changed spec keeps state and schedule
      entry->hook.reset();
      entry->hook_error.clear();
    } else {
      entry = std::make_unique<Entry>();
      entry->next_due = now;
      auto s = state_by_target.find(t.name);
      if (s != state_by_target.end()) {
        auto parsed = core::ParseJson(s->second->state_json);
        auto state = parsed.ok() ? TargetStateFromJson(*parsed)
                                 : core::StatusOr<TargetState>(parsed.status());
        if (state.ok()) entry->state = std::move(state).value();
        entry->replicas = static_cast<int32_t>(s->second->replicas);
        entry->next_due = std::min(
            now, s->second->last_sync_at + std::chrono::seconds(spec->sync_period_seconds));
      }
    }
    entry->spec = std::move(spec).value();
    entry->version = t.version;
    next.emplace(t.name, std::move(entry));
  }
  if (telemetry_ != nullptr) {
    for (const auto& [name, entry] : entries_) {
      if (!next.count(name)) telemetry_->ForgetTarget(name);
    }
  }
  entries_ = std::move(next);
  states_loaded_ = true;
  next_reload_ = now + options_.reload_interval;
  return core::Status::Ok();
}

// Builds the target's hook on first use; a failed build (e.g. a credentials file not there
// yet) is retried at the next sync.
Hook* ControlLoop::EnsureHook(Entry& entry) {
  if (entry.hook) return entry.hook.get();
  if (entry.spec.hook.is_null()) {
    entry.hook_error = "no hook configured";
    return nullptr;
  }
  auto hook = hooks_(entry.spec);
  if (!hook.ok()) {
    entry.hook_error = "hook configuration: " + hook.status().message();
    return nullptr;
  }
  entry.hook = std::move(hook).value();
  entry.hook_error.clear();
  return entry.hook.get();
}

ControlLoop::Pending ControlLoop::Prepare(Entry& entry, int64_t epoch, core::TimePoint now) {
  const TargetSpec& spec = entry.spec;
  Pending p;
  p.entry = &entry;
  SyncRecord& r = p.record;
  r.id = NewDecisionId(epoch);
  r.target = spec.name;
  r.at = now;
  r.epoch = epoch;
  r.mode = spec.mode;
  r.hook = HookKind(spec.hook);

  // Current replicas: the platform's count where the hook can read it (never in dry run,
  // which calls no hook), else the last decision's, else minReplicas.
  Observation obs;
  std::optional<std::string> read_error;
  Hook* hook = spec.mode == TargetMode::kActive ? EnsureHook(entry) : nullptr;
  std::optional<int> platform;
  if (hook != nullptr) {
    auto read = hook->ReadReplicas();
    if (read.ok()) {
      platform = *read;
    } else {
      read_error = read.status().message();
    }
  }
  if (platform) {
    obs.current_replicas = *platform;
    r.replicas_source = ReplicasSource::kHook;
  } else if (entry.replicas) {
    obs.current_replicas = *entry.replicas;
    r.replicas_source = ReplicasSource::kLastDecision;
  } else {
    obs.current_replicas = spec.min_replicas;
    r.replicas_source = ReplicasSource::kAssumedMin;
  }

  r.metrics.reserve(spec.metrics.size());
  obs.metrics.reserve(spec.metrics.size());
  for (const MetricSpec& m : spec.metrics) {
    MetricSample sample = metrics_.Read(spec, m, now);
    obs.metrics.push_back({m.name, sample.value, sample.sampled_at});
    r.metrics.emplace_back(m.name, std::move(sample));
  }

  if (read_error) {
    // HPA FailedGetScale: decide nothing; the next sync reads again.
    r.decision.current_replicas = obs.current_replicas;
    r.decision.replicas = obs.current_replicas;
    r.decision.reason = DecisionReason::kFailedGetScale;
    r.decision.message = "the hook could not read the replica count: " + *read_error +
                         "; keeping " + std::to_string(obs.current_replicas);
    r.actuation = store::Actuation::kNone;
    r.error = "read replicas: " + *read_error;
    p.state_after = entry.state;
    p.replicas_after = obs.current_replicas;
    return p;
  }

  RecordLoadAndPlan(entry, p, obs, now);
  r.decision = Decide(spec, entry.state, obs, now);
  const Decision& d = r.decision;
  const bool change = d.replicas != d.current_replicas;
  if (!change) {
    r.actuation = store::Actuation::kNone;
  } else if (spec.mode == TargetMode::kDryRun) {
    r.actuation = store::Actuation::kDryRun;
  } else if (hook == nullptr) {
    r.actuation = store::Actuation::kFailed;
    r.error = entry.hook_error;
  } else {
    r.actuation = store::Actuation::kPending;
  }
  const bool scaled = change && r.actuation == store::Actuation::kDryRun;
  p.state_after = ApplyDecision(spec, entry.state, d, scaled, now);
  p.replicas_after = scaled ? d.replicas : d.current_replicas;
  return p;
}

void ControlLoop::EnsureHistory(Entry& entry, Pending& p, const MetricSpec& metric,
                                core::TimePoint now) {
  const std::chrono::seconds step = options_.history_step;
  const core::TimePoint from = now - options_.history_retention;
  if (!entry.history || entry.history_metric != metric.name) {
    std::vector<store::LoadSample> stored;
    core::Status read = store::WithTransaction(
        db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
          ASSIGN_OR_RETURN(stored,
                           repos_.history.Read(tx, entry.spec.name, metric.name, from, now + step));
          return core::Status::Ok();
        });
    if (!read.ok()) return;  // the store is unavailable: tried again next sync
    entry.history = std::make_unique<LoadHistory>(step);
    entry.history->Merge(stored);
    entry.planner = std::make_unique<PredictivePlanner>(options_.planner);
    entry.history_metric = metric.name;
    entry.next_backfill = now;
  }
  // Back-fill a short history (the first sync of a target, or one idle for days).
  if (options_.history_source == nullptr || !metric.source.prometheus ||
      now < entry.next_backfill) {
    return;
  }
  const auto steps = static_cast<size_t>(options_.history_retention / step);
  if (entry.history->CountBetween(from, now) * 10 >= steps * 9) return;
  // A per-replica metric's load is its value × the replicas, which Prometheus does not know:
  // they come from the target's stored decisions (the counts its syncs observed), and the
  // back-fill reaches as far back as those.
  const bool per_replica = metric.type != MetricType::kValue;
  const core::Duration max_age = std::chrono::seconds(entry.spec.metric_max_age_seconds);
  std::vector<ReplicaObservation> replicas;
  core::TimePoint range_from = from;
  if (per_replica) {
    core::Status read = store::WithTransaction(
        db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
          ASSIGN_OR_RETURN(replicas, ReadReplicaHistory(tx, entry.spec.name, from - max_age));
          return core::Status::Ok();
        });
    if (!read.ok()) {
      entry.next_backfill = now + options_.backfill_retry;
      return;
    }
    if (replicas.empty()) {
      entry.next_backfill = core::TimePoint::max();  // no replica history to multiply by
      return;
    }
    range_from = std::max(from, replicas.front().at);
  }
  auto past = options_.history_source->ReadRange(entry.spec, metric, range_from, now, step);
  if (!past.ok()) {
    entry.next_backfill = now + options_.backfill_retry;
    return;
  }
  entry.next_backfill = core::TimePoint::max();  // once per leadership
  if (per_replica) *past = TotalLoadFromReplicas(*past, replicas, max_age);
  std::vector<store::LoadSample> added = entry.history->Merge(*past);
  p.history_writes.insert(p.history_writes.end(), added.begin(), added.end());
}

void ControlLoop::RecordLoadAndPlan(Entry& entry, Pending& p, Observation& obs,
                                    core::TimePoint now) {
  const TargetSpec& spec = entry.spec;
  const MetricSpec* metric = nullptr;
  if (spec.predictive) {
    for (const MetricSpec& m : spec.metrics) {
      if (m.name == spec.predictive->metric) metric = &m;
    }
  }
  if (metric == nullptr) {
    entry.history.reset();
    entry.planner.reset();
    return;
  }
  EnsureHistory(entry, p, *metric, now);
  if (!entry.history) return;
  const core::TimePoint keep_from = now - options_.history_retention;
  if (auto oldest = entry.history->Oldest(); oldest && *oldest < keep_from - kHistoryTrimSlack) {
    entry.history->PruneBefore(keep_from);
  }
  for (const MetricReading& reading : obs.metrics) {
    if (reading.name != metric->name || !reading.value) continue;
    const bool stale = reading.sampled_at && now - *reading.sampled_at >
                                                 std::chrono::seconds(spec.metric_max_age_seconds);
    const std::optional<double> load =
        stale ? std::nullopt
              : TotalLoad(metric->type, *reading.value,
                          obs.ready_replicas.value_or(obs.current_replicas));
    if (load) p.history_writes.push_back(entry.history->Add(now, *load));
  }
  // Completed steps only: the current one is still filling.
  obs.plan = entry.planner->Plan(spec, entry.history->ToSeries(now), now);
}

core::StatusOr<SyncSummary> ControlLoop::SyncDue(int64_t epoch) {
  const core::TimePoint now = TruncateToMillis(clock_.Now());
  if (dirty_.exchange(false) || !next_reload_ || now >= *next_reload_) {
    core::Status s = Reload(now);
    if (!s.ok()) {
      dirty_ = true;
      return s;
    }
  }

  std::vector<Pending> batch;
  for (auto& [name, entry] : entries_) {
    if (entry->next_due <= now) batch.push_back(Prepare(*entry, epoch, now));
  }
  SyncSummary summary;
  if (batch.empty()) return summary;

  auto state_record = [&](const Pending& p) {
    store::TargetStateRecord s;
    s.target = p.record.target;
    s.replicas = p.replicas_after;
    s.desired_replicas = p.record.decision.replicas;
    s.state_json = TargetStateJsonText(p.state_after);
    s.last_sync_at = now;
    s.last_decision_id = p.record.id;
    s.epoch = epoch;
    return s;
  };
  auto decision_record = [&](const Pending& p) {
    store::DecisionRecord d;
    d.id = p.record.id;
    d.target = p.record.target;
    d.at = now;
    d.epoch = epoch;
    d.from_replicas = p.record.decision.current_replicas;
    d.to_replicas = p.record.decision.replicas;
    d.reason = std::string(DecisionReasonName(p.record.decision.reason));
    d.actuation = p.record.actuation;
    d.error = p.record.error;
    d.record_json = SyncRecordJsonText(p.record);
    return d;
  };

  // 1. Record every decision (the ones to actuate as pending), fenced by the epoch.
  std::vector<std::string> vanished;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(bool current, repos_.epochs.Fence(tx, epoch));
        if (!current) return Deposed(epoch);
        // First the answers an earlier sync could not record (their decisions still say
        // pending); the states written below already follow them.
        for (const Pending& p : batch) {
          for (const OwedAnswer& a : p.entry->owed) {
            core::Status s =
                repos_.decisions.SetActuation(tx, a.id, a.actuation, a.error, a.record_json);
            if (s.code() != core::StatusCode::kNotFound) RETURN_IF_ERROR(s);  // else pruned
          }
        }
        for (Pending& p : batch) {
          ASSIGN_OR_RETURN(auto seq, repos_.decisions.Insert(tx, decision_record(p)));
          if (!seq) {
            vanished.push_back(p.record.target);
            p.write_state = false;
            continue;
          }
          if (++p.entry->syncs_since_prune >= options_.prune_every_syncs) {
            p.entry->syncs_since_prune = 0;
            RETURN_IF_ERROR(
                repos_.decisions.Prune(tx, p.record.target, options_.decisions_kept_per_target)
                    .status());
          }
          if (p.record.actuation != store::Actuation::kPending) {
            RETURN_IF_ERROR(repos_.states.Upsert(tx, state_record(p)).status());
          }
          if (!p.history_writes.empty()) {
            RETURN_IF_ERROR(
                repos_.history
                    .Append(tx, p.record.target, p.entry->history_metric, p.history_writes)
                    .status());
          }
        }
        if (!next_history_prune_ || now >= *next_history_prune_) {
          RETURN_IF_ERROR(repos_.history.Prune(tx, now - options_.history_retention).status());
          next_history_prune_ = now + options_.history_prune_interval;
        }
        return core::Status::Ok();
      }));
  for (Pending& p : batch) p.entry->owed.clear();

  // 2. Actuate, outside any transaction. Only a hook's OK counts as scaled.
  std::vector<Pending*> called;
  for (Pending& p : batch) {
    if (!p.write_state || p.record.actuation != store::Actuation::kPending) continue;
    called.push_back(&p);
    const Decision& d = p.record.decision;
    ScaleRequest request{p.record.target,
                         d.current_replicas,
                         d.replicas,
                         std::string(DecisionReasonName(d.reason)),
                         p.record.id,
                         epoch,
                         now};
    core::Status s = p.entry->hook->Scale(request);
    const bool applied = s.ok();
    p.record.actuation = applied ? store::Actuation::kApplied : store::Actuation::kFailed;
    if (!applied) p.record.error = "scale: " + s.message();
    p.state_after = ApplyDecision(p.entry->spec, p.entry->state, d, applied, now);
    p.replicas_after = applied ? d.replicas : d.current_replicas;
  }

  // 3. Record the hooks' answers and the states they lead to. When this fails, the hooks
  // have acted all the same: the cache below follows what they did (so no change is made
  // twice and cooldowns count from the real change), the answers are kept as owed, and the
  // next sync's first transaction records them with the states that follow.
  core::Status recorded = core::Status::Ok();
  if (!called.empty()) {
    recorded = store::WithTransaction(
        db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
          ASSIGN_OR_RETURN(bool current, repos_.epochs.Fence(tx, epoch));
          if (!current) return Deposed(epoch);
          for (const Pending* p : called) {
            core::Status s =
                repos_.decisions.SetActuation(tx, p->record.id, p->record.actuation,
                                              p->record.error, SyncRecordJsonText(p->record));
            if (s.code() == core::StatusCode::kNotFound)
              continue;  // the target was deleted meanwhile
            RETURN_IF_ERROR(s);
            RETURN_IF_ERROR(repos_.states.Upsert(tx, state_record(*p)).status());
          }
          return core::Status::Ok();
        });
    if (!recorded.ok()) {
      for (const Pending* p : called) {
        p->entry->owed.push_back(OwedAnswer{p->record.id, p->record.actuation, p->record.error,
                                            SyncRecordJsonText(p->record)});
      }
    }
  }

  // 4. Advance the cache, the schedule and the gauges.
  for (Pending& p : batch) {
    if (!p.write_state) continue;
    Entry& e = *p.entry;
    e.state = std::move(p.state_after);
    e.replicas = p.replicas_after;
    const core::Duration period = std::chrono::seconds(e.spec.sync_period_seconds);
    e.next_due += period;
    if (e.next_due <= now) e.next_due = now + period;
    ++summary.synced;
    const Decision& d = p.record.decision;
    const bool scaled = p.record.actuation == store::Actuation::kApplied ||
                        p.record.actuation == store::Actuation::kDryRun;
    const bool hook_failed = p.record.error.has_value();
    if (scaled) ++summary.scaled;
    if (hook_failed) ++summary.hook_failures;
    if (telemetry_ != nullptr) {
      telemetry_->ObserveSync(e.spec, p.record, p.replicas_after);
      const predictors::Prediction* fit = e.planner ? e.planner->LastFit() : nullptr;
      telemetry_->ObserveForecast(e.spec.name, d.plan ? &*d.plan : nullptr,
                                  fit != nullptr && !fit->FallBackToReactive()
                                      ? std::optional(fit->accuracy.mase)
                                      : std::nullopt);
      if (scaled) {
        telemetry_->CountAction(e.spec.name, d.replicas > d.current_replicas
                                                 ? ScaleDirection::kUp
                                                 : ScaleDirection::kDown);
      }
      if (hook_failed) telemetry_->CountHookFailure(e.spec.name);
    }
  }
  for (const std::string& name : vanished) {
    entries_.erase(name);
    if (telemetry_ != nullptr) telemetry_->ForgetTarget(name);
  }
  RETURN_IF_ERROR(recorded);
  return summary;
}

}  // namespace gov::controller
