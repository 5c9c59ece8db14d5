// SqlPlanEvidence on a database (plan_evidence_test.cc: SQLite, plan_evidence_pgtest.cc:
// PostgreSQL): exposures counted per arm of one window; a proportion, a mean and a ratio metric
// computed per unit from its track events as experiment aggregation computes them; the cache;
// migration 12 on a database an older Governor left.
//
// The expected numbers are worked out by hand in the comments beside the events.

#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "experiments/experiment_json.h"
#include "rollouts/plan_evidence.h"
#include "store/event_repository.h"
#include "store/metric_repository.h"
#include "store/migrations.h"
#include "tests/store/test_databases.h"

namespace gov::rollouts {

using std::chrono::seconds;

// The window under test: plan p1's milestone that started at 1,000,000 ms.
inline constexpr int64_t kSinceMs = 1'000'000;
inline constexpr int64_t kHourMs = 3'600'000;

inline ReleasePlanSpec EvidenceSpec() {
  ReleasePlanSpec spec;
  spec.name = "p1";
  spec.feature = "checkout-v2";
  spec.environment = "production";
  return spec;
}

inline std::string WindowKey() { return PlanExposureKey("p1", core::FromUnixMillis(kSinceMs)); }

inline store::EventRow Exposure(const std::string& unit, const std::string& variant, int64_t at_ms,
                                const std::string& key = WindowKey(),
                                const std::string& environment = "production") {
  store::EventRow r;
  r.environment = environment;
  r.id = "exposure:" + key + ":" + unit + ":" + variant + ":" + std::to_string(at_ms);
  r.type = "exposure";
  r.name = key;
  r.unit = unit;
  r.at_ms = at_ms;
  r.received_at_ms = at_ms;
  r.experiment = key;
  r.feature = "checkout-v2";
  r.variant = variant;
  return r;
}

inline store::EventRow Track(const std::string& id, const std::string& unit,
                             const std::string& name, int64_t at_ms, std::optional<double> value,
                             const std::string& environment = "production") {
  store::EventRow r;
  r.environment = environment;
  r.id = id;
  r.type = "track";
  r.name = name;
  r.unit = unit;
  r.value = value;
  r.at_ms = at_ms;
  r.received_at_ms = at_ms;
  return r;
}

inline experiments::SufficientStats Stats(int64_t n, double sum, double sum_squares) {
  experiments::SufficientStats s;
  s.n = n;
  s.sum = sum;
  s.sum_squares = sum_squares;
  return s;
}

inline void InsertEvents(store::Database& db, const std::vector<store::EventRow>& rows) {
  store::SqlEventStore events(db.backend());
  std::vector<bool> fresh;
  core::Status s =
      store::WithTransaction(db, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
        RETURN_IF_ERROR(events.PrepareWriter(tx));
        ASSIGN_OR_RETURN(fresh, events.Insert(tx, rows));
        return core::Status::Ok();
      });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(fresh, std::vector<bool>(rows.size(), true));
}

// Stores `rows` in a database at schema version 11 (before ids were unique by their hash), as
// that version's writer did.
inline void InsertEventsAtVersion11(store::Database& db, const std::vector<store::EventRow>& rows) {
  const bool sqlite = db.backend() == store::Backend::kSqlite;
  core::Status s =
      store::WithTransaction(db, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
        for (const store::EventRow& e : rows) {
          std::vector<store::SqlValue> params = {
              e.environment, e.id,
              e.type,        e.name,
              e.unit,        e.value ? store::SqlValue(*e.value) : store::SqlValue(nullptr),
              e.at_ms,       e.received_at_ms};
          for (const auto* v : {&e.experiment, &e.feature, &e.variant, &e.properties_json}) {
            params.push_back(*v ? store::SqlValue(**v) : store::SqlValue(nullptr));
          }
          params.emplace_back(store::EventUnitHash(e.environment, e.unit));
          if (!sqlite) params.emplace_back(store::EventIdHash(e.environment, e.id));
          RETURN_IF_ERROR(
              tx.Exec(std::string("INSERT INTO events (environment, id, type, name, unit, "
                                  "value, at, received_at, experiment, feature, variant, "
                                  "properties_json, unit_hash") +
                          (sqlite ? ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                                    "$11, $12, $13)"
                                  : ", id_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                                    "$9, $10, $11, $12, $13, $14)"),
                      params)
                  .status());
        }
        return core::Status::Ok();
      });
  ASSERT_TRUE(s.ok()) << s.ToString();
}

