// The control loop's load history for predictive targets: what each sync records, that a
// restarted loop continues from the stored history, and back-filling from the metric's
// source (fakes; the real Prometheus is in prometheus_source_e2etest.cc).

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <random>
#include <sstream>

#include "store/load_history_repository.h"
#include "tests/controller/control_loop_test_util.h"

namespace gov::controller::testing {
namespace {

using std::chrono::seconds;

// Answers every range with one value per step from `from` to `to`, or fails while `fail`.
class FakeMetricHistory final : public MetricHistorySource {
 public:
  core::StatusOr<std::vector<store::LoadSample>> ReadRange(const TargetSpec&,
                                                           const MetricSpec& metric,
                                                           core::TimePoint from, core::TimePoint to,
                                                           seconds step) override {
    ++calls;
    last_metric = metric.name;
    if (fail) return core::Unavailable("prometheus at http://prom.test: cannot connect");
    std::vector<store::LoadSample> out;
    for (core::TimePoint t = from; t <= to; t += step) out.push_back({t, value});
    return out;
  }
  int calls = 0;
  bool fail = false;
  double value = 400;
  std::string last_metric;
};

class ControlLoopHistoryTest : public LoopFixture {
 protected:
  // WebTarget (cpu Utilization 70, rps AverageValue 1000, 3..50 replicas) forecasting rps.
  static core::Json PredictiveWeb() {
    core::Json t = WebTarget();
    t["predictive"] = {{"mode", "forecastOnly"}, {"metric", "rps"}};
    return t;
  }
  // A target whose predictive metric is a Prometheus Value metric (total requests per second).
  static core::Json PrometheusValueTarget() {
    core::Json t = WebTarget("api");
    t["metrics"] = {{{"name", "rps"},
                     {"type", "Value"},
                     {"target", 3000},
                     {"source", {{"prometheus", {{"query", "sum(rate(requests[1m]))"}}}}}}};
    t["predictive"] = {{"mode", "forecastOnly"}};
    return t;
  }
  std::vector<store::LoadSample> Stored(const std::string& target, const std::string& metric) {
    auto tx = db().Begin(store::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto rows = store::LoadHistoryRepository::Read(**tx, target, metric, core::TimePoint{},
                                                   core::TimePoint::max());
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : std::vector<store::LoadSample>{};
  }
  // The start of the 300 s history step holding `t`.
  static core::TimePoint StepStart(core::TimePoint t) {
    return core::FromUnixSeconds(
        static_cast<double>(static_cast<int64_t>(core::ToUnixSeconds(t)) / 300 * 300));
  }
  void Step(int64_t epoch, int s) {
    clock_.Advance(seconds(s));
    Sync(epoch);
  }
};

TEST_F(ControlLoopHistoryTest, EachSyncRecordsTheTotalLoadAsTheMeanOfItsStep) {
  Create(PredictiveWeb());
  const int64_t epoch = Lead();
  const core::TimePoint step = StepStart(clock_.Now());  // 1'700'000'000 is 200 s into it
  Push("web", {{"cpu", 70}, {"rps", 500}});
  Sync(epoch);  // 3 replicas (minReplicas) × 500 = 1500
  EXPECT_EQ(Stored("web", "rps"), (std::vector<store::LoadSample>{{step, 1500}}));
  Push("web", {{"cpu", 70}, {"rps", 700}});
  Step(epoch, 15);  // 3 × 700 = 2100; the step's mean is 1800
  EXPECT_EQ(Stored("web", "rps"), (std::vector<store::LoadSample>{{step, 1800}}));
  clock_.Advance(seconds(90));  // into the next step
  Push("web", {{"cpu", 70}, {"rps", 600}});
  Sync(epoch);
  EXPECT_EQ(Stored("web", "rps"),
            (std::vector<store::LoadSample>{{step, 1800}, {step + seconds(300), 1800}}));
}

TEST_F(ControlLoopHistoryTest, TargetsWithoutAPredictiveBlockRecordNothing) {
  Create(WebTarget());
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 70}, {"rps", 500}});
  Sync(epoch);
  EXPECT_TRUE(Stored("web", "rps").empty());
  EXPECT_TRUE(Stored("web", "cpu").empty());
}

