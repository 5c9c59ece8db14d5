// The repository conformance suite (conformance_suite.h) on SQLite.
#include "tests/store/conformance_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, ConformanceTest, ::testing::Values(SqliteFactory()));

}  // namespace gov::store::testing
