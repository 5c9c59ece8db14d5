// Replays tests/flags/testdata/node_golden.json: random definitions and contexts whose
// expected isEnabled/getVariant results were computed by the reference SDK itself
// (unleash-client 6.12.1, see generate_node_golden.js), against Governor's evaluator.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/json_util.h"
#include "core/time_format.h"
#include "flags/context.h"
#include "flags/evaluator.h"
#include "flags/features_json.h"
#include "flags/snapshot.h"
#include "tests/flags/test_random.h"

namespace gov::flags {
namespace {

core::Json LoadGolden() {
  const char* env = std::getenv("GOVERNOR_SOURCE_DIR");
  const std::string root = env && *env ? env : GOVERNOR_SOURCE_DIR_DEFAULT;
  std::ifstream in(root + "/tests/flags/testdata/node_golden.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto json = core::ParseJson(ss.str(), 128);
  return json.ok() ? *json : core::Json();
}

TEST(NodeGolden, EvaluatorMatchesUnleashClientNode) {
  const core::Json golden = LoadGolden();
  ASSERT_TRUE(golden.is_object()) << "cannot read tests/flags/testdata/node_golden.json";
  CompileOptions options;
  options.hostname = golden.at("hostname").get<std::string>();
  const double random_value = golden.at("random").get<double>();
  // Contexts without currentTime are compared with the generator's wall clock, so every
  // date in the data is far from both that time and this one.
  const core::TimePoint now = *core::ParseRfc3339("2026-01-01T00:00:00Z");
  int checks = 0, enabled = 0, variants = 0;
  for (const core::Json& c : golden.at("cases")) {
    auto features = ParseClientFeatures(c.at("state"));
    ASSERT_TRUE(features.ok()) << features.status().ToString();
    const auto snapshot = Compile(*features, options);
    for (const core::Json& check : c.at("checks")) {
      auto context = ContextFromUnleash(check.at("context"));
      ASSERT_TRUE(context.ok()) << context.status().ToString();
      for (const auto& [flag, want] : check.at("results").items()) {
        ConstantRandom random(random_value);
        const EvaluationResult got = Evaluate(*snapshot, flag, *context, now, random);
        const bool same =
            got.enabled == want[0].get<bool>() && got.variant.name == want[1].get<std::string>() &&
            got.variant.enabled == want[2].get<bool>() &&
            got.variant.feature_enabled == want[3].get<bool>() &&
            got.variant.has_payload == !want[4].is_null() &&
            (want[4].is_null() || (got.variant.payload_type == want[4].get<std::string>() &&
                                   got.variant.payload_value == want[5].get<std::string>()));
        if (!same) {
          ADD_FAILURE() << "flag " << flag << " context " << check.at("context").dump()
                        << "\nnode: " << want.dump() << "\ngovernor: enabled=" << got.enabled
                        << " variant=" << got.variant.name << "\nstate: " << c.at("state").dump();
          return;
        }
        ++checks;
        enabled += got.enabled;
        variants += got.variant.enabled;
      }
    }
  }
  EXPECT_EQ(checks, 150 * 12 * 6);
  EXPECT_GT(enabled, checks / 10);  // both outcomes are well represented
  EXPECT_GT(variants, checks / 20);
}

}  // namespace
}  // namespace gov::flags
