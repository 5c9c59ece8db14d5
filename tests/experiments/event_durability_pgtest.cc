// Every acknowledged event survives SIGKILL of the governor process, exactly once, on
// PostgreSQL (a fresh database on the server named by GOVERNOR_TEST_PG_URL). The body is in
// event_durability_suite.h.
#include "tests/experiments/event_durability_suite.h"

namespace gov::testing {
namespace {

TEST(EventDurabilityPgTest, AcknowledgedEventsSurviveSigkillExactlyOnceOnPostgres) {
  if (!PostgresScratchDatabase::Available()) {
    GTEST_SKIP() << "GOVERNOR_TEST_PG_URL is not set; run scripts/test, or source "
                    "scripts/lib/pg.sh and call pg_start";
  }
  PostgresScratchDatabase database;
  ASSERT_TRUE(database.created());
  RunEventDurabilityCycles(database.url());
}

}  // namespace
}  // namespace gov::testing
