// SDK instances (client_instance_suite.h) on SQLite.
#include "tests/store/client_instance_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, ClientInstanceTest, ::testing::Values("sqlite"));

}  // namespace gov::store::testing
