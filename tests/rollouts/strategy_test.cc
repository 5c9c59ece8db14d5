#include "rollouts/strategy.h"

#include <gtest/gtest.h>

#include "flags/features_json.h"

namespace gov::rollouts {
namespace {

ReleasePlanSpec Spec() {
  ReleasePlanSpec s;
  s.name = "checkout-v2-prod";
  s.feature = "checkout-v2";
  s.environment = "production";
  s.stickiness = "sessionId";
  s.constraints = {{.context_name = "country", .op = "IN", .values = {"NO", "SE"}}};
  s.segments = {7};
  s.milestones = {{.rollout = 10}, {.rollout = 100}};
  return s;
}

TEST(RolloutsManagedStrategy, IsAFlexibleRolloutCarryingThePlansTargeting) {
  const flags::Strategy s = ManagedStrategy(Spec(), 10);
  EXPECT_EQ(s.name, "flexibleRollout");
  EXPECT_EQ(s.id, "release-plan:checkout-v2-prod");
  EXPECT_EQ(s.title, "Release plan checkout-v2-prod");
  EXPECT_EQ(s.parameters,
            (std::map<std::string, std::string>{
                {"rollout", "10"}, {"stickiness", "sessionId"}, {"groupId", "checkout-v2"}}));
  EXPECT_EQ(s.constraints, Spec().constraints);
  EXPECT_EQ(s.segments, std::vector<int64_t>{7});
  EXPECT_FALSE(s.disabled);
}

TEST(RolloutsManagedStrategy, PassesTheFlagsModelsStrictChecks) {
  for (int rollout : {0, 1, 50, 100}) {
    flags::Feature f;
    f.name = "checkout-v2";
    f.type = "release";
    f.enabled = true;
    f.strategies = {ManagedStrategy(Spec(), rollout)};
    core::StatusOr<flags::Feature> parsed =
        flags::ParseFeature(flags::ToJson(f), "", flags::ParseOptions{.strict = true});
    ASSERT_TRUE(parsed.ok()) << rollout << ": " << parsed.status().ToString();
    EXPECT_EQ(parsed->strategies, f.strategies);
  }
}

TEST(RolloutsManagedStrategy, IsRecognisedAmongAFeaturesStrategies) {
  flags::Strategy other;
  other.name = "userWithId";
  other.id = "user-list";
  flags::Strategy someone_elses = ManagedStrategy(Spec(), 5);
  someone_elses.id = ManagedStrategyId("another-plan");
  EXPECT_EQ(ManagingPlan(ManagedStrategy(Spec(), 5)), "checkout-v2-prod");
  EXPECT_EQ(ManagingPlan(other), std::nullopt);
  EXPECT_EQ(ManagingPlan(flags::Strategy{.name = "default"}), std::nullopt);
  EXPECT_EQ(ManagingPlan(flags::Strategy{.name = "default", .id = "release-plan:"}), std::nullopt);

  // Appended when absent; replaced in place (keeping its sort order) when present.
  std::vector<flags::Strategy> list = WithManagedStrategy({other, someone_elses}, Spec(), 1);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(FindManagedStrategy(list, "checkout-v2-prod"), 2u);
  EXPECT_EQ(FindManagedStrategy(list, "another-plan"), 1u);
  EXPECT_EQ(FindManagedStrategy(list, "nobody"), std::nullopt);
  list[2].sort_order = 4;
  list = WithManagedStrategy(list, Spec(), 50);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[2].parameters.at("rollout"), "50");
  EXPECT_EQ(list[2].sort_order, 4);
  EXPECT_EQ(list[0], other);
  EXPECT_EQ(list[1], someone_elses);
}

TEST(RolloutsManagedStrategy, AStrategyServingEveryUnitMakesThePlanMoot) {
  const flags::Strategy managed = ManagedStrategy(Spec(), 100);
  flags::Strategy everyone{.name = "default"};
  flags::Strategy all_rollout{.name = "flexibleRollout", .parameters = {{"rollout", "100"}}};
  flags::Strategy half{.name = "flexibleRollout", .parameters = {{"rollout", "50"}}};
  flags::Strategy targeted = everyone;
  targeted.constraints = {{.context_name = "country", .op = "IN", .values = {"NO"}}};
  flags::Strategy in_segment = everyone;
  in_segment.segments = {3};
  flags::Strategy off = everyone;
  off.disabled = true;
  EXPECT_EQ(ServesEveryUnitAlready({managed, half, targeted, in_segment, off}), std::nullopt);
  EXPECT_EQ(ServesEveryUnitAlready({managed, everyone}),
            "strategy 1 (default) already serves every unit, so the plan's percentages would "
            "change nothing");
  EXPECT_TRUE(ServesEveryUnitAlready({all_rollout}).has_value());
}

}  // namespace
}  // namespace gov::rollouts
