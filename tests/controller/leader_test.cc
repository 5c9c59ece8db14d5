// Leader election on SQLite (a file lock: one process leads) and the runner around the loop.
// PostgreSQL failover between processes is in leader_failover_pgtest.cc.

#include "controller/leader.h"

#include <gtest/gtest.h>

#include "controller/control_loop_runner.h"
#include "tests/controller/control_loop_test_util.h"

namespace gov::controller::testing {
namespace {

TEST(LeaderElectorTest, OneHolderAtATimeEachLeadershipANewEpoch) {
  store::testing::SqliteTestDatabase test_db;
  core::FakeClock clock;
  auto other_db = test_db.OpenAnother();
  LeaderElector a(test_db.db(), clock, "a");
  LeaderElector b(*other_db, clock, "b");

  auto la = a.Check();
  ASSERT_TRUE(la.ok()) << la.status().ToString();
  EXPECT_TRUE(la->leader);
  EXPECT_TRUE(la->acquired_now);
  EXPECT_EQ(la->epoch, 1);
  auto lb = b.Check();
  ASSERT_TRUE(lb.ok());
  EXPECT_FALSE(lb->leader);
  EXPECT_EQ(lb->epoch, 0);
  auto again = a.Check();
  EXPECT_TRUE(again->leader);
  EXPECT_FALSE(again->acquired_now);
  EXPECT_EQ(again->epoch, 1);

  ASSERT_TRUE(a.Resign().ok());
  lb = b.Check();
  EXPECT_TRUE(lb->leader);
  EXPECT_TRUE(lb->acquired_now);
  EXPECT_EQ(lb->epoch, 2);
  auto lost = a.Check();
  EXPECT_FALSE(lost->leader);

  // Fenced out while holding the lock: Invalidate starts a new epoch.
  b.Invalidate();
  auto renewed = b.Check();
  EXPECT_TRUE(renewed->acquired_now);
  EXPECT_EQ(renewed->epoch, 3);
}

class RunnerTest : public LoopFixture {};

TEST_F(RunnerTest, RunOnceLeadsSyncsAndStopResigns) {
  Create(WebTarget());
  LeaderElector elector(db(), clock_, "runner");
  ControlLoopRunner runner(*loop_, elector, nullptr, clock_);
  Push("web", {{"cpu", 140}, {"rps", 1000}});
  auto l = runner.RunOnce();
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_TRUE(l->leader);
  EXPECT_TRUE(runner.leader());
  EXPECT_EQ(Latest("web")["epoch"], l->epoch);
  EXPECT_EQ(Platform("web")->requests.size(), 1u);
  runner.Stop();
  EXPECT_FALSE(runner.leader());
  // Another elector (another process) now leads with the next epoch.
  auto other = OpenAnother();
  LeaderElector next(*other, clock_, "next");
  auto n = next.Check();
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->leader);
  EXPECT_EQ(n->epoch, l->epoch + 1);
}

TEST_F(RunnerTest, ADeposedRunnerStartsANewEpochFromTheStore) {
  Create(WebTarget());
  LeaderElector elector(db(), clock_, "runner");
  ControlLoopRunner runner(*loop_, elector, nullptr, clock_);
  auto first = runner.RunOnce();
  ASSERT_TRUE(first.ok());
  // Another writer advances the epoch (as a leader that got the lock while ours was lost).
  Lead();
  clock_.Advance(std::chrono::seconds(15));
  auto fenced = runner.RunOnce();
  EXPECT_EQ(fenced.status().code(), core::StatusCode::kConflict);
  auto renewed = runner.RunOnce();
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_TRUE(renewed->acquired_now);
  EXPECT_EQ(renewed->epoch, first->epoch + 2);
  EXPECT_EQ(Latest("web")["epoch"], renewed->epoch);
}

}  // namespace
}  // namespace gov::controller::testing
