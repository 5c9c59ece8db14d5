#include "tests/flags/flag_service_repository_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Postgres, FlagRepositoryTest,
                         ::testing::Values(FlagDbFactory([]() -> std::unique_ptr<TestDatabase> {
                           if (!PostgresTestDatabase::Available()) {
                             ADD_FAILURE() << "GOVERNOR_TEST_PG_URL is not set";
                             return nullptr;
                           }
                           return std::make_unique<PostgresTestDatabase>();
                         })));

}  // namespace gov::store::testing
