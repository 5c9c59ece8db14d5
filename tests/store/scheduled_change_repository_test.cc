// The scheduled-change repository (scheduled_change_suite.h) on SQLite.
#include "tests/store/scheduled_change_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, ScheduledChangeRepositoryTest, ::testing::Values(SqliteFactory()));

}  // namespace gov::store::testing
