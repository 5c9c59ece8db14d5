// Experiments and metric definitions (experiment_store_suite.h) on SQLite.
#include "tests/experiments/experiment_store_suite.h"

namespace gov::experiments::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, ExperimentRepositoryTest,
                         ::testing::Values(store::testing::SqliteFactory()));
INSTANTIATE_TEST_SUITE_P(Sqlite, ExperimentServiceTest,
                         ::testing::Values(store::testing::SqliteFactory()));

}  // namespace gov::experiments::testing
