// What recording exposures costs flag evaluation (Google Benchmark): the in-process part of an
// OFREP single evaluation (OfrepEvaluateOne: context parsing, evaluation, response JSON) and of
// a frontend-API answer (FrontendToggles) for the flags of bench/flags_eval.json, 1,024 users,
// as the routes run them, in four setups:
//   no_recorder     no exposure recorder at all (before exposure recording existed)
//   idle            a recorder, no experiment running (one atomic load per request)
//   running         an experiment runs on `complex` and every user was already recorded
//                   (the in-memory deduplication path: the steady state)
// and, each request bringing a user never seen before (its context built in the timed loop),
//   no_recorder_new_users   the baseline of
//   running_new_users       the recording path (queued, then written by the recorder's
//                           thread to a sink that drops them)

#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "api/internal/flag_api.h"
#include "api/internal/frontend_routes.h"
#include "api/internal/ofrep_routes.h"
#include "core/time_format.h"
#include "flags/features_json.h"
#include "flags/snapshot.h"

namespace gov::api {
namespace {

enum class Setup { kNoRecorder, kIdle, kRunning };

std::string FlagsText() {
  std::ifstream in(GOVERNOR_BENCH_DIR "/flags_eval.json");
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().empty()) throw std::runtime_error("cannot read bench/flags_eval.json");
  return text.str();
}

experiments::RunningExperiment ComplexExperiment() {
  experiments::RunningExperiment e;
  e.key = "complex-test";
  e.environment = "production";
  e.feature = "complex";
  e.randomization_unit = "userId";
  e.control_variant = "control";
  e.arms = {{"control", 340}, {"treatment-1", 330}, {"treatment-2", 330}};
  return e;
}

// The registry, a FlagApi over it and (per setup) a recorder.
struct Harness {
  explicit Harness(Setup setup) : auth(clock) {
    auto snap = std::make_shared<flags::EnvironmentSnapshot>();
    snap->environment = "production";
    snap->revision = 1;
    snap->features = *flags::ParseClientFeaturesText(FlagsText());
    snap->compiled = flags::Compile(snap->features);
    registry.Publish(snap);
    experiments::ExposureRecorderOptions options;
    options.max_queued = 10'000'000;
    options.max_remembered = 100'000'000;
    recorder = std::make_unique<experiments::ExposureRecorder>(
        running, clock,
        [](std::vector<store::EventRow> rows) -> core::StatusOr<std::vector<bool>> {
          return std::vector<bool>(rows.size(), true);
        },
        options);
    recorder->Start();
    if (setup == Setup::kRunning) {
      running.Publish({ComplexExperiment()});
    }
    api = std::make_unique<FlagApi>(registry, clock, auth, FlagApiOptions{}, ClientMetricsSinks{},
                                    setup == Setup::kNoRecorder ? nullptr : recorder.get());
    view = api->View("production");
  }
  ~Harness() { recorder->Stop(); }

  core::SystemClock clock;
  Authenticator auth;
  flags::SnapshotRegistry registry;
  experiments::RunningExperiments running;
  std::unique_ptr<experiments::ExposureRecorder> recorder;
  std::unique_ptr<FlagApi> api;
  std::shared_ptr<const EnvironmentView> view;
};

core::Json OfrepBody(int i) {
  return core::Json{{"context",
                     {{"targetingKey", "user-" + std::to_string(i)},
                      {"sessionId", "session-" + std::to_string(i)},
                      {"email", "user" + std::to_string(i) + "@customer.example"},
                      {"appVersion", "2.3.9"},
                      {"country", "NO"},
                      {"plan", "free"}}}};
}

void Ofrep(benchmark::State& state, Setup setup, bool new_users) {
  Harness h(setup);
  const core::TimePoint now = *core::ParseRfc3339("2025-06-01T00:00:00Z");
  std::vector<core::Json> bodies;
  for (int i = 0; i < 1024; ++i) bodies.push_back(OfrepBody(i));
  if (setup == Setup::kRunning && !new_users) {
    const ExposureTap tap(*h.api, "production");
    for (const core::Json& b : bodies) OfrepEvaluateOne(*h.view, "complex", b, now, &tap);
  }
  int64_t i = 0;
  for (auto _ : state) {
    const core::Json* body = &bodies[i & 1023];
    core::Json fresh;
    if (new_users) {
      fresh = OfrepBody(static_cast<int>(1024 + i));
      body = &fresh;
    }
    const ExposureTap tap(*h.api, "production");
    auto out = OfrepEvaluateOne(*h.view, "complex", *body, now, &tap);
    benchmark::DoNotOptimize(out);
    ++i;
  }
  const auto stats = h.recorder->stats();
  state.counters["recorded"] = static_cast<double>(stats.queued);
}

void Frontend(benchmark::State& state, Setup setup, bool new_users) {
  Harness h(setup);
  const core::TimePoint now = *core::ParseRfc3339("2025-06-01T00:00:00Z");
  std::vector<flags::Context> users;
  for (int i = 0; i < 1024; ++i) {
    flags::Context c;
    c.user_id = "user-" + std::to_string(i);
    c.environment = "production";
    c.SetProperty("email", "user" + std::to_string(i) + "@customer.example");
    c.SetProperty("appVersion", "2.3.9");
    c.SetProperty("country", "NO");
    users.push_back(std::move(c));
  }
  if (setup == Setup::kRunning && !new_users) {
    const ExposureTap tap(*h.api, "production");
    for (const flags::Context& c : users) FrontendToggles(*h.view, c, now, &tap);
  }
  int64_t i = 0;
  for (auto _ : state) {
    flags::Context* user = &users[i & 1023];
    if (new_users) user->user_id = "user-" + std::to_string(1024 + i);
    const ExposureTap tap(*h.api, "production");
    auto out = FrontendToggles(*h.view, *user, now, &tap);
    benchmark::DoNotOptimize(out);
    ++i;
  }
  state.counters["recorded"] = static_cast<double>(h.recorder->stats().queued);
}

BENCHMARK_CAPTURE(Ofrep, no_recorder, Setup::kNoRecorder, false);
BENCHMARK_CAPTURE(Ofrep, idle, Setup::kIdle, false);
BENCHMARK_CAPTURE(Ofrep, running, Setup::kRunning, false);
BENCHMARK_CAPTURE(Ofrep, no_recorder_new_users, Setup::kNoRecorder, true);
BENCHMARK_CAPTURE(Ofrep, running_new_users, Setup::kRunning, true);
BENCHMARK_CAPTURE(Frontend, no_recorder, Setup::kNoRecorder, false);
BENCHMARK_CAPTURE(Frontend, idle, Setup::kIdle, false);
BENCHMARK_CAPTURE(Frontend, running, Setup::kRunning, false);
BENCHMARK_CAPTURE(Frontend, no_recorder_new_users, Setup::kNoRecorder, true);
BENCHMARK_CAPTURE(Frontend, running_new_users, Setup::kRunning, true);

}  // namespace
}  // namespace gov::api

BENCHMARK_MAIN();
