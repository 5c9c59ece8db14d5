// Experiments and metric definitions (experiment_store_suite.h) on PostgreSQL.
#include "tests/experiments/experiment_store_suite.h"

namespace gov::experiments::testing {

INSTANTIATE_TEST_SUITE_P(Postgres, ExperimentRepositoryTest,
                         ::testing::Values(store::testing::PostgresFactory()));
INSTANTIATE_TEST_SUITE_P(Postgres, ExperimentServiceTest,
                         ::testing::Values(store::testing::PostgresFactory()));

}  // namespace gov::experiments::testing
