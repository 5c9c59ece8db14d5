// Back-filling the load history of a predictive target whose metric is per replica
// (Utilization, AverageValue): the load is the metric's past values × the replica counts the
// target's stored decisions observed (fakes; the real Prometheus is in
// prometheus_backfill_e2etest.cc).

#include <gtest/gtest.h>

#include "store/decision_repository.h"
#include "store/load_history_repository.h"
#include "tests/controller/control_loop_test_util.h"

namespace gov::controller::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// Answers every range with `value` once per step from `from` to `to`.
class FakeMetricHistory final : public MetricHistorySource {
 public:
  core::StatusOr<std::vector<store::LoadSample>> ReadRange(const TargetSpec&, const MetricSpec&,
                                                           core::TimePoint from, core::TimePoint to,
                                                           seconds step) override {
    ++calls;
    asked_from = from;
    std::vector<store::LoadSample> out;
    for (core::TimePoint t = from; t <= to; t += step) out.push_back({t, value});
    return out;
  }
  int calls = 0;
  core::TimePoint asked_from;
  double value = 50;
};

class ControlLoopBackfillTest : public LoopFixture {
 protected:
  // A Utilization metric from Prometheus (the average CPU percent of the replicas), forecast.
  static core::Json UtilizationTarget() {
    core::Json t = WebTarget("cpu-target");
    t["metrics"] = {{{"name", "cpu"},
                     {"type", "Utilization"},
                     {"target", 70},
                     {"source", {{"prometheus", {{"query", "avg(cpu)"}}}}}}};
    t["predictive"] = {{"mode", "forecastOnly"}};
    return t;
  }
  // Decisions of `target` every 15 s over [from, to) whose syncs saw `replicas` replicas.
  void StoreDecisions(const std::string& target, core::TimePoint from, core::TimePoint to,
                      int64_t replicas) {
    auto tx = db().Begin(store::TxMode::kReadWrite);
    ASSERT_TRUE(tx.ok());
    for (core::TimePoint t = from; t < to; t += seconds(15)) {
      store::DecisionRecord d;
      d.id = "past-" + std::to_string(next_id_++);
      d.target = target;
      d.at = t;
      d.from_replicas = d.to_replicas = replicas;
      d.reason = "withinTolerance";
      d.record_json = "{}";
      auto inserted = store::DecisionRepository::Insert(**tx, d);
      ASSERT_TRUE(inserted.ok() && inserted->has_value()) << inserted.status().ToString();
    }
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  std::vector<store::LoadSample> Stored(const std::string& target, const std::string& metric) {
    auto tx = db().Begin(store::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto rows = store::LoadHistoryRepository::Read(**tx, target, metric, core::TimePoint{},
                                                   core::TimePoint::max());
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : std::vector<store::LoadSample>{};
  }
  int next_id_ = 0;
};

TEST_F(ControlLoopBackfillTest, APerReplicaMetricIsBackFilledTimesTheObservedReplicas) {
  FakeMetricHistory past;
  Open(ControlLoopOptions{.history_source = &past});
  Create(UtilizationTarget());
  prometheus_.values["avg(cpu)"] = 70;
  const core::TimePoint now = clock_.Now();
  // The last hour of syncs: 2 replicas, then 4 from half an hour ago.
  StoreDecisions("cpu-target", now - minutes(60), now - minutes(30), 2);
  StoreDecisions("cpu-target", now - minutes(30), now, 4);
  const int64_t epoch = Lead();
  Sync(epoch);
  EXPECT_EQ(past.calls, 1);
  // Asked from the oldest decision: before it the replicas are unknown.
  EXPECT_EQ(past.asked_from, now - minutes(60));
  const std::vector<store::LoadSample> stored = Stored("cpu-target", "cpu");
  // One sample per 300 s step from an hour ago: 50 % × 2 replicas, then × 4; the last step
  // (now's) also holds this sync's reading.
  ASSERT_EQ(stored.size(), 13u);
  for (std::size_t k = 0; k < 12; ++k) {
    EXPECT_EQ(stored[k].value, k < 6 ? 100 : 200) << k;
  }
  clock_.Advance(seconds(15));
  Sync(epoch);
  EXPECT_EQ(past.calls, 1);  // once per leadership
}

TEST_F(ControlLoopBackfillTest, SamplesLongAfterTheLastObservedReplicasAreLeftOut) {
  FakeMetricHistory past;
  Open(ControlLoopOptions{.history_source = &past});
  Create(UtilizationTarget());
  prometheus_.values["avg(cpu)"] = 70;
  const core::TimePoint now = clock_.Now();
  // Syncs for ten minutes two hours ago, then none (Governor was not running).
  StoreDecisions("cpu-target", now - minutes(120), now - minutes(110), 3);
  Sync(Lead());
  const std::vector<store::LoadSample> stored = Stored("cpu-target", "cpu");
  // Samples at -120, -115 and -110 + 0 s are within metricMaxAgeSeconds (45 s) of a decision
  // (the last at -110 min - 15 s); later ones are not, except now's own reading.
  ASSERT_EQ(stored.size(), 4u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(stored[k].at, now - minutes(120) + minutes(5 * k) - seconds(200)) << k;
    EXPECT_EQ(stored[k].value, 150) << k;  // 50 % × 3 replicas
  }
  EXPECT_EQ(stored.back().at, now - seconds(200));  // now's step: 3 replicas × 70 only
  EXPECT_EQ(stored.back().value, 210);
}

TEST_F(ControlLoopBackfillTest, WithoutStoredDecisionsNothingIsAskedOfPrometheus) {
  FakeMetricHistory past;
  Open(ControlLoopOptions{.history_source = &past});
  Create(UtilizationTarget());
  prometheus_.values["avg(cpu)"] = 70;
  Sync(Lead());
  EXPECT_EQ(past.calls, 0);
  EXPECT_EQ(Stored("cpu-target", "cpu").size(), 1u);  // this sync's reading
}

}  // namespace
}  // namespace gov::controller::testing
