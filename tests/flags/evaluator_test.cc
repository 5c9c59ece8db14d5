// Evaluator behaviour beyond the Unleash client specification: OFREP reasons,
// server-side strategy handling, injected time and host name, hash key encodings,
// and the context-resolution rules of unleash-client-node.

#include "flags/evaluator.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "core/murmur3.h"
#include "core/time_format.h"
#include "flags/features_json.h"
#include "flags/snapshot.h"
#include "tests/flags/test_random.h"

namespace gov::flags {
namespace {

const core::TimePoint kNow = *core::ParseRfc3339("2025-06-01T00:00:00Z");

std::shared_ptr<const FlagSnapshot> CompileText(const std::string& text,
                                                const CompileOptions& options = {}) {
  auto parsed = ParseClientFeaturesText(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return Compile(parsed.ok() ? *parsed : ClientFeatures{}, options);
}

Context User(const std::string& id) {
  Context c;
  c.user_id = id;
  return c;
}

struct ReasonCase {
  std::string name;
  std::string flag;
  Context context;
  bool enabled;
  std::string variant;
  Reason reason;
};

// Rollout membership for userId 174 (in) and 499 (out) of a 10% rollout with groupId
// "Feature.flexibleRollout.10" comes from client-specification file 10; user "3" lands
// in bucket 861 of 1000 for "split-variants" (normalizedVariantValue printed by
// unleash-client-node 6.12), so variant "b".
const char* kReasonFlags = R"({"version":2,"features":[
  {"name":"off","enabled":false,"strategies":[{"name":"default"}]},
  {"name":"on","enabled":true,"strategies":[{"name":"default"}]},
  {"name":"no-strategies","enabled":true,"strategies":[]},
  {"name":"full-rollout","enabled":true,"strategies":[{"name":"flexibleRollout",
    "parameters":{"rollout":"100","stickiness":"default","groupId":"x"}}]},
  {"name":"targeted","enabled":true,"strategies":[{"name":"default","constraints":[
    {"contextName":"userId","operator":"IN","values":["7"]}]}]},
  {"name":"Feature.flexibleRollout.10","enabled":true,"strategies":[
    {"name":"flexibleRollout","parameters":{"rollout":"10","stickiness":"default",
     "groupId":"Feature.flexibleRollout.10"},"constraints":[
     {"contextName":"userId","operator":"NOT_IN","values":["13"]}]}]},
  {"name":"split-variants","enabled":true,"strategies":[{"name":"default"}],"variants":[
    {"name":"a","weight":500,"overrides":[{"contextName":"userId","values":["vip"]}]},
    {"name":"b","weight":500}]},
  {"name":"one-variant","enabled":true,"strategies":[{"name":"default"}],"variants":[
    {"name":"only","weight":1000,"payload":{"type":"string","value":"p"}},{"name":"zero","weight":0}]},
  {"name":"child","enabled":true,"dependencies":[{"feature":"on"}],"strategies":[{"name":"default"}]}
]})";

void PrintTo(const ReasonCase& c, std::ostream* os) { *os << c.name; }

class ReasonTest : public testing::TestWithParam<ReasonCase> {};

TEST_P(ReasonTest, ClassifiesTheDecision) {
  const ReasonCase& c = GetParam();
  const auto snap = CompileText(kReasonFlags);
  FixedSeedRandom random(1);
  const EvaluationResult r = Evaluate(*snap, c.flag, c.context, kNow, random);
  EXPECT_EQ(r.enabled, c.enabled);
  EXPECT_EQ(r.variant.name, c.variant);
  EXPECT_EQ(ReasonName(r.reason), ReasonName(c.reason));
}

