// ReleasePlanRunner ticks only while this process leads; the prometheus-cpp gauges follow the
// plan's state and rollout.

#include "rollouts/release_plan_runner.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "flags/snapshot_publisher.h"
#include "flags/snapshot_registry.h"
#include "rollouts/release_plan_metrics.h"
#include "tests/store/test_databases.h"

namespace gov::rollouts {
namespace {

const store::AuditActor kAlice{"alice", "req-1"};

// The value of `name`'s series with labels `labels` (every label must match), or -1.
double GaugeValue(prometheus::Registry& registry, const std::string& name,
                  const std::map<std::string, std::string>& labels) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      std::map<std::string, std::string> have;
      for (const auto& l : metric.label) have[l.name] = l.value;
      bool match = true;
      for (const auto& [k, v] : labels) match = match && have[k] == v;
      if (match) return metric.gauge.value;
    }
  }
  return -1;
}

TEST(RolloutsReleasePlanRunner, TicksOnlyWhileLeadingAndUpdatesTheGauges) {
  store::testing::SqliteTestDatabase db;
  core::FakeClock clock;
  flags::SnapshotRegistry snapshots;
  flags::SnapshotPublisher publisher(db.db(), snapshots, {});
  ASSERT_TRUE(publisher.Start().ok());
  flags::FlagService flags(db.db(), publisher, clock);
  prometheus::Registry registry;
  PrometheusReleasePlanGauges gauges(registry);
  ReleasePlanService service(db.db(), flags, clock, nullptr, {.gauges = &gauges});
  ASSERT_TRUE(flags
                  .CreateFeature(kAlice, core::Json::parse(
                                             R"({"name": "f", "environments": {"production": {
                                                 "enabled": true}}})"))
                  .ok());
  auto plan = service.Create(kAlice, core::Json::parse(R"({
      "name": "p", "feature": "f", "environment": "production",
      "milestones": [{"rollout": 5, "advanceAfterSeconds": 60}, {"rollout": 100}]})"));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(
      GaugeValue(registry, "governor_release_plan_state", {{"plan", "p"}, {"state", "draft"}}), 1);
  ASSERT_TRUE(service.Act(kAlice, "p", Action::kStart).ok());
  EXPECT_EQ(GaugeValue(registry, "governor_release_plan_rollout", {{"plan", "p"}}), 5);
  EXPECT_EQ(
      GaugeValue(registry, "governor_release_plan_state", {{"plan", "p"}, {"state", "draft"}}), 0);
  EXPECT_EQ(
      GaugeValue(registry, "governor_release_plan_state", {{"plan", "p"}, {"state", "running"}}),
      1);

  bool leading = false;
  std::vector<std::string> lines;
  ReleasePlanRunner runner(service, clock,
                           {.leading = [&] { return leading; },
                            .log = [&](std::string_view line) { lines.emplace_back(line); }});
  clock.Advance(std::chrono::seconds(60));
  EXPECT_TRUE(runner.Tick().transitions.empty());
  EXPECT_EQ(service.Get("p")->runtime.milestone, 0u);
  leading = true;
  EXPECT_EQ(runner.Tick().transitions.size(), 1u);
  EXPECT_EQ(service.Get("p")->runtime.state, PlanState::kCompleted);
  EXPECT_EQ(GaugeValue(registry, "governor_release_plan_rollout", {{"plan", "p"}}), 100);
  EXPECT_EQ(
      GaugeValue(registry, "governor_release_plan_state", {{"plan", "p"}, {"state", "completed"}}),
      1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("completed"), std::string::npos);

  ASSERT_TRUE(service.Delete(kAlice, "p").ok());
  EXPECT_EQ(GaugeValue(registry, "governor_release_plan_rollout", {{"plan", "p"}}), -1);
  publisher.Stop();
}

}  // namespace
}  // namespace gov::rollouts