inline void InsertMetric(store::Database& db, const std::string& json) {
  auto definition = experiments::ParseMetricDefinition(core::Json::parse(json));
  ASSERT_TRUE(definition.ok()) << definition.status().ToString();
  const store::MetricRecord record{definition->name,
                                   experiments::MetricDefinitionToJson(*definition).dump(), 1,
                                   core::FromUnixMillis(5), core::FromUnixMillis(5)};
  ASSERT_TRUE(store::WithTransaction(db, store::TxMode::kReadWrite, [&](store::Transaction& tx) {
                return store::MetricRepository::Insert(tx, record);
              }).ok());
}

class RolloutsPlanEvidenceTest : public ::testing::TestWithParam<store::testing::DatabaseFactory> {
 protected:
  void SetUp() override {
    test_db_ = GetParam()();
    ASSERT_NE(test_db_, nullptr);
    evidence_ = std::make_unique<SqlPlanEvidence>(
        db(), SqlPlanEvidenceOptions{.metric_interval = seconds(10),
                                     .exposures_interval = std::chrono::milliseconds(0)});
    // Both metrics read "purchase" from the first exposure for one hour.
    InsertMetric(db(), R"({"name": "conversion", "type": "proportion",
                           "numerator": {"event": "purchase"}, "conversionWindowSeconds": 3600})");
    InsertMetric(db(), R"({"name": "revenue", "type": "mean",
                           "numerator": {"event": "purchase", "aggregation": "sum"},
                           "conversionWindowSeconds": 3600})");
  }
  store::Database& db() { return test_db_->db(); }

  // The window's population (production, key p1@1000000):
  //   exposed: u1 (first exposure 2,000,000, again at 2,500,000), u2 (3,000,000)
  //   rest:    u3 (2,000,000), u4 (4,000,000), u8 (2,000,000)
  //   neither: u7 (exposed and rest), u9 (a variant that is no arm)
  // Not in the window: u5 (another window's key), u6 (the window's key in development).
  void InsertWindow() {
    const std::string other_key = PlanExposureKey("p1", core::FromUnixMillis(999));
    InsertEvents(db(), {
                           Exposure("u1", "exposed", 2'000'000),
                           Exposure("u1", "exposed", 2'500'000),
                           Exposure("u2", "exposed", 3'000'000),
                           Exposure("u3", "rest", 2'000'000),
                           Exposure("u4", "rest", 4'000'000),
                           Exposure("u8", "rest", 2'000'000),
                           Exposure("u7", "exposed", 2'000'000),
                           Exposure("u7", "rest", 2'100'000),
                           Exposure("u9", "control", 2'000'000),
                           Exposure("u5", "rest", 2'000'000, other_key),
                           Exposure("u6", "exposed", 2'000'000, WindowKey(), "development"),
                       });
    InsertEvents(
        db(), {
                  // u1: 5 + 7 count (after the first exposure, within the hour); 10 is before it,
                  // 3 lands exactly at the end of the hour (excluded), 1 long after; the pageview
                  // is another event; 1000 is u1 in development. Mean 12, proportion 1.
                  Track("u1-a", "u1", "purchase", 1'900'000, 10),
                  Track("u1-b", "u1", "purchase", 2'100'000, 5),
                  Track("u1-c", "u1", "purchase", 2'400'000, 7),
                  Track("u1-d", "u1", "pageview", 2'200'000, 100),
                  Track("u1-e", "u1", "purchase", 2'000'000 + kHourMs, 3),
                  Track("u1-f", "u1", "purchase", 9'000'000, 1),
                  Track("u1-g", "u1", "purchase", 2'100'000, 1000, "development"),
                  // u2: nothing. Mean 0, proportion 0.
                  // u3: a purchase without value (counts 1) exactly at the exposure, and 4. Mean 5.
                  Track("u3-a", "u3", "purchase", 2'000'000, std::nullopt),
                  Track("u3-b", "u3", "purchase", 2'500'000, 4),
                  // u4: only a purchase 1 ms before its exposure. Mean 0, proportion 0.
                  Track("u4-a", "u4", "purchase", 3'999'999, 2),
                  // Units outside the arms or the window: never counted.
                  Track("u7-a", "u7", "purchase", 2'200'000, 100),
                  Track("u9-a", "u9", "purchase", 2'200'000, 100),
                  Track("u5-a", "u5", "purchase", 2'100'000, 50),
                  Track("u6-a", "u6", "purchase", 2'100'000, 50, "development"),
              });
  }

  core::StatusOr<std::optional<MetricSample>> Metric(const std::string& metric, int64_t now_ms) {
    return evidence_->Metric(EvidenceSpec(), MetricGuardrail{metric, 0.1},
                             core::FromUnixMillis(kSinceMs), core::FromUnixMillis(now_ms));
  }

  std::unique_ptr<store::testing::TestDatabase> test_db_;
  std::unique_ptr<SqlPlanEvidence> evidence_;
};

