// Each closed set of the controller has one name table: every value has a distinct name,
// parsing a name gives its value back, and any other text is rejected.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "controller/behavior.h"
#include "controller/decision_reason.h"
#include "controller/target_state.h"
#include "store/decision_repository.h"

namespace gov::controller {
namespace {

// Checks the table of an enum whose values are 0..count-1, against the wire names expected
// in that order.
template <typename Enum, typename NameFn, typename ParseFn>
void ExpectRoundTrip(const std::vector<std::string_view>& expected, NameFn name, ParseFn parse) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < expected.size(); ++i) {
    const Enum value = static_cast<Enum>(i);
    EXPECT_EQ(name(value), expected[i]);
    EXPECT_TRUE(seen.insert(name(value)).second) << "duplicate name " << name(value);
    auto parsed = parse(name(value));
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, value) << name(value);
  }
  for (std::string_view unknown : {"", "bogus", "scaleuplimit", "UP", " none"}) {
    auto parsed = parse(unknown);
    EXPECT_FALSE(parsed.ok()) << "\"" << unknown << "\" was accepted";
    EXPECT_EQ(parsed.status().code(), core::StatusCode::kInvalidArgument);
  }
}

TEST(NameTablesTest, DecisionReason) {
  ExpectRoundTrip<DecisionReason>(
      {"ScaleUpLimit", "ScaleDownLimit", "TooManyReplicas", "TooFewReplicas", "DesiredWithinRange",
       "ScaleUpStabilized", "ScaleDownStabilized", "Cooldown", "MissingMetrics", "ScalingDisabled",
       "FailedGetScale"},
      DecisionReasonName, ParseDecisionReason);
}

TEST(NameTablesTest, LimitKind) {
  ExpectRoundTrip<LimitKind>(
      {"ScaleUpLimit", "ScaleDownLimit", "TooManyReplicas", "TooFewReplicas", "ScaleUpStabilized",
       "ScaleDownStabilized", "MissingMetrics", "Cooldown"},
      LimitKindName, ParseLimitKind);
  // A reason that is no limit is not a limit kind.
  EXPECT_FALSE(ParseLimitKind("DesiredWithinRange").ok());
  EXPECT_FALSE(ReasonLimit(DecisionReason::kDesiredWithinRange).has_value());
  // Each kind shares its name with exactly one reason, and maps back to itself.
  for (int i = 0; i <= static_cast<int>(LimitKind::kCooldown); ++i) {
    const LimitKind kind = static_cast<LimitKind>(i);
    EXPECT_EQ(DecisionReasonName(LimitReason(kind)), LimitKindName(kind));
    EXPECT_EQ(ReasonLimit(LimitReason(kind)), kind);
  }
}

TEST(NameTablesTest, ScaleDirection) {
  ExpectRoundTrip<ScaleDirection>({"up", "down"}, ScaleDirectionName, ParseScaleDirection);
}

TEST(NameTablesTest, ScalingPolicyType) {
  ExpectRoundTrip<ScalingPolicyType>({"Pods", "Percent"}, ScalingPolicyTypeName,
                                     ParseScalingPolicyType);
  EXPECT_EQ(ParseScalingPolicyType("pods").status().message(),
            "unsupported value \"pods\"; supported values: \"Percent\", \"Pods\"");
}

TEST(NameTablesTest, SelectPolicy) {
  ExpectRoundTrip<SelectPolicy>({"Max", "Min", "Disabled"}, SelectPolicyName, ParseSelectPolicy);
  EXPECT_EQ(ParseSelectPolicy("max").status().message(),
            "unsupported value \"max\"; supported values: \"Disabled\", \"Max\", \"Min\"");
}

TEST(NameTablesTest, ReplicasSource) {
  ExpectRoundTrip<ReplicasSource>({"hook", "lastDecision", "minReplicas"}, ReplicasSourceName,
                                  ParseReplicasSource);
}

TEST(NameTablesTest, Actuation) {
  ExpectRoundTrip<store::Actuation>({"none", "pending", "applied", "failed", "dryRun", "unknown"},
                                    store::ActuationName, store::ParseActuation);
}

// A decision record whose names are not in the tables is an error, not a default condition.
TEST(NameTablesTest, ConditionsRejectUnknownNames) {
  const core::Json good = {
      {"reason", "Cooldown"},
      {"actuation", {{"status", "none"}}},
      {"decision",
       {{"limits", {{{"kind", "Cooldown"}, {"direction", "up"}, {"secondsLeft", 5}}}}}}};
  ASSERT_TRUE(ConditionsFromRecord(good).ok());
  struct Case {
    std::string field;
    core::Json record;
  };
  std::vector<Case> cases;
  core::Json r = good;
  r["reason"] = "Slowdown";
  cases.push_back({"reason", r});
  r = good;
  r["actuation"]["status"] = "maybe";
  cases.push_back({"actuation.status", r});
  r = good;
  r["decision"]["limits"][0]["kind"] = "Brake";
  cases.push_back({"decision.limits[0].kind", r});
  r = good;
  r["decision"]["limits"][0]["direction"] = "sideways";
  cases.push_back({"decision.limits[0].direction", r});
  for (const Case& c : cases) {
    auto conditions = ConditionsFromRecord(c.record);
    ASSERT_FALSE(conditions.ok()) << c.record.dump();
    EXPECT_EQ(conditions.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(conditions.status().field(), c.field);
  }
}

}  // namespace
}  // namespace gov::controller
