// The flag repository suite on PostgreSQL.
#include "tests/flags/flag_service_repository_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Postgres, FlagRepositoryTest, ::testing::Values(PostgresFactory()));

}  // namespace gov::store::testing
