// The aggregator on SQLite (the suite: aggregator_suite.h).
#include "tests/experiments/aggregator_suite.h"

namespace gov::experiments {
namespace {

INSTANTIATE_TEST_SUITE_P(Sqlite, AggregatorSuite,
                         ::testing::Values(store::testing::SqliteFactory()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace gov::experiments
