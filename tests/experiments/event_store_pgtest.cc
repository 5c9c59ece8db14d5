// The events repository and event service (event_store_suite.h) on PostgreSQL.
#include "tests/experiments/event_store_suite.h"

namespace gov::experiments::testing {

INSTANTIATE_TEST_SUITE_P(Postgres, EventStoreTest,
                         ::testing::Values(store::testing::PostgresFactory()));

}  // namespace gov::experiments::testing