INSTANTIATE_TEST_SUITE_P(
    Ofrep, ReasonTest,
    testing::Values(
        ReasonCase{"DisabledInEnvironment", "off", User("1"), false, "disabled", Reason::kDisabled},
        ReasonCase{"DefaultStrategy", "on", {}, true, "disabled", Reason::kStatic},
        ReasonCase{"NoStrategies", "no-strategies", {}, true, "disabled", Reason::kStatic},
        ReasonCase{"FullDefaultStickyRollout", "full-rollout", User("1"), true, "disabled",
                   Reason::kStatic},
        ReasonCase{"ConstraintMatched", "targeted", User("7"), true, "disabled",
                   Reason::kTargetingMatch},
        ReasonCase{"ConstraintNotMatched", "targeted", User("8"), false, "disabled",
                   Reason::kTargetingMatch},
        ReasonCase{"RolloutIn", "Feature.flexibleRollout.10", User("174"), true, "disabled",
                   Reason::kSplit},
        ReasonCase{"RolloutOut", "Feature.flexibleRollout.10", User("499"), false, "disabled",
                   Reason::kSplit},
        ReasonCase{"RolloutNotReachedBecauseOfConstraint", "Feature.flexibleRollout.10", User("13"),
                   false, "disabled", Reason::kTargetingMatch},
        ReasonCase{"WeightedVariant", "split-variants", User("3"), true, "b", Reason::kSplit},
        ReasonCase{"VariantOverride", "split-variants", User("vip"), true, "a",
                   Reason::kTargetingMatch},
        ReasonCase{"SingleVariant", "one-variant", User("1"), true, "only", Reason::kStatic},
        ReasonCase{"DependentFeature", "child", {}, true, "disabled", Reason::kTargetingMatch},
        ReasonCase{"UnknownFlag", "nope", {}, false, "disabled", Reason::kError}),
    [](const testing::TestParamInfo<ReasonCase>& i) { return i.param.name; });

TEST(Evaluator, UnknownFlagIsNotFound) {
  const auto snap = CompileText(kReasonFlags);
  const EvaluationResult r = Evaluate(*snap, "nope", {}, kNow);
  EXPECT_FALSE(r.found);
  EXPECT_FALSE(r.variant.feature_enabled);
  EXPECT_FALSE(IsEnabled(*snap, "nope", {}, kNow));
  EXPECT_EQ(GetVariant(*snap, "nope", {}, kNow).name, "disabled");
  const EvaluationResult payload = Evaluate(*snap, "one-variant", {}, kNow);
  EXPECT_TRUE(payload.variant.has_payload);
  EXPECT_EQ(payload.variant.payload_value, "p");
}

// The Unleash server leaves disabled strategies out of the client API and orders the
// rest by sortOrder; Governor evaluates that same view.
TEST(Evaluator, DisabledStrategiesAreSkippedAndSortOrderDecides) {
  const auto snap = CompileText(R"({"features":[
    {"name":"only-disabled","enabled":true,"strategies":[{"name":"userWithId","disabled":true,
      "parameters":{"userIds":"1"}}]},
    {"name":"ordered","enabled":true,"strategies":[
      {"name":"default","sortOrder":2,"variants":[{"name":"second","weight":1}]},
      {"name":"default","sortOrder":1,"variants":[{"name":"first","weight":1}]},
      {"name":"default","sortOrder":0,"disabled":true,"variants":[{"name":"disabled-one","weight":1}]}]}]})");
  EXPECT_TRUE(IsEnabled(*snap, "only-disabled", User("2"), kNow));
  EXPECT_EQ(GetVariant(*snap, "ordered", User("2"), kNow).name, "first");
  const ClientFeatures view = ClientView(*ParseClientFeaturesText(R"({"features":[{"name":"x",
    "enabled":true,"strategies":[{"name":"a","sortOrder":5},{"name":"b"},{"name":"c","sortOrder":1},
    {"name":"d","disabled":true,"sortOrder":0}]}]})"));
  std::vector<std::string> names;
  for (const Strategy& s : view.features[0].strategies) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"c", "a", "b"}));
}

