#include "experiments/aggregator.h"

#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "core/name_table.h"
#include "core/thread_priority.h"
#include "store/experiment_aggregate_repository.h"

namespace gov::experiments {

namespace {

std::optional<StoredEvent> ToStoredEvent(const store::AggregationEventRow& row) {
  const auto type = core::FindName<EventType>(kEventTypeNames, row.type);
  if (!type) return std::nullopt;
  return StoredEvent{row.seq,   *type,     row.name,       row.unit,
                     row.value, row.at_ms, row.experiment, row.variant};
}

UnitState FromRecord(const AggregationPlan& plan, const store::ExperimentUnitRecord& record) {
  UnitState state{record.variant, record.first_exposure_ms, record.excluded,
                  std::vector<UnitMetricValue>(plan.metrics.size())};
  for (const store::UnitValueRecord& v : record.values) {
    for (size_t i = 0; i < plan.metrics.size(); ++i) {
      if (plan.metrics[i].name == v.metric) {
        state.values[i] = UnitMetricValue{v.value, v.denominator, v.pre_value};
      }
    }
  }
  return state;
}

// The unit's record to store. A unit new to the store (`is_new`) gets no rows for its zero
// values: a missing value reads back as zero (FromRecord), and most units of an experiment
// are exposed and never convert, so their first write is one row instead of one per metric.
// A unit read from the store writes every value, so a value back at zero overwrites its row.
store::ExperimentUnitRecord ToRecord(const AggregationPlan& plan, const std::string& unit,
                                     const UnitState& state, bool is_new) {
  store::ExperimentUnitRecord record{
      unit, state.variant, state.first_exposure_ms, state.excluded, {}};
  for (size_t i = 0; i < plan.metrics.size() && i < state.values.size(); ++i) {
    const UnitMetricValue& v = state.values[i];
    if (is_new && v == UnitMetricValue{}) continue;
    record.values.push_back(
        store::UnitValueRecord{plan.metrics[i].name, v.value, v.denominator, v.pre_value});
  }
  return record;
}

// One batch: the plans, the units touched (read once, written once) and the summed deltas.
class Batch {
 public:
  Batch(store::Transaction& tx, store::Backend backend, const std::vector<AggregationPlan>& plans)
      : tx_(tx), backend_(backend) {
    for (const AggregationPlan& plan : plans) {
      by_key_[plan.key] = &plan;
      by_environment_[plan.environment].push_back(&plan);
    }
  }

  core::Status Apply(const store::AggregationEventRow& row) {
    const std::optional<StoredEvent> event = ToStoredEvent(row);
    if (!event) return core::Status::Ok();  // a type this version does not aggregate
    if (event->type == EventType::kExposure) {
      if (!event->experiment) return core::Status::Ok();
      auto it = by_key_.find(*event->experiment);
      if (it == by_key_.end() || it->second->environment != row.environment) {
        return core::Status::Ok();
      }
      return ApplyTo(*it->second, row, *event);
    }
    auto it = by_environment_.find(row.environment);
    if (it == by_environment_.end()) return core::Status::Ok();
    for (const AggregationPlan* plan : it->second) {
      if (plan->UsesEvent(event->name)) RETURN_IF_ERROR(ApplyTo(*plan, row, *event));
    }
    return core::Status::Ok();
  }

  core::Status Write() {
    for (const auto& [key, unit] : dirty_) {
      const AggregationPlan& plan = *by_key_.at(key);
      const std::optional<UnitState>& state = units_.at({key, unit});
      if (state) {
        RETURN_IF_ERROR(store::ExperimentAggregateRepository::WriteUnit(
            tx_, key, ToRecord(plan, unit, *state, new_units_.count({key, unit}) > 0)));
      }
    }
    std::map<std::string, std::vector<store::DailyStatsRecord>> rows;
    for (const auto& [k, s] : deltas_) {
      const auto& [experiment, variant, metric, day] = k;
      rows[experiment].push_back(store::DailyStatsRecord{
          variant, metric, day, s.n, s.sum, s.sum_squares, s.den_sum, s.den_sum_squares,
          s.cross_sum, s.pre_sum, s.pre_sum_squares, s.pre_cross_sum});
    }
    for (const auto& [experiment, records] : rows) {
      RETURN_IF_ERROR(
          store::ExperimentAggregateRepository::AddDailyStats(tx_, experiment, records));
    }
    for (const auto& [experiment, counters] : counters_) {
      RETURN_IF_ERROR(store::ExperimentAggregateRepository::AddCounters(tx_, experiment, counters));
    }
    return core::Status::Ok();
  }

