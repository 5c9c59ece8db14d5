// Every acknowledged event survives SIGKILL of the governor process, exactly once, on SQLite
// (WAL, synchronous=FULL). The body is in event_durability_suite.h.
#include "tests/experiments/event_durability_suite.h"

namespace gov::testing {
namespace {

TEST(EventDurabilityTest, AcknowledgedEventsSurviveSigkillExactlyOnceOnSqlite) {
  TempDir dir("gov_event_durability_sqlite");
  RunEventDurabilityCycles("sqlite://" + (dir.path() / "governor.db").string());
}

}  // namespace
}  // namespace gov::testing
