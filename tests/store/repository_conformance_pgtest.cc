// The repository conformance suite (conformance_suite.h) on PostgreSQL.
#include "tests/store/conformance_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Postgres, ConformanceTest, ::testing::Values(PostgresFactory()));

}  // namespace gov::store::testing
