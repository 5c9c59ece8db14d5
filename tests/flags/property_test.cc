// Property tests with fixed seeds: random flag definitions and contexts, where the
// compiled evaluator must agree with tests/flags/reference_evaluator.cc (a literal
// transcription of unleash-client-node), and JSON serialization must round-trip.

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/time_format.h"
#include "flags/evaluator.h"
#include "flags/features_json.h"
#include "flags/snapshot.h"
#include "tests/flags/reference_evaluator.h"
#include "tests/flags/test_random.h"

namespace gov::flags {
namespace {

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  ClientFeatures Features() {
    ClientFeatures cf;
    for (int64_t id = 1; id <= 3; ++id) {
      if (Chance(0.2)) continue;
      Segment s;
      s.id = id;
      for (int i = Int(0, 2); i > 0; --i) s.constraints.push_back(MakeConstraint());
      cf.segments.push_back(std::move(s));
    }
    for (int i = Int(1, 6); i > 0; --i) cf.features.push_back(MakeFeature());
    return cf;
  }

  Context MakeContext() {
    Context ctx;
    auto maybe = [&](std::optional<std::string>& field, const std::vector<std::string>& pool) {
      if (Chance(0.6)) field = Pick(pool);
    };
    maybe(ctx.user_id, kUserIds);
    maybe(ctx.session_id, kUserIds);
    maybe(ctx.remote_address, kIps);
    maybe(ctx.environment, kEnvironments);
    maybe(ctx.app_name, kEnvironments);
    if (Chance(0.4)) ctx.current_time = *core::ParseRfc3339(Pick(kDates));
    for (const std::string& name : kPropertyNames) {
      if (Chance(0.5)) ctx.SetProperty(name, Pick(kAnyValues));
    }
    return ctx;
  }

  double Random() { return Pick(std::vector<double>{0.0, 0.25, 0.5, 0.74, 0.9999}); }
  CompileOptions Options() {
    CompileOptions o;
    o.hostname = Pick(std::vector<std::string>{"", "host-a", "HOST-B"});
    o.hash_key_encoding = Chance(0.5) ? HashKeyEncoding::kUtf16LowByte : HashKeyEncoding::kUtf8;
    return o;
  }

  inline static const std::vector<std::string> kFeatureNames = {"f0", "f1", "f2", "fü-😊", "f4"};

