// Flag evaluation and compilation costs (Google Benchmark).
//   (a) a flag with one `default` strategy                        goal <= 100 ns
//   (b) 3 strategies, 4 constraints, a segment, a 37% flexibleRollout and 3 weighted
//       variants, decided by the last strategy                   goal <= 1 us
//   (c) compiling a 10,000-flag snapshot
// Contexts are built up front; each iteration evaluates the next of 1024 users.

#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/time_format.h"
#include "flags/evaluator.h"
#include "flags/features_json.h"
#include "flags/snapshot.h"

namespace gov::flags {
namespace {

// The flags, shared with the peer baseline (bench/flags_eval_node.mjs).
std::string FlagsText() {
  std::ifstream in(GOVERNOR_BENCH_DIR "/flags_eval.json");
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().empty()) throw std::runtime_error("cannot read bench/flags_eval.json");
  return text.str();
}

std::vector<Context> Users() {
  std::vector<Context> users;
  for (int i = 0; i < 1024; ++i) {
    Context c;
    c.user_id = "user-" + std::to_string(i * 7919);
    c.session_id = "session-" + std::to_string(i);
    c.environment = "production";
    c.app_name = "web";
    c.SetProperty("email", "user" + std::to_string(i) + "@customer.example");
    c.SetProperty("appVersion", "2.3.9");
    c.SetProperty("country", "NO");
    c.SetProperty("plan", "free");
    users.push_back(std::move(c));
  }
  return users;
}

void Run(benchmark::State& state, std::string_view flag) {
  const auto snapshot = Compile(*ParseClientFeaturesText(FlagsText()));
  const std::vector<Context> users = Users();
  const core::TimePoint now = *core::ParseRfc3339("2025-06-01T00:00:00Z");
  size_t i = 0;
  int64_t enabled = 0;
  for (auto _ : state) {
    const EvaluationResult r = Evaluate(*snapshot, flag, users[i++ & 1023], now);
    enabled += r.enabled;
    benchmark::DoNotOptimize(r);
  }
  state.counters["enabled_fraction"] =
      benchmark::Counter(static_cast<double>(enabled) / static_cast<double>(state.iterations()));
}

void BM_EvaluateDefaultStrategy(benchmark::State& state) { Run(state, "simple"); }
BENCHMARK(BM_EvaluateDefaultStrategy);

void BM_EvaluateComplexFlag(benchmark::State& state) { Run(state, "complex"); }
BENCHMARK(BM_EvaluateComplexFlag);

// 10,000 flags: half a plain default strategy, half like "complex" above.
ClientFeatures TenThousandFlags() {
  const ClientFeatures sample = *ParseClientFeaturesText(FlagsText());
  ClientFeatures out;
  out.segments = sample.segments;
  for (int i = 0; i < 10000; ++i) {
    Feature f = sample.features[i % 2];
    f.name = "flag-" + std::to_string(i);
    if (i % 2) f.strategies[2].parameters["groupId"] = f.name;
    out.features.push_back(std::move(f));
  }
  return out;
}

void BM_Compile10000Flags(benchmark::State& state) {
  const ClientFeatures features = TenThousandFlags();
  for (auto _ : state) benchmark::DoNotOptimize(Compile(features));
}
BENCHMARK(BM_Compile10000Flags)->Unit(benchmark::kMillisecond);

void BM_ParseJson10000Flags(benchmark::State& state) {
  const std::string text = ToJson(TenThousandFlags()).dump();
  state.counters["bytes"] = static_cast<double>(text.size());
  for (auto _ : state) benchmark::DoNotOptimize(ParseClientFeaturesText(text));
}
BENCHMARK(BM_ParseJson10000Flags)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gov::flags

BENCHMARK_MAIN();
