// The events repository and event service (event_store_suite.h) on SQLite.
#include "tests/experiments/event_store_suite.h"

namespace gov::experiments::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, EventStoreTest,
                         ::testing::Values(store::testing::SqliteFactory()));

}  // namespace gov::experiments::testing
