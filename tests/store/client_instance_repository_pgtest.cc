// SDK instances (client_instance_suite.h) on PostgreSQL.
#include "tests/store/client_instance_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Postgres, ClientInstanceTest, ::testing::Values("postgres"));

}  // namespace gov::store::testing
