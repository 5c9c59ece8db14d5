#pragma once

// The aggregator over a real store: events rows inserted directly, Step called by hand, the
// stored sufficient statistics checked against hand-computed sums. Instantiated on SQLite
// (aggregator_test.cc) and PostgreSQL (aggregator_pgtest.cc).

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "experiments/aggregator.h"
#include "experiments/experiment_json.h"
#include "experiments/results_service.h"
#include "experiments/sql_experiment_catalog.h"
#include "store/event_repository.h"
#include "store/experiment_aggregate_repository.h"
#include "store/experiment_repository.h"
#include "store/metric_repository.h"
#include "tests/store/test_databases.h"
#include "tests/testing/fault_injection_database.h"

namespace gov::experiments {

using store::testing::DatabaseFactory;

class AggregatorSuite : public ::testing::TestWithParam<DatabaseFactory> {
 protected:
  static constexpr int64_t kT0 = 20'000 * kMillisPerDay;  // 2024-10-04 00:00 UTC
  static constexpr const char* kMetrics[] = {
      R"({"name": "converted", "type": "proportion", "numerator": {"event": "purchase"}})",
      R"({"name": "revenue", "type": "mean",
          "numerator": {"event": "purchase", "aggregation": "sum"}})",
      R"({"name": "per_visit", "type": "ratio",
          "numerator": {"event": "purchase", "aggregation": "sum"},
          "denominator": {"event": "visit", "aggregation": "count"}})"};

  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
    for (const char* json : kMetrics) AddMetric(json);
    Experiment e;
    e.key = "exp";
    e.name = "exp";
    e.environment = "production";
    e.feature = "checkout";
    e.control_variant = "control";
    e.metrics = {{"converted", MetricRole::kGoal},
                 {"revenue", MetricRole::kSecondary},
                 {"per_visit", MetricRole::kGuardrail}};
    e.status = ExperimentStatus::kRunning;
    e.arms = {{"control", 500}, {"treatment", 500}};
    e.started_at = core::FromUnixMillis(kT0 - 1000);
    experiment_ = e;
    AddExperiment(e);
  }

  store::Database& db() { return test_db_->db(); }

  // Adds a metric (and below, an experiment) to the test's database or to `target`.
  void AddMetric(const std::string& json, store::Database* target = nullptr) {
    auto parsed = core::ParseJson(json);
    ASSERT_TRUE(parsed.ok());
    auto metric = ParseMetricDefinition(*parsed);
    ASSERT_TRUE(metric.ok()) << metric.status().ToString();
    const store::MetricRecord record{metric->name, MetricDefinitionToJson(*metric).dump(), 1,
                                     core::FromUnixMillis(kT0), core::FromUnixMillis(kT0)};
    ASSERT_TRUE(store::WithTransaction(target ? *target : db(), store::TxMode::kReadWrite,
                                       [&](store::Transaction& tx) {
                                         return store::MetricRepository::Insert(tx, record);
                                       })
                    .ok());
  }

  // The stored form of `e`, as the experiment service writes it.
  static store::ExperimentRecord Record(const Experiment& e) {
    store::ExperimentRecord r;
    r.key = e.key;
    r.environment = e.environment;
    r.feature = e.feature;
    r.status = std::string(kExperimentStatusNames[static_cast<size_t>(e.status)]);
    r.spec_json = ExperimentToJson(e).dump();
    for (const ExperimentMetric& m : e.metrics) r.metrics.push_back(m.metric);
    r.created_at = r.updated_at = core::FromUnixMillis(kT0);
    r.started_at = e.started_at;
    r.stopped_at = e.stopped_at;
    return r;
  }

  void AddExperiment(const Experiment& e, store::Database* target = nullptr) {
    const store::ExperimentRecord r = Record(e);
    const core::Status st = store::WithTransaction(
        target ? *target : db(), store::TxMode::kReadWrite,
        [&](store::Transaction& tx) { return store::ExperimentRepository::Insert(tx, r); });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  void Exposure(const std::string& unit, int64_t at, const std::string& variant,
                const std::string& environment = "production") {
    Insert(environment, "exposure", "exp", unit, std::nullopt, at, std::string("exp"), variant);
  }
  void Track(const std::string& unit, int64_t at, const std::string& name,
             std::optional<double> value, const std::string& environment = "production") {
    Insert(environment, "track", name, unit, value, at, std::nullopt, std::nullopt);
  }
  void Insert(const std::string& environment, const std::string& type, const std::string& name,
              const std::string& unit, std::optional<double> value, int64_t at,
              std::optional<std::string> experiment, std::optional<std::string> variant) {
    const std::string id = "e" + std::to_string(++next_id_);
    store::EventRow row;
    row.environment = environment;
    row.id = id;
    row.type = type;
    row.name = name;
    row.unit = unit;
    row.value = value;
    row.at_ms = row.received_at_ms = at;
    row.experiment = experiment;
    if (experiment) row.feature = "checkout";
    row.variant = variant;
    if (buffering_) {
      buffer_.push_back(std::move(row));
      return;
    }
    const core::Status st =
        store::WithTransaction(db(), store::TxMode::kReadWrite, [&](store::Transaction& tx) {
          return store::EventRepository::Insert(tx, db().backend(), {&row, 1}).status();
        });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  // Between these, Insert collects the events, then stores them in one transaction (in order).
  void BeginBuffer() { buffering_ = true; }
  void CommitBuffer() {
    buffering_ = false;
    const core::Status st =
        store::WithTransaction(db(), store::TxMode::kReadWrite, [&](store::Transaction& tx) {
          return store::EventRepository::Insert(tx, db().backend(), buffer_).status();
        });
    ASSERT_TRUE(st.ok()) << st.ToString();
    buffer_.clear();
  }

  // One step; returns the events consumed. On PostgreSQL a step may find the events after the
  // cursor held back for a moment by a transaction still open anywhere in the cluster (another
  // test's, say: store/event_repository.h), so it steps again while events wait.
  int64_t StepSome(Aggregator& aggregator) {
    for (int attempt = 0; attempt < 2000; ++attempt) {
      auto n = aggregator.Step();
      EXPECT_TRUE(n.ok()) << n.status().ToString();
      if (!n.ok()) return -1;
      if (*n > 0 || !EventsAfterCursor()) return *n;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "events stayed held back after the cursor";
    return 0;
  }

  bool EventsAfterCursor() {
    bool out = false;
    EXPECT_TRUE(store::WithTransaction(db(), store::TxMode::kReadOnly, [&](store::Transaction& tx) {
                  ASSIGN_OR_RETURN(out, store::ExperimentAggregateRepository::HasEventsAfterCursor(
                                            tx, db().backend()));
                  return core::Status::Ok();
                }).ok());
    return out;
  }

  // Waits until every stored event is readable by the aggregation (below PostgreSQL's horizon;
  // once there, an event stays there).
  void WaitUntilAllReadable() {
    for (int attempt = 0; attempt < 2000; ++attempt) {
      int64_t stored = 0;
      size_t readable = 0;
      EXPECT_TRUE(
          store::WithTransaction(db(), store::TxMode::kReadOnly, [&](store::Transaction& tx) {
            ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT COUNT(*) FROM events"));
            stored = rs.rows.at(0).Int(0);
            ASSIGN_OR_RETURN(auto rows, store::ExperimentAggregateRepository::ReadEventsAfter(
                                            tx, db().backend(), {}, 1'000'000));
            readable = rows.size();
            return core::Status::Ok();
          }).ok());
      if (static_cast<int64_t>(readable) == stored) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "events stayed held back";
  }

  // Steps until caught up; returns the events consumed.
  int64_t Drain(Aggregator& aggregator) {
    int64_t total = 0;
    for (;;) {
      const int64_t n = StepSome(aggregator);
      if (n <= 0) return total;
      total += n;
    }
  }

  // (variant, metric) -> the sum of every day's deltas.
  std::map<std::pair<std::string, std::string>, SufficientStats> Totals() {
    std::map<std::pair<std::string, std::string>, SufficientStats> out;
    EXPECT_TRUE(
        store::WithTransaction(db(), store::TxMode::kReadOnly, [&](store::Transaction& tx) {
          ASSIGN_OR_RETURN(auto rows,
                           store::ExperimentAggregateRepository::ReadDailyStats(tx, "exp"));
          for (const store::DailyStatsRecord& r : rows) {
            out[{r.variant, r.metric}] += SufficientStats{
                r.n,         r.sum,     r.sum_squares,     r.den_sum,      r.den_sum_squares,
                r.cross_sum, r.pre_sum, r.pre_sum_squares, r.pre_cross_sum};
          }
          return core::Status::Ok();
        }).ok());
    return out;
  }

  store::AggregateCounters Counters() {
    store::AggregateCounters out;
    EXPECT_TRUE(store::WithTransaction(db(), store::TxMode::kReadOnly, [&](store::Transaction& tx) {
                  ASSIGN_OR_RETURN(out,
                                   store::ExperimentAggregateRepository::ReadCounters(tx, "exp"));
                  return core::Status::Ok();
                }).ok());
    return out;
  }

  int64_t Cursor() {
    int64_t out = -1;
    EXPECT_TRUE(store::WithTransaction(db(), store::TxMode::kReadOnly, [&](store::Transaction& tx) {
                  ASSIGN_OR_RETURN(auto rs,
                                   tx.Exec("SELECT last_seq FROM experiment_aggregation_cursor"));
                  out = rs.rows.at(0).Int(0);
                  return core::Status::Ok();
                }).ok());
    return out;
  }

  std::optional<store::ExperimentUnitRecord> Unit(const std::string& unit,
                                                  store::Database* target = nullptr) {
    store::Database& from = target ? *target : db();
    std::vector<store::ExperimentUnitRecord> out;
    EXPECT_TRUE(store::WithTransaction(from, store::TxMode::kReadOnly, [&](store::Transaction& tx) {
                  ASSIGN_OR_RETURN(out, store::ExperimentAggregateRepository::ReadUnits(
                                            tx, from.backend(), "exp", {&unit, 1}));
                  return core::Status::Ok();
                }).ok());
    if (out.empty()) return std::nullopt;
    return out.front();
  }

  // Rows of experiment_unit_values for `unit`.
  int64_t ValueRows(const std::string& unit, store::Database* target = nullptr) {
    int64_t out = -1;
    EXPECT_TRUE(store::WithTransaction(target ? *target : db(), store::TxMode::kReadOnly,
                                       [&](store::Transaction& tx) {
                                         ASSIGN_OR_RETURN(
                                             auto rs,
                                             tx.Exec("SELECT COUNT(*) FROM experiment_unit_values "
                                                     "WHERE experiment = 'exp' AND unit = $1",
                                                     {unit}));
                                         out = rs.rows.at(0).Int(0);
                                         return core::Status::Ok();
                                       })
                    .ok());
    return out;
  }

  // The scenario every test replays: hand-computed totals in ExpectScenarioTotals.
  void InsertScenario() {
    Exposure("u1", kT0, "control");
    Track("u1", kT0 + 3'600'000, "purchase", 10.0);
    Track("u1", kT0 + 3'700'000, "visit", std::nullopt);
    Track("u1", kT0 + 3'800'000, "visit", std::nullopt);
    Track("u2", kT0 + 7'200'000, "purchase", 5.0);  // stored before u2's exposure
    Exposure("u2", kT0 + 3'600'000, "treatment");
    Exposure("u3", kT0, "control");
    Track("u3", kT0 + 10, "purchase", 99.0);
    Exposure("u3", kT0 + 20, "treatment");  // u3 is excluded
    Exposure("u1", kT0 + 5, "control");     // a repeated exposure: counted only
    Track("u1", kT0 + kMillisPerDay, "purchase", 2.0, "staging");  // another environment
    Exposure("u4", kT0 + kMillisPerDay, "treatment");
    Track("u4", kT0 + kMillisPerDay + 1, "purchase", 1.0);
  }

  using TotalsMap = std::map<std::pair<std::string, std::string>, SufficientStats>;
  static SufficientStats At(const TotalsMap& totals, const std::string& variant,
                            const std::string& metric) {
    auto it = totals.find({variant, metric});
    return it == totals.end() ? SufficientStats{} : it->second;
  }

  void ExpectScenarioTotals() {
    auto totals = Totals();
    // control: u1 (revenue 10, converted, per_visit 10 / 2 visits); u3 withdrawn.
    EXPECT_EQ(At(totals, "control", "converted"), (SufficientStats{1, 1, 1}));
    EXPECT_EQ(At(totals, "control", "revenue"), (SufficientStats{1, 10, 100}));
    EXPECT_EQ(At(totals, "control", "per_visit"), (SufficientStats{1, 10, 100, 2, 4, 20}));
    // treatment: u2 (revenue 5, no visits), u4 (revenue 1).
    EXPECT_EQ(At(totals, "treatment", "converted"), (SufficientStats{2, 2, 2}));
    EXPECT_EQ(At(totals, "treatment", "revenue"), (SufficientStats{2, 6, 26}));
    EXPECT_EQ(At(totals, "treatment", "per_visit"), (SufficientStats{2, 6, 26, 0, 0, 0}));
    EXPECT_EQ(Counters(), (store::AggregateCounters{6, 1}));
  }

  // Stores `e` over the experiment of the same key, as the experiment service would.
  void UpdateExperiment(const Experiment& e) {
    const store::ExperimentRecord r = Record(e);
    const core::Status st =
        store::WithTransaction(db(), store::TxMode::kReadWrite, [&](store::Transaction& tx) {
          return store::ExperimentRepository::Update(tx, r, std::nullopt,
                                                     core::FromUnixMillis(kT0 + 1))
              .status();
        });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  std::unique_ptr<store::testing::TestDatabase> test_db_;
  bool buffering_ = false;
  std::vector<store::EventRow> buffer_;
  Experiment experiment_;
  int next_id_ = 0;
};

TEST_P(AggregatorSuite, AggregatesTheScenarioIntoHandComputedSums) {
  InsertScenario();
  SqlExperimentCatalog catalog;
  Aggregator aggregator(db(), catalog);
  EXPECT_EQ(Drain(aggregator), 13);
  ExpectScenarioTotals();
  EXPECT_EQ(Cursor(), 13);
  const auto u3 = Unit("u3");
  ASSERT_TRUE(u3);
  EXPECT_TRUE(u3->excluded);
  const auto u2 = Unit("u2");
  ASSERT_TRUE(u2);
  EXPECT_EQ(u2->variant, "treatment");
  EXPECT_EQ(u2->first_exposure_ms, kT0 + 3'600'000);
  EXPECT_FALSE(Unit("u9"));
  // Caught up: nothing changes on another step.
  EXPECT_EQ(*aggregator.Step(), 0);
  ExpectScenarioTotals();
}

TEST_P(AggregatorSuite, SmallBatchesGiveTheSameSums) {
  InsertScenario();
  SqlExperimentCatalog catalog;
  AggregatorOptions options;
  options.batch_size = 2;
  Aggregator aggregator(db(), catalog, options);
  EXPECT_EQ(StepSome(aggregator), 2);
  EXPECT_EQ(Cursor(), 2);
  EXPECT_EQ(Drain(aggregator), 11);
  ExpectScenarioTotals();
}

TEST_P(AggregatorSuite, DailyRowsDateEachChange) {
  InsertScenario();
  SqlExperimentCatalog catalog;
  Aggregator aggregator(db(), catalog);
  Drain(aggregator);
  std::map<int64_t, int64_t> treatment_units_by_day;
  ASSERT_TRUE(store::WithTransaction(db(), store::TxMode::kReadOnly, [&](store::Transaction& tx) {
                ASSIGN_OR_RETURN(auto rows,
                                 store::ExperimentAggregateRepository::ReadDailyStats(tx, "exp"));
                for (const auto& r : rows) {
                  if (r.variant == "treatment" && r.metric == "revenue") {
                    treatment_units_by_day[r.day] += r.n;
                  }
                }
                return core::Status::Ok();
              }).ok());
  // u2 joins on day 20000 (its exposure's day), u4 on day 20001.
  EXPECT_EQ(treatment_units_by_day, (std::map<int64_t, int64_t>{{20'000, 1}, {20'001, 1}}));
}

TEST_P(AggregatorSuite, AFailedStepLeavesCursorAndAggregatesUntouched) {
  InsertScenario();
  store::testing::FaultInjectionDatabase faulty(db());
  SqlExperimentCatalog catalog;
  Aggregator aggregator(faulty, catalog);
  WaitUntilAllReadable();  // else a step may find nothing to do, and so nothing to fail
  faulty.FailWritesMatching("INSERT INTO experiment_aggregation_cursor", 1);
  EXPECT_FALSE(aggregator.Step().ok());
  EXPECT_EQ(Cursor(), 0);
  EXPECT_TRUE(Totals().empty());
  EXPECT_FALSE(Unit("u1"));
  faulty.FailWritesMatching("experiment_daily_stats", 1);
  EXPECT_FALSE(aggregator.Step().ok());
  EXPECT_EQ(Cursor(), 0);
  EXPECT_TRUE(Totals().empty());
  faulty.Heal();
  EXPECT_EQ(Drain(aggregator), 13);
  ExpectScenarioTotals();  // counted once
}

TEST_P(AggregatorSuite, EventsOfOtherExperimentsOrNoneAreSkippedButConsumed) {
  Insert("production", "exposure", "other", "u1", std::nullopt, kT0, std::string("other"),
         std::string("control"));
  Track("u1", kT0, "purchase", 3.0);
  SqlExperimentCatalog catalog;
  Aggregator aggregator(db(), catalog);
  EXPECT_EQ(Drain(aggregator), 2);
  EXPECT_EQ(Cursor(), 2);
  EXPECT_TRUE(Totals().empty());
}

TEST_P(AggregatorSuite, ConcurrentAggregatorsNeverCountAnEventTwice) {
  InsertScenario();
  std::unique_ptr<store::Database> other = test_db_->OpenAnother();
  SqlExperimentCatalog catalog_a;
  SqlExperimentCatalog catalog_b;
  AggregatorOptions options;
  options.batch_size = 1;
  Aggregator a(db(), catalog_a, options);
  Aggregator b(*other, catalog_b, options);
  int64_t consumed_b = 0;
  std::thread thread([&] { consumed_b = Drain(b); });
  const int64_t consumed_a = Drain(a);
  thread.join();
  EXPECT_EQ(consumed_a + consumed_b, 13);
  ExpectScenarioTotals();
}

TEST_P(AggregatorSuite, TheCatalogFollowsAStopAndLaterEventsDoNotCount) {
  SqlExperimentCatalog catalog;
  Aggregator aggregator(db(), catalog);
  Exposure("u1", kT0, "control");
  Track("u1", kT0 + 10, "purchase", 4.0);
  EXPECT_EQ(Drain(aggregator), 2);
  Experiment stopped = experiment_;
  stopped.status = ExperimentStatus::kStopped;
  stopped.stopped_at = core::FromUnixMillis(kT0 + 100);
  UpdateExperiment(stopped);
  Track("u1", kT0 + 50, "purchase", 1.0);   // before the stop, arriving late: counts
  Track("u1", kT0 + 100, "purchase", 7.0);  // at the stop: does not
  Exposure("u2", kT0 + 200, "treatment");   // after the stop: does not
  EXPECT_EQ(Drain(aggregator), 3);
  auto totals = Totals();
  EXPECT_EQ(At(totals, "control", "revenue"), (SufficientStats{1, 5, 25}));
  EXPECT_EQ(At(totals, "treatment", "revenue"), SufficientStats{});
  EXPECT_EQ(Counters().exposures, 1);
}

TEST_P(AggregatorSuite, CupedCovariatesComeFromTheLookback) {
  Experiment cuped = experiment_;
  cuped.analysis.cuped_lookback_seconds = 86400;
  UpdateExperiment(cuped);
  Track("u1", kT0 - 2 * kMillisPerDay, "purchase", 100.0);  // before the lookback
  Track("u1", kT0 - 1000, "purchase", 3.0);
  Exposure("u1", kT0, "control");
  Track("u1", kT0 + 1000, "purchase", 2.0);
  Track("u1", kT0 - 500, "purchase", 1.0);  // late, in the lookback
  SqlExperimentCatalog catalog;
  Aggregator aggregator(db(), catalog);
  EXPECT_EQ(Drain(aggregator), 5);
  auto totals = Totals();
  SufficientStats revenue{1, 2, 4};
  revenue.pre_sum = 4;
  revenue.pre_sum_squares = 16;
  revenue.pre_cross_sum = 8;
  EXPECT_EQ(At(totals, "control", "revenue"), revenue);
  SufficientStats converted{1, 1, 1};
  converted.pre_sum = 1;
  converted.pre_sum_squares = 1;
  converted.pre_cross_sum = 1;
  EXPECT_EQ(At(totals, "control", "converted"), converted);
  EXPECT_EQ(At(totals, "control", "per_visit"), (SufficientStats{1, 2, 4}));  // no covariate
}

TEST_P(AggregatorSuite, ResultsServiceReadsTheAggregates) {
  InsertScenario();
  SqlExperimentCatalog catalog;
  Aggregator aggregator(db(), catalog);
  Drain(aggregator);
  core::FakeClock clock(core::FromUnixMillis(kT0 + 2 * kMillisPerDay));
  ResultsService service(db(), clock);
  auto results = service.Get("exp");
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->variants.size(), 2u);
  EXPECT_EQ(results->variants[0].variant, "control");
  EXPECT_EQ(results->variants[0].units, 1);
  EXPECT_EQ(results->variants[1].units, 2);
  EXPECT_EQ(results->counters.multiple_exposure_units, 1);
  ASSERT_EQ(results->metrics.size(), 3u);
  EXPECT_DOUBLE_EQ(results->metrics[1].variants[1].mean, 3.0);
  EXPECT_EQ(service.Get("missing").status().code(), core::StatusCode::kNotFound);
}

// A unit exposed and not (yet) converted stores no value rows: its zero values read back as
// zero. When it converts in a later batch, its values are read as zeros, updated and stored,
// and the sums are those of a unit whose rows had been there all along.
TEST_P(AggregatorSuite, AnUnconvertedUnitStoresNoZeroValuesAndConvertsLater) {
  Exposure("u1", kT0, "control");
  Exposure("u2", kT0, "treatment");
  Track("u2", kT0 + 1, "purchase", 4.0);  // converts in the same batch as its exposure
  SqlExperimentCatalog catalog;
  Aggregator aggregator(db(), catalog);
  EXPECT_EQ(Drain(aggregator), 3);
  const auto u1 = Unit("u1");
  ASSERT_TRUE(u1);
  EXPECT_EQ(u1->variant, "control");
  EXPECT_TRUE(u1->values.empty());
  EXPECT_EQ(ValueRows("u1"), 0);
  EXPECT_GT(ValueRows("u2"), 0);  // its nonzero values
  EXPECT_EQ(At(Totals(), "control", "converted"), (SufficientStats{1, 0, 0}));
  EXPECT_EQ(At(Totals(), "control", "revenue"), (SufficientStats{1, 0, 0}));

  Track("u1", kT0 + 10, "purchase", 3.0);
  Track("u1", kT0 + 20, "visit", std::nullopt);
  EXPECT_EQ(Drain(aggregator), 2);
  EXPECT_EQ(ValueRows("u1"), 3);
  auto totals = Totals();
  EXPECT_EQ(At(totals, "control", "converted"), (SufficientStats{1, 1, 1}));
  EXPECT_EQ(At(totals, "control", "revenue"), (SufficientStats{1, 3, 9}));
  EXPECT_EQ(At(totals, "control", "per_visit"), (SufficientStats{1, 3, 9, 1, 1, 3}));
  EXPECT_EQ(At(totals, "treatment", "revenue"), (SufficientStats{1, 4, 16}));
}

// A batch reads its units and the histories of its new units before applying its events (on
// PostgreSQL one statement each): 600 new units in one batch, each with a purchase stored
// before its exposure that counts (after it) and one that does not (before it), and a visit
// after.
TEST_P(AggregatorSuite, ManyNewUnitsInOneBatchCountTheirEarlierEvents) {
  constexpr int kUnits = 600;
  BeginBuffer();
  for (int i = 0; i < kUnits; ++i) {
    const std::string unit = "unit-" + std::to_string(i);
    Track(unit, kT0 + 10, "purchase", double(i + 1));
    Track(unit, kT0 - 10, "purchase", 1000.0);
    Exposure(unit, kT0, i % 2 ? "treatment" : "control");
    Track(unit, kT0 + 20, "visit", std::nullopt);
  }
  CommitBuffer();
  SqlExperimentCatalog catalog;
  AggregatorOptions options;
  options.batch_size = 4 * kUnits;
  Aggregator aggregator(db(), catalog, options);
  WaitUntilAllReadable();
  EXPECT_EQ(StepSome(aggregator), 4 * kUnits);
  SufficientStats control, treatment, control_ratio, treatment_ratio;
  for (int i = 0; i < kUnits; ++i) {
    const double v = i + 1;
    (i % 2 ? treatment : control) += SufficientStats{1, v, v * v};
    (i % 2 ? treatment_ratio : control_ratio) += SufficientStats{1, v, v * v, 1, 1, v};
  }
  const auto totals = Totals();
  EXPECT_EQ(At(totals, "control", "revenue"), control);
  EXPECT_EQ(At(totals, "treatment", "revenue"), treatment);
  EXPECT_EQ(At(totals, "control", "per_visit"), control_ratio);
  EXPECT_EQ(At(totals, "treatment", "per_visit"), treatment_ratio);
  EXPECT_EQ(At(totals, "control", "converted"),
            (SufficientStats{kUnits / 2, kUnits / 2, kUnits / 2}));
  EXPECT_EQ(Counters(), (store::AggregateCounters{kUnits, 0}));
  const auto last = Unit("unit-599");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->variant, "treatment");
  EXPECT_EQ(last->first_exposure_ms, kT0);
}

// An earlier exposure to the same variant arriving later in the same batch moves the unit's
// first exposure back and recounts it from its events (the history before that exposure, not
// the one read for the first): the purchase between the two exposures counts.
TEST_P(AggregatorSuite, AnEarlierExposureLaterInTheBatchRecountsTheUnit) {
  Exposure("late", kT0 + 100, "treatment");
  Track("late", kT0 + 50, "purchase", 5.0);
  Exposure("late", kT0 + 10, "treatment");
  SqlExperimentCatalog catalog;
  Aggregator aggregator(db(), catalog);
  EXPECT_EQ(Drain(aggregator), 3);
  const auto unit = Unit("late");
  ASSERT_TRUE(unit);
  EXPECT_EQ(unit->first_exposure_ms, kT0 + 10);
  EXPECT_EQ(At(Totals(), "treatment", "revenue"), (SufficientStats{1, 5, 25}));
  EXPECT_EQ(Counters(), (store::AggregateCounters{2, 0}));
}

// Units are read and written many at a time (on PostgreSQL as arrays): text that needs quoting
// in an array literal round-trips, absent units are left out, and writing again replaces the
// unit and the values it lists.
TEST_P(AggregatorSuite, UnitsAreReadAndWrittenManyAtATime) {
  constexpr int kUnits = 517;
  const std::vector<std::string> awkward = {R"(a "quoted" \ unit)", "{a,b}", "NULL", "ünit", ""};
  std::vector<store::ExperimentUnitRecord> units;
  for (int i = 0; i < kUnits; ++i) {
    const std::string name = "u" + std::to_string(i) + awkward[i % awkward.size()];
    store::ExperimentUnitRecord u{name, i % 3 ? "treatment" : "control", kT0 + i, i % 7 == 0, {}};
    if (i % 2) u.values.push_back({"converted", 1, 0, 0});
    if (i % 5) u.values.push_back({"revenue", i * 0.1, 0, -1.0 / (i + 1)});
    units.push_back(std::move(u));
  }
  auto write = [&](const std::vector<store::ExperimentUnitRecord>& list) {
    const core::Status st =
        store::WithTransaction(db(), store::TxMode::kReadWrite, [&](store::Transaction& tx) {
          return store::ExperimentAggregateRepository::WriteUnits(tx, db().backend(), "exp", list);
        });
    ASSERT_TRUE(st.ok()) << st.ToString();
  };
  auto read = [&](const std::vector<std::string>& names) {
    std::vector<store::ExperimentUnitRecord> out;
    EXPECT_TRUE(store::WithTransaction(db(), store::TxMode::kReadOnly, [&](store::Transaction& tx) {
                  ASSIGN_OR_RETURN(out, store::ExperimentAggregateRepository::ReadUnits(
                                            tx, db().backend(), "exp", names));
                  return core::Status::Ok();
                }).ok());
    std::map<std::string, store::ExperimentUnitRecord> by_name;
    for (auto& u : out) {
      std::sort(u.values.begin(), u.values.end(),
                [](const auto& a, const auto& b) { return a.metric < b.metric; });
      by_name.emplace(u.unit, std::move(u));
    }
    return by_name;
  };
  write(units);
  std::vector<std::string> names;
  for (const auto& u : units) names.push_back(u.unit);
  names.push_back("never-exposed");
  auto stored = read(names);
  ASSERT_EQ(stored.size(), units.size());
  for (const auto& u : units) EXPECT_EQ(stored.at(u.unit), u) << u.unit;

  // Again for every third unit: a new variant, revenue changed, converted not listed (kept).
  std::vector<store::ExperimentUnitRecord> changed;
  for (int i = 0; i < kUnits; i += 3) {
    store::ExperimentUnitRecord u = units[i];
    u.variant = "treatment";
    u.excluded = true;
    u.values = {{"revenue", 42, 1, 2}};
    changed.push_back(u);
    units[i].variant = "treatment";
    units[i].excluded = true;
    std::erase_if(units[i].values, [](const auto& v) { return v.metric == "revenue"; });
    units[i].values.push_back({"revenue", 42, 1, 2});
  }
  write(changed);
  stored = read(names);
  for (const auto& u : units) EXPECT_EQ(stored.at(u.unit), u) << u.unit;
}

// Migration 16 on a database with unit aggregates (migration 15's schema): every unit and value
// is kept; on SQLite both tables are WITHOUT ROWID afterwards, their foreign keys point at the
// new tables (removing the experiment removes its units and values) and hold.
TEST_P(AggregatorSuite, MigrationToKeyOrderedUnitsKeepsUnitsAndValues) {
  const std::unique_ptr<store::testing::TestDatabase> old =
      store::testing::OlderDatabase(db().backend(), 15);
  store::Database& odb = old->db();
  for (const char* json : kMetrics) AddMetric(json, &odb);
  AddExperiment(experiment_, &odb);
  const std::vector<store::ExperimentUnitRecord> units = {
      {"u1", "control", kT0, false, {{"converted", 1, 0, 0}, {"revenue", 12.5, 0, 2}}},
      {"u2", "treatment", kT0 + 5, true, {}},
      {"u3", "treatment", kT0 + 9, false, {{"per_visit", 3, 2, 0}}}};
  ASSERT_TRUE(store::WithTransaction(odb, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
                return store::ExperimentAggregateRepository::WriteUnits(tx, odb.backend(), "exp",
                                                                        units);
              }).ok());
  ASSERT_TRUE(store::Migrate(odb).ok());
  for (const auto& u : units) {
    const auto read = Unit(u.unit, &odb);
    ASSERT_TRUE(read) << u.unit;
    auto expected = u;
    std::sort(expected.values.begin(), expected.values.end(),
              [](const auto& a, const auto& b) { return a.metric < b.metric; });
    EXPECT_EQ(*read, expected);
  }
  if (odb.backend() == store::Backend::kSqlite) {
    ASSERT_TRUE(
        store::WithTransaction(odb, store::TxMode::kReadOnly, [&](store::Transaction& tx) {
          ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT name FROM pragma_table_list "
                                            "WHERE wr = 1 ORDER BY name"));
          std::vector<std::string> without_rowid;
          for (const auto& row : rs.rows) without_rowid.push_back(row.Text(0));
          EXPECT_EQ(without_rowid,
                    (std::vector<std::string>{"experiment_unit_values", "experiment_units"}));
          ASSIGN_OR_RETURN(auto violations, tx.Exec("PRAGMA foreign_key_check"));
          EXPECT_TRUE(violations.rows.empty());
          ASSIGN_OR_RETURN(auto old_tables,
                           tx.Exec("SELECT name FROM sqlite_master WHERE name LIKE '%v15'"));
          EXPECT_TRUE(old_tables.rows.empty());
          return core::Status::Ok();
        }).ok());
  }
  ASSERT_TRUE(store::WithTransaction(odb, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
                return tx.Exec("DELETE FROM experiments WHERE key = 'exp'").status();
              }).ok());
  EXPECT_FALSE(Unit("u1", &odb));
  EXPECT_EQ(ValueRows("u1", &odb), 0);
  EXPECT_EQ(ValueRows("u3", &odb), 0);
}

}  // namespace gov::experiments
