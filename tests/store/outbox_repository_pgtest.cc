// The outbox (outbox_suite.h) on PostgreSQL.
#include "tests/store/outbox_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Postgres, OutboxTest, ::testing::Values(PostgresFactory()));

}  // namespace gov::store::testing
