// The plan evidence suite (plan_evidence_suite.h) on PostgreSQL.
#include "tests/rollouts/plan_evidence_suite.h"

namespace gov::rollouts {

INSTANTIATE_TEST_SUITE_P(Postgres, RolloutsPlanEvidenceTest,
                         ::testing::Values(store::testing::PostgresFactory()));

}  // namespace gov::rollouts