 private:
  core::Status ApplyTo(const AggregationPlan& plan, const store::AggregationEventRow& row,
                       const StoredEvent& event) {
    const std::pair<std::string, std::string> id{plan.key, event.unit};
    auto it = units_.find(id);
    if (it == units_.end()) {
      ASSIGN_OR_RETURN(auto record,
                       store::ExperimentAggregateRepository::ReadUnit(tx_, plan.key, event.unit));
      std::optional<UnitState> state;
      if (record) {
        state = FromRecord(plan, *record);
      } else {
        new_units_.insert(id);
      }
      it = units_.emplace(id, std::move(state)).first;
    }
    std::vector<StoredEvent> history;
    if (NeedsHistory(plan, it->second, event)) {
      ASSIGN_OR_RETURN(auto rows,
                       store::ExperimentAggregateRepository::ReadUnitEvents(
                           tx_, backend_, row.environment, event.unit, {row.xid, row.seq}));
      for (const store::AggregationEventRow& row : rows) {
        if (std::optional<StoredEvent> e = ToStoredEvent(row)) history.push_back(std::move(*e));
      }
    }
    UnitUpdate update = ApplyEvent(plan, it->second, event, history);
    for (const StatsDelta& d : update.deltas) {
      deltas_[{plan.key, d.variant, plan.metrics.at(d.metric).name, d.day}] += d.delta;
    }
    if (update.exposures != 0 || update.newly_excluded != 0) {
      store::AggregateCounters& c = counters_[plan.key];
      c.exposures += update.exposures;
      c.multiple_exposure_units += update.newly_excluded;
    }
    if (update.state_changed) {
      it->second = std::move(update.state);
      dirty_.insert(id);
    }
    return core::Status::Ok();
  }

  store::Transaction& tx_;
  store::Backend backend_;
  std::map<std::string, const AggregationPlan*> by_key_;
  std::map<std::string, std::vector<const AggregationPlan*>> by_environment_;
  std::map<std::pair<std::string, std::string>, std::optional<UnitState>> units_;
  std::set<std::pair<std::string, std::string>> dirty_;
  std::set<std::pair<std::string, std::string>> new_units_;  // not in the store before the batch
  std::map<std::tuple<std::string, std::string, std::string, int64_t>, SufficientStats> deltas_;
  std::map<std::string, store::AggregateCounters> counters_;
};

}  // namespace

Aggregator::Aggregator(store::Database& db, ExperimentCatalog& catalog, AggregatorOptions options)
    : db_(db), catalog_(catalog), options_(std::move(options)) {}

Aggregator::~Aggregator() { Stop(); }

core::StatusOr<int64_t> Aggregator::Step() {
  std::lock_guard<std::mutex> step_lock(step_mu_);
  bool pending = false;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(
            pending, store::ExperimentAggregateRepository::HasEventsAfterCursor(tx, db_.backend()));
        return core::Status::Ok();
      }));
  if (!pending) return int64_t{0};
  int64_t consumed = 0;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        consumed = 0;
        ASSIGN_OR_RETURN(const store::EventPosition cursor,
                         store::ExperimentAggregateRepository::LockCursor(tx));
        ASSIGN_OR_RETURN(auto events, store::ExperimentAggregateRepository::ReadEventsAfter(
                                          tx, db_.backend(), cursor, options_.batch_size));
        if (events.empty()) return core::Status::Ok();
        ASSIGN_OR_RETURN(const std::vector<AggregationPlan> plans, catalog_.Plans(tx));
        Batch batch(tx, db_.backend(), plans);
        for (const store::AggregationEventRow& row : events) RETURN_IF_ERROR(batch.Apply(row));
        RETURN_IF_ERROR(batch.Write());
        RETURN_IF_ERROR(store::ExperimentAggregateRepository::WriteCursor(
            tx, {events.back().xid, events.back().seq}));
        consumed = static_cast<int64_t>(events.size());
        return core::Status::Ok();
      }));
  return consumed;
}

void Aggregator::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = core::StartThread("gov-aggregate", options_.nice, [this] { Run(); });
}

void Aggregator::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  wake_ = true;
  cv_.notify_all();
}

void Aggregator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void Aggregator::Run() {
  std::string last_error;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
    }
    core::StatusOr<int64_t> consumed = Step();
    if (!consumed.ok()) {
      const std::string line = "experiment aggregation failed: " + consumed.status().ToString();
      if (line != last_error && options_.log) options_.log(line);
      last_error = line;
    } else {
      last_error.clear();
      if (*consumed > 0) continue;
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, options_.idle_wait, [this] { return stop_ || wake_; });
    wake_ = false;
  }
}

}  // namespace gov::experiments
