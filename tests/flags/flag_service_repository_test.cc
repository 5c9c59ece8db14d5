// The flag repository suite on SQLite.
#include "tests/flags/flag_service_repository_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, FlagRepositoryTest, ::testing::Values(SqliteFactory()));

}  // namespace gov::store::testing
