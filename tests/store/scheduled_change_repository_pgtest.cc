// The scheduled-change repository (scheduled_change_suite.h) on PostgreSQL.
#include "tests/store/scheduled_change_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Postgres, ScheduledChangeRepositoryTest,
                         ::testing::Values(PostgresFactory()));

}  // namespace gov::store::testing
