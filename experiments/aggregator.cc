#include "experiments/aggregator.h"

#include <algorithm>
#include <boost/container_hash/hash.hpp>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>
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

store::EventPosition PositionOf(const store::AggregationEventRow& row) {
  return {row.xid, row.seq};
}

// (experiment or environment, unit)
using UnitKey = std::pair<std::string, std::string>;
using UnitKeyHash = boost::hash<UnitKey>;

// One batch: the plans, the units touched (read once, written once) and the summed deltas.
// Before applying the events it reads every unit they touch and the histories of the units
// new to the store that they expose, each a few statements for the whole batch on PostgreSQL
// (store/experiment_aggregate_repository.h).
class Batch {
 public:
  Batch(store::Transaction& tx, store::Backend backend, const std::vector<AggregationPlan>& plans)
      : tx_(tx), backend_(backend) {
    for (const AggregationPlan& plan : plans) {
      by_key_[plan.key] = &plan;
      by_environment_[plan.environment].push_back(&plan);
    }
  }

  // Applies `events` (in position order) to the units they concern.
  core::Status Fold(const std::vector<store::AggregationEventRow>& events) {
    std::vector<std::optional<StoredEvent>> stored;
    stored.reserve(events.size());
    for (const store::AggregationEventRow& row : events) stored.push_back(ToStoredEvent(row));
    RETURN_IF_ERROR(Load(events, stored));
    core::Status status;
    for (size_t i = 0; i < events.size() && status.ok(); ++i) {
      ForEachPlan(events[i], stored[i], [&](const AggregationPlan& plan, const StoredEvent& e) {
        if (status.ok()) status = ApplyTo(plan, events[i], e);
      });
    }
    return status;
  }