TEST(Evaluator, DateConstraintsUseContextTimeElseNow) {
  const auto snap = CompileText(R"({"features":[{"name":"launch","enabled":true,"strategies":[
    {"name":"default","constraints":[{"contextName":"currentTime","operator":"DATE_AFTER",
      "value":"2025-01-01T00:00:00Z"}]}]}]})");
  EXPECT_TRUE(IsEnabled(*snap, "launch", {}, *core::ParseRfc3339("2025-01-01T00:00:00.001Z")));
  EXPECT_FALSE(IsEnabled(*snap, "launch", {}, *core::ParseRfc3339("2025-01-01T00:00:00Z")));
  Context past;
  past.current_time = *core::ParseRfc3339("2024-12-31T23:59:59Z");
  EXPECT_FALSE(IsEnabled(*snap, "launch", past, kNow));
}

TEST(Evaluator, ApplicationHostnameComparesTheCompileTimeHostCaseInsensitively) {
  const std::string flags = R"({"features":[{"name":"h","enabled":true,"strategies":[
    {"name":"applicationHostname","parameters":{"hostNames":"web-1, API-2"}}]}]})";
  CompileOptions api2;
  api2.hostname = "api-2";
  EXPECT_TRUE(IsEnabled(*CompileText(flags, api2), "h", {}, kNow));
  CompileOptions other;
  other.hostname = "worker-9";
  EXPECT_FALSE(IsEnabled(*CompileText(flags, other), "h", {}, kNow));
}

TEST(Evaluator, RemoteAddressMatchesExactTextIpv4CidrAndIpv6Cidr) {
  const auto snap = CompileText(R"({"features":[{"name":"ip","enabled":true,"strategies":[
    {"name":"remoteAddress","parameters":{"IPs":"fe80::1%eth0, 10.0.0.0/8, 2001:db8::/32"}}]}]})");
  auto at = [&](const std::string& ip) {
    Context c;
    c.remote_address = ip;
    return IsEnabled(*snap, "ip", c, kNow);
  };
  EXPECT_TRUE(at("fe80::1%eth0"));   // exact text, as the SDK compares first
  EXPECT_TRUE(at("10.200.3.4"));     // IPv4 CIDR, as the SDK
  EXPECT_TRUE(at("2001:db8:1::5"));  // IPv6 CIDR: a Governor extension
  EXPECT_FALSE(at("11.0.0.1"));
  EXPECT_FALSE(at("2001:db9::1"));
  EXPECT_FALSE(IsEnabled(*snap, "ip", {}, kNow));
}

// resolveContextValue reads context[field] ?? context.properties[field].
TEST(Evaluator, StandardFieldsFallBackToPropertiesOnlyWhenUnset) {
  const auto snap = CompileText(R"({"features":[{"name":"f","enabled":true,"strategies":[
    {"name":"default","constraints":[{"contextName":"userId","operator":"IN","values":["7"]}]}]}]})");
  Context props_only;
  props_only.SetProperty("userId", "7");
  EXPECT_TRUE(IsEnabled(*snap, "f", props_only, kNow));
  Context empty_top = props_only;
  empty_top.user_id = "";  // set, so the property is not consulted
  EXPECT_FALSE(IsEnabled(*snap, "f", empty_top, kNow));
}

// normalizedStrategyValue(id, "grüp") printed by unleash-client-node 6.12 for these ids:
// Hellø 86, 😊 42, 你好 96, plain 71 (murmurhash3js hashes UTF-16 low bytes).
TEST(Evaluator, RolloutHashesKeysLikeTheNodeSdkByDefault) {
  const std::vector<std::pair<std::string, int>> node = {
      {"Hellø", 86}, {"😊", 42}, {"你好", 96}, {"plain", 71}};
  for (const auto& [id, bucket] : node) {
    for (int rollout : {bucket - 1, bucket}) {
      const auto snap = CompileText(R"({"features":[{"name":"r","enabled":true,"strategies":[
        {"name":"flexibleRollout","parameters":{"rollout":")" +
                                    std::to_string(rollout) +
                                    R"(","stickiness":"userId","groupId":"grüp"}}]}]})");
      EXPECT_EQ(IsEnabled(*snap, "r", User(id), kNow), rollout == bucket) << id << " " << rollout;
    }
  }
}

