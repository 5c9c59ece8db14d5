#include "tests/store/conformance_suite.h"

namespace gov::store::testing {

// Runs only where scripts/test started PostgreSQL (GOVERNOR_TEST_PG_URL); elsewhere the
// factory fails the test rather than skipping, so a missing server is never mistaken for a pass.
INSTANTIATE_TEST_SUITE_P(Postgres, ConformanceTest,
                         ::testing::Values(Factory([]() -> std::unique_ptr<TestDatabase> {
                           if (!PostgresTestDatabase::Available()) {
                             ADD_FAILURE() << "GOVERNOR_TEST_PG_URL is not set";
                             return nullptr;
                           }
                           return std::unique_ptr<TestDatabase>(new PostgresTestDatabase());
                         })));

}  // namespace gov::store::testing
