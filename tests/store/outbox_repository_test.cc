// The outbox (outbox_suite.h) on SQLite.
#include "tests/store/outbox_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, OutboxTest, ::testing::Values(SqliteFactory()));

}  // namespace gov::store::testing