 private:
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  T Pick(const std::vector<T>& pool) {
    return pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng_)];
  }

  Constraint MakeConstraint() {
    Constraint c;
    c.op = Pick(kOperators);
    c.context_name = Pick(kContextNames);
    for (int i = Int(0, 3); i > 0; --i) c.values.push_back(Pick(kAnyValues));
    if (Chance(0.8)) c.value = Pick(kSingleValues);
    c.case_insensitive = Chance(0.3);
    c.inverted = Chance(0.25);
    return c;
  }

  Variant MakeVariant(bool overrides) {
    Variant v;
    v.name = Pick(std::vector<std::string>{"red", "green", "blue", "disabled", "ünï"});
    v.weight = Pick(std::vector<int64_t>{0, 1, 33, 50, 100, 500});
    if (Chance(0.3)) v.stickiness = Pick(kStickiness);
    if (Chance(0.2)) v.weight_type = Chance(0.5) ? "fix" : "variable";
    if (Chance(0.7)) v.payload = Payload{Chance(0.5) ? "string" : "number", Pick(kAnyValues)};
    if (overrides && Chance(0.3)) {
      Override o;
      o.context_name = Pick(kContextNames);
      for (int i = Int(1, 2); i > 0; --i) o.values.push_back(Pick(kAnyValues));
      v.overrides.push_back(std::move(o));
    }
    return v;
  }

  Strategy MakeStrategy() {
    Strategy s;
    s.name = Pick(kStrategies);
    auto param = [&](const char* key, const std::vector<std::string>& pool, double p) {
      if (Chance(p)) s.parameters[key] = Pick(pool);
    };
    param("rollout", kPercentages, 0.9);
    param("percentage", kPercentages, 0.9);
    param("stickiness", kStickiness, 0.6);
    param("groupId", std::vector<std::string>{"", "g1", "f1", "grüp"}, 0.8);
    param("userIds", std::vector<std::string>{"1,2, 42 ,u-123", "ünïcødé", "", " 7 ,8"}, 0.9);
    param("IPs", std::vector<std::string>{"127.0.0.1, 10.0.0.0/8", "2001:db8::/32,bad", "::1"},
          0.9);
    param("hostNames", std::vector<std::string>{"HOST-A, other", "host-b", ""}, 0.9);
    if (Chance(0.5)) {
      for (int i = Int(1, 2); i > 0; --i) s.constraints.push_back(MakeConstraint());
    }
    if (Chance(0.3)) s.segments.push_back(Pick(std::vector<int64_t>{1, 2, 3, 99}));
    if (Chance(0.4)) {
      for (int i = Int(1, 3); i > 0; --i) s.variants.push_back(MakeVariant(false));
    }
    s.disabled = Chance(0.1);
    if (Chance(0.3)) s.sort_order = Int(0, 3);
    return s;
  }

  Feature MakeFeature() {
    Feature f;
    f.name = Pick(kFeatureNames);
    f.enabled = Chance(0.9);
    f.type = Pick(std::vector<std::string>{"", "release", "experiment"});
    for (int i = Int(0, 4); i > 0; --i) f.strategies.push_back(MakeStrategy());
    if (Chance(0.5)) {
      for (int i = Int(1, 3); i > 0; --i) f.variants.push_back(MakeVariant(true));
    }
    if (Chance(0.3)) {
      Dependency d;
      d.feature = Pick(std::vector<std::string>{"f0", "f1", "f2", "ghost"});
      if (Chance(0.6)) d.enabled = Chance(0.7);
      if (Chance(0.4)) d.variants = {Pick(std::vector<std::string>{"red", "disabled", "blue"})};
      f.dependencies.push_back(std::move(d));
    }
    return f;
  }

  inline static const std::vector<std::string> kOperators = {
      "IN",         "NOT_IN",      "STR_STARTS_WITH", "STR_ENDS_WITH", "STR_CONTAINS",
      "NUM_EQ",     "NUM_GT",      "NUM_GTE",         "NUM_LT",        "NUM_LTE",
      "DATE_AFTER", "DATE_BEFORE", "SEMVER_EQ",       "SEMVER_GT",     "SEMVER_LT",
      "SEMVER_GTE", "SEMVER_LTE",  "REGEX",           "IN_CIDR",       "BOGUS"};
  inline static const std::vector<std::string> kContextNames = {
      "userId",  "sessionId", "remoteAddress", "environment", "appName",
      "country", "version",   "age",           "email"};
  inline static const std::vector<std::string> kPropertyNames = {"country", "version", "age",
                                                                 "email", "userId"};
  inline static const std::vector<std::string> kUserIds = {"1", "2",   "42",  "u-123", "ünïcødé",
                                                           "",  " 7 ", "174", "499"};
  inline static const std::vector<std::string> kEnvironments = {"dev", "prod", "", "Prod"};
  inline static const std::vector<std::string> kIps = {
      "127.0.0.1", "10.1.2.3", "192.168.0.7", "2001:db8::1", "::1", "bad", ""};
  inline static const std::vector<std::string> kAnyValues = {"NO",
                                                             "no",
                                                             "SE",
                                                             "1",
                                                             "42",
                                                             " 42 ",
                                                             "",
                                                             "12",
                                                             "12.0",
                                                             "0x10",
                                                             "1e3",
                                                             "-3",
                                                             "abc",
                                                             "1.2.3",
                                                             "1.2.3-alpha.1",
                                                             "v1.2.3",
                                                             "2.0.0",
                                                             "a@x.com",
                                                             "B@Y.COM",
                                                             "ünï",
                                                             "10.0.0.0/8",
                                                             "2001:db8::/32",
                                                             "127.0.0.1",
                                                             "dev",
                                                             "prod",
                                                             "u-123"};
  inline static const std::vector<std::string> kSingleValues = {"12",
                                                                "12.0",
                                                                "0x10",
                                                                " 7 ",
                                                                "-3",
                                                                "abc",
                                                                "",
                                                                "Infinity",
                                                                "1.2.3",
                                                                "1.2.3-alpha.1",
                                                                "v1.2.3",
                                                                "2.0.0-rc.1",
                                                                "1.10.0",
                                                                "2022-01-29T13:00:00.000Z",
                                                                "2030-01-01T00:00:00Z",
                                                                "2099-12-31T23:59:59+02:00",
                                                                "not a date",
                                                                "^u-",
                                                                "(?i)^NO$",
                                                                "(",
                                                                "\\d+",
                                                                "NO|SE",
                                                                ""};
  inline static const std::vector<std::string> kDates = {
      "2022-01-29T13:00:00.000Z", "2022-01-29T13:00:00.001Z", "2030-01-01T00:00:00Z",
      "2001-01-01T00:00:00Z"};
  inline static const std::vector<std::string> kStrategies = {"default",
                                                              "userWithId",
                                                              "flexibleRollout",
                                                              "gradualRolloutUserId",
                                                              "gradualRolloutSessionId",
                                                              "gradualRolloutRandom",
                                                              "remoteAddress",
                                                              "applicationHostname",
                                                              "custom"};
  inline static const std::vector<std::string> kPercentages = {"0",   "1",   "37", "50",   "99",
                                                               "100", "abc", "",   " 50 ", "37.5"};
  inline static const std::vector<std::string> kStickiness = {"default", "userId",  "sessionId",
                                                              "random",  "country", ""};

  std::mt19937_64 rng_;
};

