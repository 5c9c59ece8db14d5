// The control loop's load history on PostgreSQL (a fresh database on the server named by
// GOVERNOR_TEST_PG_URL): each sync's load is stored as its step's mean, and a new loop (a
// restarted process, a new leader) continues from the stored value, as on SQLite
// (control_loop_history_test.cc). Without the server the test fails rather than skips.

#include "store/load_history_repository.h"
#include "tests/controller/control_loop_test_util.h"

namespace gov::controller::testing {
namespace {

class ControlLoopHistoryPgTest : protected PostgresHolder, public LoopFixture {
 protected:
  ControlLoopHistoryPgTest() : LoopFixture(pg ? pg->url() : MemoryBackedSqliteUrl()) {}
};

TEST_F(ControlLoopHistoryPgTest, StepMeansAreStoredAndANewLoopContinuesThem) {
  ASSERT_TRUE(pg) << "GOVERNOR_TEST_PG_URL is not set";
  core::Json target = WebTarget();
  target["predictive"] = {{"mode", "forecastOnly"}, {"metric", "rps"}};
  Create(target);
  // 1'700'000'000 is 200 s into its 300 s step.
  const core::TimePoint step = core::FromUnixSeconds(1'699'999'800);
  Push("web", {{"cpu", 70}, {"rps", 500}});
  Sync(Lead());  // 3 replicas × 500
  Open();        // a new process
  clock_.Advance(std::chrono::seconds(15));
  Push("web", {{"cpu", 70}, {"rps", 700}});
  Sync(Lead());  // (1500 + 2100) / 2
  auto tx = db().Begin(store::TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto stored = store::LoadHistoryRepository::Read(**tx, "web", "rps", core::TimePoint{},
                                                   core::TimePoint::max());
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, (std::vector<store::LoadSample>{{step, 1800}}));
}

}  // namespace
}  // namespace gov::controller::testing
