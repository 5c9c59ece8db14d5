// The control loop on PostgreSQL (a fresh database on the server named by
// GOVERNOR_TEST_PG_URL): a restarted controller continues the stored cooldown and
// stabilization window, as on SQLite (control_loop_test.cc). Without GOVERNOR_TEST_PG_URL the
// test fails rather than skips, so a missing server is never mistaken for a pass.

#include "tests/controller/loop_restart_check.h"
#include "tests/store/test_databases.h"

namespace gov::controller::testing {
namespace {

// Without a server it opens SQLite, so that the test fails on its first assertion, cleanly.
class ControlLoopPgTest : protected PostgresHolder, public RestartableLoopFixture {
 protected:
  ControlLoopPgTest() : RestartableLoopFixture(pg ? pg->url() : MemoryBackedSqliteUrl()) {}
};

TEST_F(ControlLoopPgTest, ARestartedServiceOnTheSameDatabaseContinuesCooldownAndStabilization) {
  ASSERT_TRUE(pg) << "GOVERNOR_TEST_PG_URL is not set";
  ExpectARestartedServiceContinuesCooldownAndStabilization(*this);
}

}  // namespace
}  // namespace gov::controller::testing