bool Same(const EvaluationResult& got, const reference::Result& want) {
  const bool payload_same =
      got.variant.has_payload == want.variant.payload.has_value() &&
      (!want.variant.payload || (got.variant.payload_type == want.variant.payload->type &&
                                 got.variant.payload_value == want.variant.payload->value));
  return got.found == want.found && got.enabled == want.enabled &&
         got.variant.name == want.variant.name && got.variant.enabled == want.variant.enabled &&
         got.variant.feature_enabled == want.variant.feature_enabled && payload_same;
}

TEST(FlagsProperty, CompiledEvaluatorAgreesWithReferenceInterpreter) {
  const core::TimePoint now = *core::ParseRfc3339("2026-01-01T00:00:00Z");
  int evaluations = 0, found = 0, enabled = 0, variants = 0;
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    Generator gen(seed);
    const ClientFeatures features = gen.Features();
    const CompileOptions options = gen.Options();
    const auto snapshot = Compile(features, options);
    for (int c = 0; c < 15; ++c) {
      const Context ctx = gen.MakeContext();
      const double r = gen.Random();
      std::vector<std::string> names = Generator::kFeatureNames;
      names.push_back("ghost");
      for (const std::string& name : names) {
        ConstantRandom random_a(r), random_b(r);
        const EvaluationResult got = Evaluate(*snapshot, name, ctx, now, random_a);
        const reference::Result want =
            reference::Evaluate(features, name, ctx, now, random_b, options);
        if (!Same(got, want)) {
          ADD_FAILURE() << "seed " << seed << " context " << c << " flag " << name << " random "
                        << r << "\ngot enabled=" << got.enabled << " variant=" << got.variant.name
                        << "\nwant enabled=" << want.enabled << " variant=" << want.variant.name
                        << "\n"
                        << ToJson(features).dump(1);
          return;
        }
        ++evaluations;
        found += got.found;
        enabled += got.enabled;
        variants += got.variant.enabled;
      }
    }
  }
  // The generator must exercise both outcomes, or the agreement means little.
  std::printf("%d evaluations, %d found, %d enabled, %d with a variant\n", evaluations, found,
              enabled, variants);
  EXPECT_GT(enabled, found / 4);
  EXPECT_LT(enabled, found * 3 / 4);
  EXPECT_GT(variants, found / 8);
}

TEST(FlagsProperty, JsonRoundTripsRandomDefinitions) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    Generator gen(seed);
    const ClientFeatures features = gen.Features();
    const core::Json json = ToJson(features);
    auto parsed = ParseClientFeatures(json);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, features) << "seed " << seed;
    auto reparsed = ParseClientFeaturesText(json.dump());
    ASSERT_TRUE(reparsed.ok());
    EXPECT_EQ(ToJson(*reparsed), json);
  }
}

}  // namespace
}  // namespace gov::flags
