// The aggregator on PostgreSQL (the suite: aggregator_suite.h).
#include "tests/experiments/aggregator_suite.h"

namespace gov::experiments {
namespace {

INSTANTIATE_TEST_SUITE_P(Postgres, AggregatorSuite,
                         ::testing::Values(store::testing::PostgresFactory()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace gov::experiments