TEST_F(ControlLoopHistoryTest, AMissingOrStaleReadingRecordsNothing) {
  Create(PredictiveWeb());
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 70}});  // rps missing
  Sync(epoch);
  EXPECT_TRUE(Stored("web", "rps").empty());
}

TEST_F(ControlLoopHistoryTest, ARestartedLoopContinuesTheStoredHistory) {
  Create(PredictiveWeb());
  const int64_t epoch = Lead();
  const core::TimePoint step = StepStart(clock_.Now());
  Push("web", {{"cpu", 70}, {"rps", 500}});
  Sync(epoch);  // 1500
  Open();       // a new process: nothing in memory
  const int64_t next = Lead();
  Push("web", {{"cpu", 70}, {"rps", 700}});
  Step(next, 15);  // the stored 1500 counts as one reading: (1500 + 2100) / 2
  EXPECT_EQ(Stored("web", "rps"), (std::vector<store::LoadSample>{{step, 1800}}));
}

TEST_F(ControlLoopHistoryTest, AShortPrometheusHistoryIsBackFilledOnceOverTheRetention) {
  FakeMetricHistory past;
  Open(ControlLoopOptions{.history_source = &past});
  Create(PrometheusValueTarget());
  prometheus_.values["sum(rate(requests[1m]))"] = 1000;
  const int64_t epoch = Lead();
  const core::TimePoint now = clock_.Now();
  Sync(epoch);
  EXPECT_EQ(past.calls, 1);
  EXPECT_EQ(past.last_metric, "rps");
  auto stored = Stored("api", "rps");
  // 15 days of 300 s steps: the step holding now - 15 d starts before it and is pruned, so
  // 15 × 288 = 4320 steps remain, the last one (now's) the mean of 400 and the reading 1000.
  ASSERT_EQ(stored.size(), 4320u);
  EXPECT_EQ(stored.front().at, StepStart(now - std::chrono::hours(15 * 24)) + seconds(300));
  EXPECT_EQ(stored.front().value, 400);
  EXPECT_EQ(stored.back(), (store::LoadSample{StepStart(now), 700}));
  Step(epoch, 15);
  Step(epoch, 3600);
  EXPECT_EQ(past.calls, 1);  // once per leadership
}

TEST_F(ControlLoopHistoryTest, AFailedBackFillIsRetriedAfterTheRetryInterval) {
  FakeMetricHistory past;
  past.fail = true;
  Open(ControlLoopOptions{.history_source = &past});
  Create(PrometheusValueTarget());
  prometheus_.values["sum(rate(requests[1m]))"] = 1000;
  const int64_t epoch = Lead();
  Sync(epoch);
  EXPECT_EQ(past.calls, 1);
  EXPECT_EQ(Stored("api", "rps").size(), 1u);  // this sync's reading is kept all the same
  Step(epoch, 15);
  EXPECT_EQ(past.calls, 1);
  past.fail = false;
  Step(epoch, 600);  // 10 minutes after the failure
  EXPECT_EQ(past.calls, 2);
  EXPECT_GT(Stored("api", "rps").size(), 4000u);
}

// (A per-replica metric is back-filled only over the replica counts of stored decisions:
// control_loop_backfill_test.cc.)
TEST_F(ControlLoopHistoryTest, PushedMetricsAndPerReplicaOnesWithoutDecisionsAreNotBackFilled) {
  FakeMetricHistory past;
  Open(ControlLoopOptions{.history_source = &past});
  Create(PredictiveWeb());  // rps is pushed
  core::Json utilization = WebTarget("cpu-target");
  utilization["metrics"][0]["source"] = {{"prometheus", {{"query", "avg(cpu)"}}}};
  utilization["predictive"] = {{"mode", "forecastOnly"}, {"metric", "cpu"}};
  Create(utilization);  // Prometheus, but a per-replica average
  prometheus_.values["avg(cpu)"] = 70;
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 70}, {"rps", 500}});
  Push("cpu-target", {{"rps", 500}});
  Sync(epoch);
  EXPECT_EQ(past.calls, 0);
  EXPECT_EQ(Stored("cpu-target", "cpu"),
            (std::vector<store::LoadSample>{{StepStart(clock_.Now()), 210}}));
}

