// The load-history repository (load_history_suite.h) on SQLite.
#include "tests/store/load_history_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, LoadHistoryTest, ::testing::Values(SqliteFactory()));

}  // namespace gov::store::testing
