#include "tests/store/conformance_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, ConformanceTest,
                         ::testing::Values(Factory([] {
                           return std::unique_ptr<TestDatabase>(new SqliteTestDatabase());
                         })));

}  // namespace gov::store::testing