  core::Status Write() {
    // By key, as the unit tables are ordered.
    std::vector<std::pair<const UnitKey*, const Unit*>> dirty;
    for (const auto& [key, unit] : units_) {
      if (unit.dirty && unit.state) dirty.emplace_back(&key, &unit);
    }
    std::sort(dirty.begin(), dirty.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    for (size_t i = 0; i < dirty.size();) {
      const std::string& key = dirty[i].first->first;
      const AggregationPlan& plan = *by_key_.at(key);
      std::vector<store::ExperimentUnitRecord> records;
      for (; i < dirty.size() && dirty[i].first->first == key; ++i) {
        const Unit& unit = *dirty[i].second;
        records.push_back(ToRecord(plan, dirty[i].first->second, *unit.state, unit.is_new));
      }
      RETURN_IF_ERROR(
          store::ExperimentAggregateRepository::WriteUnits(tx_, backend_, key, records));
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
  // A unit of an experiment, as the batch leaves it.
  struct Unit {
    std::optional<UnitState> state;
    bool is_new = false;  // not in the store before the batch
    bool dirty = false;   // to write
  };
  // A unit's events before `through` (its first exposure in the batch), read by Load.
  struct History {
    store::EventPosition through;
    std::vector<store::AggregationEventRow> rows;
  };

  // Calls `f(plan, event)` for each plan the row concerns: an exposure, its experiment's (in
  // the row's environment); a track event, every plan of its environment with a metric over
  // it. `event` is the row read by ToStoredEvent (nullopt: a type this version does not
  // aggregate).
  template <typename F>
  void ForEachPlan(const store::AggregationEventRow& row, const std::optional<StoredEvent>& event,
                   F f) const {
    if (!event) return;
    if (event->type == EventType::kExposure) {
      if (!event->experiment) return;
      auto it = by_key_.find(*event->experiment);
      if (it != by_key_.end() && it->second->environment == row.environment) f(*it->second, *event);
      return;
    }
    auto it = by_environment_.find(row.environment);
    if (it == by_environment_.end()) return;
    for (const AggregationPlan* plan : it->second) {
      if (plan->UsesEvent(event->name)) f(*plan, *event);
    }
  }

  // Reads the units the events touch, then, for those new to the store that an exposure of
  // the batch exposes, their events before it (ApplyEvent counts them from the exposure on).
  core::Status Load(const std::vector<store::AggregationEventRow>& events,
                    const std::vector<std::optional<StoredEvent>>& stored) {
    std::map<const AggregationPlan*, std::vector<std::string>> unread;
    for (size_t i = 0; i < events.size(); ++i) {
      ForEachPlan(events[i], stored[i], [&](const AggregationPlan& plan, const StoredEvent& e) {
        if (units_.try_emplace(UnitKey{plan.key, e.unit}).second) unread[&plan].push_back(e.unit);
      });
    }
    for (const auto& [plan, list] : unread) {
      ASSIGN_OR_RETURN(auto records, store::ExperimentAggregateRepository::ReadUnits(
                                         tx_, backend_, plan->key, list));
      for (const std::string& unit : list) units_.at({plan->key, unit}).is_new = true;
      for (const store::ExperimentUnitRecord& record : records) {
        Unit& unit = units_.at({plan->key, record.unit});
        unit.state = FromRecord(*plan, record);
        unit.is_new = false;
      }
    }
    std::map<std::string, std::vector<store::UnitEventsBefore>> first_exposed;  // by environment
    for (size_t i = 0; i < events.size(); ++i) {
      const store::AggregationEventRow& row = events[i];
      ForEachPlan(row, stored[i], [&](const AggregationPlan& plan, const StoredEvent& e) {
        if (e.type != EventType::kExposure || !units_.at({plan.key, e.unit}).is_new) return;
        if (histories_.try_emplace(UnitKey{row.environment, e.unit}, History{PositionOf(row), {}})
                .second) {
          first_exposed[row.environment].push_back({e.unit, PositionOf(row)});
        }
      });
    }
    for (const auto& [environment, list] : first_exposed) {
      ASSIGN_OR_RETURN(auto rows, store::ExperimentAggregateRepository::ReadUnitsEvents(
                                      tx_, backend_, environment, list));
      for (store::AggregationEventRow& r : rows) {
        histories_.at({environment, r.unit}).rows.push_back(std::move(r));
      }
    }
    return core::Status::Ok();
  }

  // The unit's events before `row` (ApplyEvent's history): from Load's read when `row` is the
  // exposure it read them for, else read now.
  core::StatusOr<std::vector<StoredEvent>> HistoryBefore(const store::AggregationEventRow& row) {
    std::vector<StoredEvent> history;
    std::vector<store::AggregationEventRow> read;
    const std::vector<store::AggregationEventRow>* rows = nullptr;
    auto it = histories_.find({row.environment, row.unit});
    if (it != histories_.end() && it->second.through == PositionOf(row)) {
      rows = &it->second.rows;
    } else {
      const store::UnitEventsBefore unit{row.unit, PositionOf(row)};
      ASSIGN_OR_RETURN(read, store::ExperimentAggregateRepository::ReadUnitsEvents(
                                 tx_, backend_, row.environment, {&unit, 1}));
      rows = &read;
    }
    for (const store::AggregationEventRow& r : *rows) {
      if (std::optional<StoredEvent> e = ToStoredEvent(r)) history.push_back(std::move(*e));
    }
    return history;
  }

  core::Status ApplyTo(const AggregationPlan& plan, const store::AggregationEventRow& row,
                       const StoredEvent& event) {
    auto it = units_.find({plan.key, event.unit});
    if (it == units_.end()) {  // Load reads every unit the batch touches
      return core::Internal("unit \"" + event.unit + "\" of experiment \"" + plan.key +
                            "\" was not read before its events");
    }
    Unit& unit = it->second;
    std::vector<StoredEvent> history;
    if (NeedsHistory(plan, unit.state, event)) {
      ASSIGN_OR_RETURN(history, HistoryBefore(row));
    }
    UnitUpdate update = ApplyEvent(plan, unit.state, event, history);
    for (const StatsDelta& d : update.deltas) {
      deltas_[{plan.key, d.variant, plan.metrics.at(d.metric).name, d.day}] += d.delta;
    }
    if (update.exposures != 0 || update.newly_excluded != 0) {
      store::AggregateCounters& c = counters_[plan.key];
      c.exposures += update.exposures;
      c.multiple_exposure_units += update.newly_excluded;
    }
    if (update.state_changed) {
      unit.state = std::move(update.state);
      unit.dirty = true;
    }
    return core::Status::Ok();
  }

  store::Transaction& tx_;
  store::Backend backend_;
  std::map<std::string, const AggregationPlan*> by_key_;
  std::map<std::string, std::vector<const AggregationPlan*>> by_environment_;
  std::unordered_map<UnitKey, Unit, UnitKeyHash> units_;  // by (experiment, unit)
  // By (environment, unit): the units new to the store that the batch exposes.
  std::unordered_map<UnitKey, History, UnitKeyHash> histories_;
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
        RETURN_IF_ERROR(batch.Fold(events));
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