TEST_F(ControlLoopHistoryTest, HistoryOlderThanTheRetentionIsPruned) {
  Create(PredictiveWeb());
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 70}, {"rps", 500}});
  Sync(epoch);
  clock_.Advance(std::chrono::hours(15 * 24 + 1));
  Push("web", {{"cpu", 70}, {"rps", 600}});
  Sync(epoch);
  EXPECT_EQ(Stored("web", "rps"),
            (std::vector<store::LoadSample>{{StepStart(clock_.Now()), 1800}}));
}

// 14 days of a daily cycle (total rps 1500 ± 1000, 5-minute steps, normal noise of sd 50 from a
// fixed seed) stored for `target`, ending at the step before now's: what a new leader finds.
void SeedDailyCycle(store::Database& db, const std::string& target, const std::string& metric,
                    core::TimePoint now) {
  std::vector<store::LoadSample> samples;
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 50);
  const int64_t now_s = static_cast<int64_t>(core::ToUnixSeconds(now)) / 300 * 300;
  for (int64_t t = now_s - 14 * 86400; t < now_s; t += 300) {
    const double phase = 2 * M_PI * static_cast<double>(t % 86400) / 86400.0;
    samples.push_back({core::FromUnixSeconds(static_cast<double>(t)),
                       1500 + 1000 * std::sin(phase) + noise(rng)});
  }
  ASSERT_TRUE(
      store::WithTransaction(
          db, store::TxMode::kReadWrite,
          [&](store::Transaction& tx) -> core::Status {
            return store::LoadHistoryRepository::Append(tx, target, metric, samples).status();
          })
          .ok());
}

TEST_F(ControlLoopHistoryTest, TheDecisionCarriesThePlanFromTheStoredHistory) {
  core::Json target = PredictiveWeb();
  target["predictive"]["mode"] = "forecastAndScale";
  Create(target);
  SeedDailyCycle(db(), "web", "rps", clock_.Now());
  prometheus::Registry registry;
  ControllerMetrics telemetry(registry);
  loop_ = std::make_unique<ControlLoop>(
      db(), clock_, *router_,
      [this](const TargetSpec& spec) -> core::StatusOr<std::unique_ptr<Hook>> {
        return std::unique_ptr<Hook>(std::make_unique<FakeHook>(Platform(spec.name)));
      },
      &telemetry, ControlLoopOptions{.id_seed = 3});
  const int64_t epoch = Lead();
  Push("web", {{"cpu", 70}, {"rps", 500}});
  Sync(epoch);
  core::Json d = Latest("web");
  ASSERT_TRUE(d["decision"].contains("prediction")) << d.dump();
  const core::Json& plan = d["decision"]["prediction"];
  EXPECT_EQ(plan["metric"], "rps");
  EXPECT_EQ(plan["quantile"], 0.9);
  // A clean daily cycle is forecast (whatever model wins), 300 s ahead of now.
  ASSERT_TRUE(plan["forecast"].is_number()) << plan.dump();
  EXPECT_NEAR(plan["provisionFor"].get<double>(), core::ToUnixSeconds(clock_.Now()) + 300, 1e-3);
  const double phase = 2 * M_PI * std::fmod(core::ToUnixSeconds(clock_.Now()) + 300, 86400) / 86400;
  EXPECT_NEAR(plan["forecast"].get<double>(), 1500 + 1000 * std::sin(phase), 150) << plan.dump();
  EXPECT_EQ(plan["fallback"], "none") << plan.dump();
  // The gauges: the point forecast, its 0.9 band and the model's MASE.
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, registry.Collect());
  EXPECT_NE(
      text.str().find("governor_target_forecast{metric=\"rps\",quantile=\"point\",target=\"web\"}"),
      std::string::npos)
      << text.str();
  EXPECT_NE(
      text.str().find("governor_target_forecast{metric=\"rps\",quantile=\"0.9\",target=\"web\"}"),
      std::string::npos);
  EXPECT_NE(text.str().find("governor_target_forecast_mase{target=\"web\"}"), std::string::npos);
}

}  // namespace
}  // namespace gov::controller::testing
