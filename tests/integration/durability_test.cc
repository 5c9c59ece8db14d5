// Every acknowledged write survives SIGKILL of the governor process, on SQLite (WAL,
// synchronous=FULL). The body is in durability_suite.h.
#include <gtest/gtest.h>

#include "tests/integration/durability_suite.h"

namespace gov::testing {
namespace {

TEST(DurabilityTest, AcknowledgedWritesSurviveSigkillOnSqlite) {
  TempDir dir("gov_durability_sqlite");
  RunDurabilityCycles("sqlite://" + (dir.path() / "governor.db").string());
}

}  // namespace
}  // namespace gov::testing
