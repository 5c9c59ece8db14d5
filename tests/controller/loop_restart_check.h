#pragma once

// A check shared by the SQLite and PostgreSQL loop tests: the whole controller as `serve`
// wires it (ControlLoopService: its own push store, loop, leader election), stopped and
// started again on a new connection to the same database. The new leader must continue the
// cooldown and the stabilization window the first one started, from the stored state.

#include <prometheus/registry.h>

#include "controller/control_loop_service.h"
#include "tests/controller/control_loop_test_util.h"

namespace gov::controller::testing {

class RestartableLoopFixture : public LoopFixture {
 protected:
  using LoopFixture::LoopFixture;
  friend void ExpectARestartedServiceContinuesCooldownAndStabilization(RestartableLoopFixture&);
};

inline void ExpectARestartedServiceContinuesCooldownAndStabilization(RestartableLoopFixture& f) {
  using std::chrono::seconds;
  f.Create(WebTarget());
  // One `governor serve` process: its own connection, registry and controller.
  struct Process {
    std::unique_ptr<store::Database> connection;
    std::unique_ptr<prometheus::Registry> registry;
    std::unique_ptr<ControlLoopService> service;  // destroyed first
  };
  auto start = [&f] {
    Process p{f.OpenAnother(), std::make_unique<prometheus::Registry>(), nullptr};
    ControlLoopServiceOptions options;
    options.holder = "process-" + std::to_string(++f.opens_);
    options.hooks = [&f](const TargetSpec& spec) -> core::StatusOr<std::unique_ptr<Hook>> {
      return std::unique_ptr<Hook>(std::make_unique<FakeHook>(f.Platform(spec.name)));
    };
    p.service = std::make_unique<ControlLoopService>(*p.connection, f.clock_, *p.registry,
                                                     std::move(options));
    return p;
  };
  // Pushes cpu and rps, then runs one leadership check and sync as the process's runner does.
  auto sync = [](Process& p, double cpu, double rps) {
    auto pushed = p.service->targets().PushMetrics(
        "web",
        {{"samples", {{{"metric", "cpu"}, {"value", cpu}}, {{"metric", "rps"}, {"value", rps}}}}});
    EXPECT_TRUE(pushed.ok()) << pushed.status().ToString();
    auto led = p.service->runner().RunOnce();
    EXPECT_TRUE(led.ok() && led->leader) << led.status().ToString();
    return led.ok() ? *led : Leadership{};
  };

  Process first = start();
  const int64_t first_epoch = sync(first, 140, 1000).epoch;
  ASSERT_EQ(f.Platform("web")->requests.size(), 1u);  // 3 -> 6
  first.service->runner().Stop();                     // resigns, as serve does on SIGTERM
  first.service.reset();  // then its connection closes, as the process exits
  first.connection.reset();

  f.clock_.Advance(seconds(15));
  Process second = start();
  const Leadership led = sync(second, 140, 1000);
  EXPECT_TRUE(led.acquired_now);
  EXPECT_EQ(led.epoch, first_epoch + 1);
  core::Json held = f.Latest("web");
  EXPECT_EQ(held["epoch"], led.epoch);
  EXPECT_EQ(held["replicasSource"], "lastDecision");
  EXPECT_EQ(held["currentReplicas"], 6);
  EXPECT_EQ(held["reason"], "Cooldown");
  EXPECT_EQ(held["decision"]["limits"].back()["secondsLeft"], 45);
  // The cooldown ends 60 s after the first process's scale-up, not 60 s after the restart.
  for (int t = 30; t <= 60; t += 15) {
    f.clock_.Advance(seconds(15));
    sync(second, 140, 1000);
  }
  ASSERT_EQ(f.Platform("web")->requests.size(), 2u);
  EXPECT_EQ(f.Platform("web")->requests[1].from_replicas, 6);
  EXPECT_EQ(f.Platform("web")->requests[1].to_replicas, 12);
  EXPECT_EQ(f.Platform("web")->requests[1].epoch, led.epoch);
  // The scale-down window holds the recommendations of both processes: no drop yet.
  f.clock_.Advance(seconds(15));
  sync(second, 35, 100);
  EXPECT_EQ(f.Latest("web")["replicas"], 12);
  EXPECT_EQ(f.Latest("web")["reason"], "ScaleDownStabilized");
  second.service->runner().Stop();
}

}  // namespace gov::controller::testing
