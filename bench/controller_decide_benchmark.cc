// Cost of one scaling decision: Decide for a target with 3 metrics, a 300 s recommendation
// history (20 entries, one per 15 s sync) and a few scale events in both directions.
#include <benchmark/benchmark.h>

#include <chrono>
#include <vector>

#include "controller/decision.h"

namespace gov::controller {
namespace {

using std::chrono::seconds;

TargetSpec BenchSpec() {
  TargetSpec spec;
  spec.name = "web";
  spec.min_replicas = 3;
  spec.max_replicas = 50;
  spec.metrics = {{"cpu", MetricType::kUtilization, 70, {}},
                  {"memory", MetricType::kUtilization, 80, {}},
                  {"rps", MetricType::kAverageValue, 1000, {}}};
  spec.cooldown = {60, 300};
  return spec;
}

void BM_Decide(benchmark::State& state) {
  const core::TimePoint now = core::FromUnixSeconds(1'700'000'000);
  const TargetSpec spec = BenchSpec();
  TargetState history;
  history.recommendations.emplace();
  for (int i = 0; i < 20; ++i) {
    history.recommendations->push_back({10 + (i * 7) % 9, now - seconds(15 * (i + 1))});
  }
  history.scale_up_events = {
      {2, now - seconds(40)}, {3, now - seconds(130)}, {1, now - seconds(250)}};
  history.scale_down_events = {{1, now - seconds(200)}, {2, now - seconds(280)}};
  history.last_scale_up = now - seconds(40);
  history.last_scale_down = now - seconds(200);
  Observation obs;
  obs.current_replicas = 12;
  obs.ready_replicas = 11;
  obs.metrics = {{"cpu", 84.0, now - seconds(5)},
                 {"memory", 61.0, now - seconds(3)},
                 {"rps", 1130.0, now - seconds(2)}};
  for (auto _ : state) {
    Decision d = Decide(spec, history, obs, now);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_Decide);

}  // namespace
}  // namespace gov::controller

BENCHMARK_MAIN();
