// The target repositories on PostgreSQL (suite in target_repository_suite.h). Needs
// GOVERNOR_TEST_PG_URL; without it the test fails rather than skips, so a missing server is
// never mistaken for a pass.
#include "tests/controller/target_repository_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Postgres, TargetRepositoryTest,
                         ::testing::Values(TargetDbFactory([]() -> std::unique_ptr<TestDatabase> {
                           if (!PostgresTestDatabase::Available()) {
                             ADD_FAILURE() << "GOVERNOR_TEST_PG_URL is not set";
                             return nullptr;
                           }
                           return std::make_unique<PostgresTestDatabase>();
                         })));

}  // namespace gov::store::testing
