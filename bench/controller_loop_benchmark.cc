// One full sync of the control loop over 10,000 targets on push metrics (the goal: under
// 10% of one core's 15 s period, i.e. < 1.5 s of CPU), with a fake clock and a hook that does
// nothing. Each iteration: every target's three metrics were pushed (not timed), the clock moved
// one sync period, and SyncDue reads the pushed values, decides, records 10,000 decisions and
// states in SQLite and calls the hook for the targets whose count changed.

#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "controller/control_loop.h"
#include "controller/metric_source.h"
#include "controller/target_service.h"
#include "store/decision_epoch_repository.h"
#include "store/migrations.h"

namespace gov::controller {
namespace {

constexpr int kTargets = 10000;

class NoopHook final : public Hook {
 public:
  std::string_view kind() const override { return "pull"; }
  core::StatusOr<std::optional<int>> ReadReplicas() override { return std::optional<int>(); }
  core::Status Scale(const ScaleRequest&) override { return core::Status::Ok(); }
};

class NoPrometheus final : public integrations::PrometheusQuerier {
 public:
  core::StatusOr<integrations::PrometheusValue> Query(const std::string&, const std::string&,
                                                      core::Duration, core::TimePoint) override {
    return core::Unavailable("not used");
  }
};

core::Json Target(int i) {
  return {{"name", "t" + std::to_string(i)},
          {"minReplicas", 3},
          {"maxReplicas", 50},
          {"metrics",
           {{{"name", "cpu"}, {"type", "Utilization"}, {"target", 70}, {"source", "push"}},
            {{"name", "memory"}, {"type", "Utilization"}, {"target", 80}, {"source", "push"}},
            {{"name", "rps"}, {"type", "AverageValue"}, {"target", 1000}, {"source", "push"}}}},
          {"cooldown", {{"scaleUpSeconds", 60}, {"scaleDownSeconds", 300}}},
          {"hook", {{"pull", core::Json::object()}}}};
}

void BM_LoopFullSync10kTargets(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("gov_loop_bench_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  auto db = std::move(store::OpenDatabase("sqlite://" + (dir / "bench.db").string())).value();
  if (!store::Migrate(*db).ok()) return state.SkipWithError("migrate failed");
  core::FakeClock clock;
  PushMetricStore push;
  NoPrometheus prometheus;
  SourceRouter router(push, prometheus);
  TargetService service(*db, clock, push, nullptr);
  for (int i = 0; i < kTargets; ++i) {
    if (!service.Create({"bench", ""}, Target(i)).ok()) return state.SkipWithError("create");
  }
  ControlLoop loop(*db, clock, router,
                   [](const TargetSpec&) -> core::StatusOr<std::unique_ptr<Hook>> {
                     return std::unique_ptr<Hook>(std::make_unique<NoopHook>());
                   },
                   nullptr, {.id_seed = 1});
  int64_t epoch = 0;
  (void)store::WithTransaction(
      *db, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(epoch, store::DecisionEpochRepository::Advance(tx, "bench", clock.Now()));
        return core::Status::Ok();
      });
  // Pushes one sample per metric for every target: load around the targets, so some targets
  // scale each sync and most stay within tolerance.
  int round = 0;
  auto push_all = [&] {
    for (int i = 0; i < kTargets; ++i) {
      const double wave = 1 + 0.3 * std::sin(0.7 * i + round);
      const std::vector<PushedSample> samples = {{"cpu", 70 * wave, clock.Now(), "a"},
                                                 {"memory", 60, clock.Now(), "a"},
                                                 {"rps", 900 * wave, clock.Now(), "a"}};
      push.Record("t" + std::to_string(i), samples, std::chrono::seconds(30), clock.Now());
    }
    ++round;
  };
  push_all();
  if (!loop.SyncDue(epoch).ok()) return state.SkipWithError("warm-up sync failed");  // loads specs
  int64_t synced = 0, scaled = 0;
  for (auto _ : state) {
    state.PauseTiming();
    clock.Advance(std::chrono::seconds(15));
    push_all();
    state.ResumeTiming();
    auto summary = loop.SyncDue(epoch);
    if (!summary.ok()) return state.SkipWithError(summary.status().ToString().c_str());
    synced += summary->synced;
    scaled += summary->scaled;
  }
  state.counters["targets_per_sync"] =
      benchmark::Counter(static_cast<double>(synced) / static_cast<double>(state.iterations()));
  state.counters["scaled_per_sync"] =
      benchmark::Counter(static_cast<double>(scaled) / static_cast<double>(state.iterations()));
  db.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_LoopFullSync10kTargets)->Unit(benchmark::kMillisecond)->Iterations(4);

}  // namespace
}  // namespace gov::controller

BENCHMARK_MAIN();