// With kUtf8 the bucket is standard MurmurHash3 over the UTF-8 key (what the Rust, Go,
// Java and Python SDKs compute); murmur3_test checks the hash itself.
TEST(Evaluator, Utf8KeyEncodingHashesUtf8Bytes) {
  CompileOptions utf8;
  utf8.hash_key_encoding = HashKeyEncoding::kUtf8;
  int differs = 0;
  for (const std::string id : {"Hellø", "😊", "你好", "plain"}) {
    const int bucket = static_cast<int>(core::Murmur3X86_32Hash("grüp:" + id, 0) % 100 + 1);
    for (int rollout : {bucket - 1, bucket}) {
      const auto snap = CompileText(R"({"features":[{"name":"r","enabled":true,"strategies":[
        {"name":"flexibleRollout","parameters":{"rollout":")" +
                                        std::to_string(rollout) +
                                        R"(","stickiness":"userId","groupId":"grüp"}}]}]})",
                                    utf8);
      EXPECT_EQ(IsEnabled(*snap, "r", User(id), kNow), rollout == bucket) << id;
    }
    differs += bucket != 86 && id == "Hellø";
  }
  EXPECT_EQ(differs, 1);  // the encodings really disagree on non-ASCII keys
}

TEST(Evaluator, DuplicateNamesKeepTheLastDefinition) {
  const auto snap =
      CompileText(R"({"features":[{"name":"a","enabled":true},{"name":"b","enabled":true},
    {"name":"a","enabled":false}]})");
  EXPECT_EQ(FlagCount(*snap), 2u);
  EXPECT_FALSE(IsEnabled(*snap, "a", {}, kNow));
  const std::vector<std::string_view> names = FlagNames(*snap);
  EXPECT_EQ(names, (std::vector<std::string_view>{"b", "a"}));
}

TEST(Evaluator, RandomStickinessUsesTheGivenSource) {
  // With Math.random() = 0 the node SDK draws id "1" for flexibleRollout; bucket of
  // "g:1" decides. Two sources with the same value must give the same answer.
  const auto snap = CompileText(R"({"features":[{"name":"r","enabled":true,"strategies":[
    {"name":"flexibleRollout","parameters":{"rollout":"50","stickiness":"random","groupId":"g"}}]}]})");
  const bool expected = core::Murmur3X86_32Hash("g:1", 0) % 100 + 1 <= 50;
  ConstantRandom zero(0.0);
  EXPECT_EQ(Evaluate(*snap, "r", {}, kNow, zero).enabled, expected);
}

TEST(Evaluator, ConcurrentReadersShareOneSnapshot) {
  const auto snap = CompileText(kReasonFlags);
  std::vector<int> hits(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        hits[t] += IsEnabled(*snap, "Feature.flexibleRollout.10", User(std::to_string(i)), kNow);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 1; t < 4; ++t) EXPECT_EQ(hits[t], hits[0]);
  EXPECT_GT(hits[0], 100);  // about 10% of 2000
  EXPECT_LT(hits[0], 300);
}

}  // namespace
}  // namespace gov::flags

namespace gov::flags {
namespace {

// RolloutBucket puts a unit where a flexibleRollout of the same groupId does, for every
// percentage (ASCII and non-ASCII ids: the default key encoding).
TEST(RolloutBucketTest, AgreesWithTheFlexibleRolloutStrategy) {
  for (int percentage : {1, 10, 33, 50, 99}) {
    auto snapshot = CompileText(R"({"version":2,"features":[{"name":"f","enabled":true,
        "strategies":[{"name":"flexibleRollout","parameters":{"rollout":")" +
                                std::to_string(percentage) +
                                R"(","stickiness":"default","groupId":"grp.ü"}}]}]})");
    for (int i = 0; i < 500; ++i) {
      const std::string id = (i % 5 == 0 ? "é-" : "user-") + std::to_string(i);
      const uint32_t bucket = RolloutBucket("grp.ü", id);
      ASSERT_GE(bucket, 1u);
      ASSERT_LE(bucket, 100u);
      EXPECT_EQ(IsEnabled(*snapshot, "f", User(id), kNow),
                bucket <= static_cast<uint32_t>(percentage))
          << id << " at " << percentage << "%";
    }
  }
}

}  // namespace
}  // namespace gov::flags
