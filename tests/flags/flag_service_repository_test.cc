#include "tests/flags/flag_service_repository_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, FlagRepositoryTest, ::testing::Values(FlagDbFactory([] {
                           return std::unique_ptr<TestDatabase>(new SqliteTestDatabase());
                         })));

}  // namespace gov::store::testing