TEST_P(RolloutsPlanEvidenceTest, EmptyWindowHasNoEvidence) {
  auto exposures = evidence_->Exposures(EvidenceSpec(), core::FromUnixMillis(kSinceMs),
                                        core::FromUnixMillis(5'000'000));
  ASSERT_TRUE(exposures.ok()) << exposures.status().ToString();
  EXPECT_EQ(*exposures, std::nullopt);
  auto metric = Metric("conversion", 5'000'000);
  ASSERT_TRUE(metric.ok()) << metric.status().ToString();
  EXPECT_FALSE(metric->has_value());
}

// Counts are kept for exposures_interval per window: within it the same counts come back
// even when exposures arrived; after it they are counted again.
TEST_P(RolloutsPlanEvidenceTest, ExposureCountsAreKeptForTheirInterval) {
  SqlPlanEvidence evidence(db(), SqlPlanEvidenceOptions{.exposures_interval = seconds(2)});
  InsertEvents(db(), {Exposure("u1", "exposed", 2'000'000)});
  const auto since = core::FromUnixMillis(kSinceMs);
  auto first = evidence.Exposures(EvidenceSpec(), since, core::FromUnixMillis(5'000'000));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, (ExposureCounts{1, 0}));
  InsertEvents(db(), {Exposure("u2", "rest", 2'000'000)});
  auto cached = evidence.Exposures(EvidenceSpec(), since, core::FromUnixMillis(5'001'999));
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(*cached, (ExposureCounts{1, 0}));
  auto recounted = evidence.Exposures(EvidenceSpec(), since, core::FromUnixMillis(5'002'000));
  ASSERT_TRUE(recounted.ok());
  EXPECT_EQ(*recounted, (ExposureCounts{1, 1}));
}

TEST_P(RolloutsPlanEvidenceTest, CountsEachUnitOncePerArmOfItsWindowAndEnvironment) {
  InsertWindow();
  auto exposures = evidence_->Exposures(EvidenceSpec(), core::FromUnixMillis(kSinceMs),
                                        core::FromUnixMillis(5'000'000));
  ASSERT_TRUE(exposures.ok()) << exposures.status().ToString();
  // exposed {u1 (twice), u2}, rest {u3, u4, u8}; u7 in both arms, u9 in neither, u5 and u6
  // elsewhere.
  EXPECT_EQ(*exposures, (ExposureCounts{2, 3}));

  // The other window and the other environment have their own counts.
  auto other = evidence_->Exposures(EvidenceSpec(), core::FromUnixMillis(999),
                                    core::FromUnixMillis(5'000'000));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, (ExposureCounts{0, 1}));
  ReleasePlanSpec development = EvidenceSpec();
  development.environment = "development";
  auto dev = evidence_->Exposures(development, core::FromUnixMillis(kSinceMs),
                                  core::FromUnixMillis(5'000'000));
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(*dev, (ExposureCounts{1, 0}));
}

TEST_P(RolloutsPlanEvidenceTest, ProportionMetricPerArm) {
  InsertWindow();
  auto sample = Metric("conversion", 5'000'000);
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  ASSERT_TRUE(sample->has_value());
  EXPECT_EQ((*sample)->metric.name, "conversion");
  EXPECT_EQ((*sample)->metric.type, experiments::MetricType::kProportion);
  // exposed: u1 1, u2 0; rest: u3 1, u4 0, u8 0.
  EXPECT_EQ((*sample)->exposed, Stats(2, 1, 1));
  EXPECT_EQ((*sample)->rest, Stats(3, 1, 1));
}

TEST_P(RolloutsPlanEvidenceTest, MeanMetricPerArm) {
  InsertWindow();
  auto sample = Metric("revenue", 5'000'000);
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  ASSERT_TRUE(sample->has_value());
  EXPECT_EQ((*sample)->metric.type, experiments::MetricType::kMean);
  // exposed: u1 12, u2 0 (sum 12, squares 144); rest: u3 5, u4 0, u8 0 (sum 5, squares 25).
  EXPECT_EQ((*sample)->exposed, Stats(2, 12, 144));
  EXPECT_EQ((*sample)->rest, Stats(3, 5, 25));
}

