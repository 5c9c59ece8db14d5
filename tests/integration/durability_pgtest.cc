// Every acknowledged write survives SIGKILL of the governor process, on PostgreSQL (a fresh
// database on the server named by GOVERNOR_TEST_PG_URL). The body is in durability_suite.h.
#include <gtest/gtest.h>

#include "tests/integration/durability_suite.h"

namespace gov::testing {
namespace {

TEST(DurabilityPgTest, AcknowledgedWritesSurviveSigkillOnPostgres) {
  if (!PostgresScratchDatabase::Available()) {
    GTEST_SKIP() << "GOVERNOR_TEST_PG_URL is not set; run scripts/test, or source "
                    "scripts/lib/pg.sh and call pg_start";
  }
  PostgresScratchDatabase database;
  ASSERT_TRUE(database.created());
  RunDurabilityCycles(database.url());
}

}  // namespace
}  // namespace gov::testing
