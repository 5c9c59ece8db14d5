// Runs every case of the Unleash client specification (npm
// @unleash/client-specification 6.1.0, vendored in
// tests/flags/testdata/unleash-client-specification) through Governor's evaluator: each `tests`
// entry against IsEnabled, each `variantTests` entry against GetVariant. The expected values are
// the specification's own.

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json_util.h"
#include "flags/context.h"
#include "flags/delta.h"
#include "flags/evaluator.h"
#include "flags/features_json.h"
#include "flags/snapshot.h"
#include "tests/flags/test_random.h"

namespace gov::flags {
namespace {

constexpr size_t kExpectedCases = 279;  // tests + variantTests over the 22 files of 6.1.0

std::filesystem::path SpecDir() {
  const char* env = std::getenv("GOVERNOR_SOURCE_DIR");
  const std::string root = env && *env ? env : GOVERNOR_SOURCE_DIR_DEFAULT;
  return std::filesystem::path(root) / "tests/flags/testdata/unleash-client-specification";
}

std::optional<core::Json> ReadJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = core::ParseJson(ss.str(), 256);
  if (!parsed.ok()) return std::nullopt;
  return std::move(parsed).value();
}

struct SpecCase {
  std::string file;
  std::string description;
  std::string toggle;
  std::shared_ptr<const core::Json> state;  // shared by the cases of one file
  core::Json context;
  core::Json expected;
  bool variant = false;
  std::string name;  // gtest-safe
};

void PrintTo(const SpecCase& c, std::ostream* os) { *os << c.file << ": " << c.description; }

std::string Sanitize(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

struct LoadedSpec {
  std::vector<SpecCase> cases;
  size_t files = 0;
  std::string error;
};

const LoadedSpec& Spec() {
  static const LoadedSpec* spec = [] {
    auto* out = new LoadedSpec;
    const std::optional<core::Json> index = ReadJson(SpecDir() / "index.json");
    if (!index || !index->is_array()) {
      out->error = "cannot read " + (SpecDir() / "index.json").string();
      return out;
    }
    for (const core::Json& file : *index) {
      const std::string name = file.get<std::string>();
      const std::optional<core::Json> doc = ReadJson(SpecDir() / name);
      if (!doc) {
        out->error = "cannot read " + name;
        return out;
      }
      ++out->files;
      const auto state = std::make_shared<const core::Json>(doc->at("state"));
      for (const char* kind : {"tests", "variantTests"}) {
        if (!doc->contains(kind)) continue;
        for (const core::Json& t : (*doc)[kind]) {
          SpecCase c;
          c.file = name;
          c.description = t.at("description").get<std::string>();
          c.toggle = t.at("toggleName").get<std::string>();
          c.state = state;
          c.context = t.value("context", core::Json::object());
          c.expected = t.at("expectedResult");
          c.variant = std::string(kind) == "variantTests";
          c.name = Sanitize(name.substr(0, 2) + "_" + std::to_string(out->cases.size()) + "_" +
                            c.description);
          out->cases.push_back(std::move(c));
        }
      }
    }
    return out;
  }();
  return *spec;
}

// A spec file's state: a client-API response, or delta events applied to nothing.
core::StatusOr<ClientFeatures> LoadState(const core::Json& state) {
  ClientFeatures features;
  if (state.contains("events")) {
    RETURN_IF_ERROR(ApplyDelta(state, features));
    return features;
  }
  return ParseClientFeatures(state);
}

TEST(SpecConformance, LoadsEveryCase) {
  ASSERT_EQ(Spec().error, "");
  EXPECT_EQ(Spec().files, 22u);
  EXPECT_EQ(Spec().cases.size(), kExpectedCases);
}

class SpecCaseTest : public testing::TestWithParam<SpecCase> {};

TEST_P(SpecCaseTest, MatchesExpectedResult) {
  const SpecCase& c = GetParam();
  SCOPED_TRACE(c.file + ": " + c.description);
  auto features = LoadState(*c.state);
  ASSERT_TRUE(features.ok()) << features.status().ToString();
  const auto snapshot = Compile(*features);
  auto context = ContextFromUnleash(c.context);
  ASSERT_TRUE(context.ok()) << context.status().ToString();
  FixedSeedRandom random(42);
  const EvaluationResult r =
      Evaluate(*snapshot, c.toggle, *context, core::FakeClock().Now(), random);
  if (!c.variant) {
    EXPECT_EQ(r.enabled, c.expected.get<bool>());
    return;
  }
  EXPECT_EQ(r.variant.name, c.expected.at("name").get<std::string>());
  EXPECT_EQ(r.variant.enabled, c.expected.at("enabled").get<bool>());
  EXPECT_EQ(r.variant.feature_enabled, c.expected.at("feature_enabled").get<bool>());
  ASSERT_EQ(r.variant.has_payload, c.expected.contains("payload"));
  if (r.variant.has_payload) {
    EXPECT_EQ(r.variant.payload_type, c.expected["payload"].at("type").get<std::string>());
    EXPECT_EQ(r.variant.payload_value, c.expected["payload"].at("value").get<std::string>());
  }
}

INSTANTIATE_TEST_SUITE_P(UnleashClientSpecification, SpecCaseTest, testing::ValuesIn(Spec().cases),
                         [](const testing::TestParamInfo<SpecCase>& info) {
                           return info.param.name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SpecCaseTest);

}  // namespace
}  // namespace gov::flags