TEST_P(RolloutsPlanEvidenceTest, RatioMetricReadsBothEvents) {
  InsertWindow();
  InsertMetric(db(), R"({"name": "aov", "type": "ratio",
                         "numerator": {"event": "purchase", "aggregation": "sum"},
                         "denominator": {"event": "checkout", "aggregation": "count"},
                         "conversionWindowSeconds": 3600})");
  InsertEvents(db(), {
                         Track("u1-k1", "u1", "checkout", 2'050'000, 9),
                         Track("u1-k2", "u1", "checkout", 2'300'000, 9),
                         Track("u2-k1", "u2", "checkout", 3'500'000, std::nullopt),
                         Track("u3-k1", "u3", "checkout", 2'000'001, 9),
                         Track("u4-k1", "u4", "checkout", 3'000'000, 9),  // before its exposure
                     });
  auto sample = Metric("aov", 5'000'000);
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  ASSERT_TRUE(sample->has_value());
  // (purchases, checkouts) per unit: exposed u1 (12, 2), u2 (0, 1); rest u3 (5, 1), u4 (0, 0),
  // u8 (0, 0).
  experiments::SufficientStats exposed = Stats(2, 12, 144);
  exposed.den_sum = 3;
  exposed.den_sum_squares = 5;
  exposed.cross_sum = 24;
  experiments::SufficientStats rest = Stats(3, 5, 25);
  rest.den_sum = 1;
  rest.den_sum_squares = 1;
  rest.cross_sum = 5;
  EXPECT_EQ((*sample)->exposed, exposed);
  EXPECT_EQ((*sample)->rest, rest);
}

TEST_P(RolloutsPlanEvidenceTest, MetricIsCachedPerWindowForTheInterval) {
  InsertWindow();
  ASSERT_EQ((*Metric("revenue", 5'000'000))->exposed, Stats(2, 12, 144));
  // u2 buys for 6 within its hour.
  InsertEvents(db(), {Track("u2-a", "u2", "purchase", 3'100'000, 6)});
  EXPECT_EQ((*Metric("revenue", 5'000'000))->exposed, Stats(2, 12, 144));
  EXPECT_EQ((*Metric("revenue", 5'009'999))->exposed, Stats(2, 12, 144));
  // Another metric of the same window is its own entry: computed now.
  EXPECT_EQ((*Metric("conversion", 5'009'999))->exposed, Stats(2, 2, 2));
  // Ten seconds after the computation: recomputed, u2's 6 included (sum 18, 144 + 36).
  EXPECT_EQ((*Metric("revenue", 5'010'000))->exposed, Stats(2, 18, 180));
}

TEST_P(RolloutsPlanEvidenceTest, UnknownMetricIsNotFoundNamingTheMetric) {
  InsertWindow();
  auto sample = Metric("gone", 5'000'000);
  EXPECT_EQ(sample.status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(sample.status().field(), "metric");
  EXPECT_NE(sample.status().message().find("gone"), std::string::npos);
}

// Migration 12 on a database an older Governor left with events: they are kept and found by
// the window's key.
TEST_P(RolloutsPlanEvidenceTest, MigrationToExperimentIndexKeepsStoredEvents) {
  const std::unique_ptr<store::testing::TestDatabase> old =
      store::testing::OlderDatabase(db().backend(), 11);
  store::Database& odb = old->db();
  ASSERT_EQ(*store::CurrentSchemaVersion(odb), 11);
  InsertEventsAtVersion11(odb,
                          {Exposure("u1", "exposed", 2'000'000), Exposure("u2", "rest", 2'000'000),
                           Exposure("u3", "rest", 2'000'000)});
  ASSERT_TRUE(store::Migrate(odb).ok());
  EXPECT_EQ(*store::CurrentSchemaVersion(odb), store::LatestSchemaVersion());
  const std::string index_query =
      odb.backend() == store::Backend::kSqlite
          ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $1"
          : "SELECT COUNT(*) FROM pg_indexes WHERE indexname = $1";
  int64_t indexes = 0;
  ASSERT_TRUE(store::WithTransaction(odb, store::TxMode::kReadOnly, [&](store::Transaction& tx) {
                ASSIGN_OR_RETURN(auto rs, tx.Exec(index_query, {"events_experiment"}));
                indexes = rs.rows.at(0).Int(0);
                return core::Status::Ok();
              }).ok());
  EXPECT_EQ(indexes, 1);
  SqlPlanEvidence evidence(odb);
  auto exposures = evidence.Exposures(EvidenceSpec(), core::FromUnixMillis(kSinceMs),
                                      core::FromUnixMillis(5'000'000));
  ASSERT_TRUE(exposures.ok()) << exposures.status().ToString();
  EXPECT_EQ(*exposures, (ExposureCounts{1, 2}));
}

}  // namespace gov::rollouts
