// The load-history repository (load_history_suite.h) on PostgreSQL.
#include "tests/store/load_history_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Postgres, LoadHistoryTest, ::testing::Values(PostgresFactory()));

}  // namespace gov::store::testing
