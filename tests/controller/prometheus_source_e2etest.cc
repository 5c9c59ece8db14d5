// The control loop deciding from, and back-filling history from, a real Prometheus (the Debian
// package), started by the test on a free port, scraping an exporter the test serves (the
// query client alone is tested in tests/integrations/prometheus_client_e2etest.cc). Waiting on
// Prometheus (readiness, the first scrapes) is real time; the loop's clock is a FakeClock set to
// the real time, since Prometheus answers for the time Governor asks about.

#include <gtest/gtest.h>

#include <thread>

#include "controller/load_history.h"
#include "integrations/prometheus_client.h"
#include "store/decision_repository.h"
#include "store/load_history_repository.h"
#include "tests/controller/control_loop_test_util.h"
#include "tests/e2e/prometheus_server.h"

namespace gov::controller::testing {
namespace {

using gov::testing::PrometheusServer;

class PrometheusE2eTest : public gov::testing::WebCpuPrometheusTest {
 protected:
  // Waits until Prometheus holds at least 3 samples of `query` over the last 30 s. Prometheus
  // scrapes in real time; the two minutes only stop a run whose Prometheus never scrapes,
  // nothing here depends on how fast it is.
  bool WaitForSamples(const std::string& query) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    while (std::chrono::steady_clock::now() < give_up) {
      const core::TimePoint now = core::SystemClock::Instance().Now();
      auto range = client_.QueryRange(prometheus_->url(), query, now - std::chrono::seconds(30),
                                      now, std::chrono::seconds(1), std::chrono::seconds(5));
      if (range.ok() && range->size() >= 3) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  // A control loop that back-fills history from this Prometheus in steps of 1 s over the last
  // 30 s, and a target "web" whose one metric (forecast only) reads `query`.
  struct BackfillRig {
    BackfillRig(integrations::PrometheusQuerier& client, const std::string& url,
                const core::Json& metric)
        : router(push, client, url), history(client, url) {
      core::Json target = WebTarget();
      target["metrics"] = core::Json::array({metric});
      target["predictive"] = {{"mode", "forecastOnly"}};
      created = service.Create({"test", ""}, target).status();
    }
    std::unique_ptr<store::Database> db = OpenTestDatabase(MemoryBackedSqliteUrl(), true);
    core::FakeClock clock{core::SystemClock::Instance().Now()};
    PushMetricStore push;
    SourceRouter router;
    PrometheusMetricHistory history;
    std::shared_ptr<FakePlatform> platform = std::make_shared<FakePlatform>();
    ControlLoop loop{*db,
                     clock,
                     router,
                     [this](const TargetSpec&) -> core::StatusOr<std::unique_ptr<Hook>> {
                       return std::unique_ptr<Hook>(std::make_unique<FakeHook>(platform));
                     },
                     nullptr,
                     ControlLoopOptions{.history_step = std::chrono::seconds(1),
                                        .history_retention = std::chrono::seconds(30),
                                        .history_source = &history}};
    TargetService service{*db, clock, push, nullptr};
    core::Status created;

    // Syncs once and returns the load history stored for `metric`.
    std::vector<store::LoadSample> SyncAndRead(const std::string& metric) {
      auto synced = loop.SyncDue(AdvanceEpoch(*db, clock.Now()));
      EXPECT_TRUE(synced.ok()) << synced.status().ToString();
      auto tx = db->Begin(store::TxMode::kReadOnly);
      EXPECT_TRUE(tx.ok());
      auto stored = store::LoadHistoryRepository::Read(**tx, "web", metric, core::TimePoint{},
                                                       core::TimePoint::max());
      EXPECT_TRUE(stored.ok()) << stored.status().ToString();
      return stored.ok() ? *stored : std::vector<store::LoadSample>{};
    }
  };

  integrations::PrometheusHttpClient client_{{.max_attempts = 2, .sleep = {}}};
};

TEST_F(PrometheusE2eTest, TheLoopScalesFromAPrometheusMetric) {
  auto db = OpenTestDatabase(MemoryBackedSqliteUrl(), /*migrate=*/true);
  core::FakeClock clock(core::SystemClock::Instance().Now());
  PushMetricStore push;
  SourceRouter router(push, client_, prometheus_->url());
  auto platform = std::make_shared<FakePlatform>();
  ControlLoop loop(
      *db, clock, router,
      [&](const TargetSpec&) -> core::StatusOr<std::unique_ptr<Hook>> {
        return std::unique_ptr<Hook>(std::make_unique<FakeHook>(platform));
      },
      nullptr);
  TargetService service(*db, clock, push, nullptr);
  core::Json target = WebTarget();
  target["metrics"] = {{{"name", "cpu"},
                        {"type", "Utilization"},
                        {"target", 70},
                        {"source", {{"prometheus", {{"query", "avg(web_cpu_percent)"}}}}}}};
  ASSERT_TRUE(service.Create({"test", ""}, target).ok());
  const int64_t epoch = AdvanceEpoch(*db, clock.Now());
  auto synced = loop.SyncDue(epoch);
  ASSERT_TRUE(synced.ok()) << synced.status().ToString();
  // avg 140 against a 70 target at 3 replicas: ceil(2 x 3) = 6.
  ASSERT_EQ(platform->requests.size(), 1u);
  EXPECT_EQ(platform->requests[0].from_replicas, 3);
  EXPECT_EQ(platform->requests[0].to_replicas, 6);
  auto page = service.Decisions("web", {1, ""});
  ASSERT_TRUE(page.ok());
  core::Json d = DecisionRecordToJson(page->items[0]);
  EXPECT_EQ(d["metrics"][0]["source"], "prometheus");
  EXPECT_EQ(d["metrics"][0]["value"], 140.0);
}

TEST_F(PrometheusE2eTest, TheLoopBackFillsAPredictiveTargetsHistoryFromPrometheus) {
  ASSERT_TRUE(WaitForSamples("sum(web_cpu_percent)"))
      << "Prometheus never held 3 samples of web_cpu_percent";
  BackfillRig rig(client_, prometheus_->url(),
                  {{"name", "load"},
                   {"type", "Value"},
                   {"target", 100},
                   {"source", {{"prometheus", {{"query", "sum(web_cpu_percent)"}}}}}});
  ASSERT_TRUE(rig.created.ok()) << rig.created.ToString();
  const std::vector<store::LoadSample> stored = rig.SyncAndRead("load");
  // This sync's reading alone would be one row; the back-fill adds the scraped seconds.
  EXPECT_GE(stored.size(), 3u);
  for (const store::LoadSample& s : stored) EXPECT_DOUBLE_EQ(s.value, 280);
}

// A per-replica metric is back-filled from Prometheus times the replica counts of the stored
// decisions.
TEST_F(PrometheusE2eTest, APerReplicaMetricIsBackFilledTimesTheStoredReplicaCounts) {
  ASSERT_TRUE(WaitForSamples("avg(web_cpu_percent)"))
      << "Prometheus never held 3 samples of web_cpu_percent:\n"
      << prometheus_->server().Log();
  BackfillRig rig(client_, prometheus_->url(),
                  {{"name", "cpu"},
                   {"type", "Utilization"},
                   {"target", 70},
                   {"source", {{"prometheus", {{"query", "avg(web_cpu_percent)"}}}}}});
  ASSERT_TRUE(rig.created.ok()) << rig.created.ToString();
  store::Database* db = rig.db.get();
  // Earlier syncs saw 2 replicas, every 15 s over the last minute.
  const core::TimePoint now = rig.clock.Now();
  {
    auto tx = db->Begin(store::TxMode::kReadWrite);
    ASSERT_TRUE(tx.ok());
    for (int k = 4; k >= 1; --k) {
      store::DecisionRecord d;
      d.id = "past-" + std::to_string(k);
      d.target = "web";
      d.at = now - std::chrono::seconds(15 * k);
      d.from_replicas = d.to_replicas = 2;
      d.reason = "withinTolerance";
      d.record_json = "{}";
      auto inserted = store::DecisionRepository::Insert(**tx, d);
      ASSERT_TRUE(inserted.ok() && inserted->has_value()) << inserted.status().ToString();
    }
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  const std::vector<store::LoadSample> stored = rig.SyncAndRead("cpu");
  // This sync's reading alone would be one row (140 × 3 replicas); the back-fill adds the
  // scraped seconds at 140 × 2.
  ASSERT_GE(stored.size(), 3u);
  for (const store::LoadSample& s : stored) {
    if (s.at + std::chrono::seconds(1) < now) EXPECT_DOUBLE_EQ(s.value, 280);
  }
}

}  // namespace
}  // namespace gov::controller::testing
