// Parsing, validating and serializing the Unleash client-API JSON, and the delta API.

#include "flags/features_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "flags/delta.h"
#include "flags/internal/validate.h"
#include "flags/snapshot.h"

namespace gov::flags {
namespace {

core::Json J(const char* text) { return core::Json::parse(text); }

struct ErrorCase {
  std::string name;
  std::string json;
  bool strict;
  std::string field;    // the field the error must name
  std::string message;  // a substring of the message
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class ParseErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParseErrorTest, NamesTheField) {
  const ErrorCase& c = GetParam();
  ParseOptions options;
  options.strict = c.strict;
  auto parsed = ParseClientFeaturesText(c.json, options);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().field(), c.field) << parsed.status().ToString();
  EXPECT_NE(parsed.status().message().find(c.message), std::string::npos)
      << parsed.status().ToString();
}

const char* kThreeOkFeatures =
    R"({"name":"a","enabled":true},{"name":"b","enabled":true},{"name":"c","enabled":true})";

std::vector<ErrorCase> ErrorCases() {
  const std::string ok3 = kThreeOkFeatures;
  return {
      {"MissingOperator",
       R"({"version":2,"features":[)" + ok3 + R"(,{"name":"d","enabled":true,"strategies":[
           {"name":"default"},{"name":"default","constraints":[{"contextName":"userId"}]}]}]})",
       false, "features[3].strategies[1].constraints[0].operator", "is required"},
      {"EnabledNotBool", R"({"features":[{"name":"a","enabled":"yes"}]})", false,
       "features[0].enabled", "expected true or false"},
      {"EnabledMissing", R"({"features":[{"name":"a"}]})", false, "features[0].enabled",
       "is required"},
      {"ValueNotString",
       R"({"features":[{"name":"a","enabled":true,"strategies":[{"name":"default","constraints":[
           {"contextName":"x","operator":"IN","values":["a",7]}]}]}]})",
       false, "features[0].strategies[0].constraints[0].values[1]", "expected a string"},
      {"RootNotObject", R"([1,2])", false, "", "expected a JSON object"},
      {"SegmentIdMissing", R"({"segments":[{"constraints":[]}]})", false, "segments[0].id",
       "is required"},
      {"FractionalWeight",
       R"({"features":[{"name":"a","enabled":true,"variants":[{"name":"v","weight":1.5}]}]})",
       false, "features[0].variants[0].weight", "expected an integer"},
      {"NestedParameter",
       R"({"features":[{"name":"a","enabled":true,"strategies":[{"name":"flexibleRollout",
           "parameters":{"rollout":{"x":1}}}]}]})",
       false, "features[0].strategies[0].parameters.rollout", "expected a string"},
      {"SegmentRefNotInt",
       R"({"features":[{"name":"a","enabled":true,"strategies":[{"name":"default","segments":["1"]}]}]})",
       false, "features[0].strategies[0].segments[0]", "integer"},
      {"DependencyWithoutFeature",
       R"({"features":[{"name":"a","enabled":true,"dependencies":[{"enabled":true}]}]})", false,
       "features[0].dependencies[0].feature", "is required"},
      {"PayloadWithoutValue",
       R"({"features":[{"name":"a","enabled":true,"variants":[{"name":"v","weight":1,
           "payload":{"type":"string"}}]}]})",
       false, "features[0].variants[0].payload.value", "is required"},
      {"MalformedJson", R"({"features":[)", false, "", "malformed JSON"},
      // Strict (what Governor stores) rejects more.
      {"StrictUnknownField",
       R"({"features":[{"name":"a","enabled":true,"strategies":[{"name":"default","colour":"red"}]}]})",
       true, "features[0].strategies[0].colour", "unknown field"},
      {"StrictUnknownOperator",
       R"({"features":[{"name":"a","enabled":true,"strategies":[{"name":"default","constraints":[
           {"contextName":"x","operator":"LIKE","values":[]}]}]}]})",
       true, "features[0].strategies[0].constraints[0].operator", "unknown operator"},
      {"StrictBadRegex",
       R"({"features":[{"name":"a","enabled":true,"strategies":[{"name":"default","constraints":[
           {"contextName":"x","operator":"REGEX","value":"^(a)\\1$"}]}]}]})",
       true, "features[0].strategies[0].constraints[0].value", "invalid RE2 pattern"},
      {"StrictRolloutOutOfRange",
       R"({"features":[{"name":"a","enabled":true,"strategies":[{"name":"flexibleRollout",
           "parameters":{"rollout":"101","groupId":"a"}}]}]})",
       true, "features[0].strategies[0].parameters.rollout", "0 to 100"},
      {"StrictUnknownSegment",
       R"({"features":[{"name":"a","enabled":true,"strategies":[{"name":"default","segments":[9]}]}]})",
       true, "features[0].strategies[0].segments[0]", "unknown segment id 9"},
      {"StrictDuplicateName",
       R"({"features":[{"name":"a","enabled":true},{"name":"a","enabled":false}]})", true,
       "features[1].name", "duplicate feature name"},
      {"StrictUnknownStrategy",
       R"({"features":[{"name":"a","enabled":true,"strategies":[{"name":"myCustom"}]}]})", true,
       "features[0].strategies[0].name", "unknown strategy"},
      {"StrictBadType", R"({"features":[{"name":"a","enabled":true,"type":"banana"}]})", true,
       "features[0].type", "expected release"},
      {"StrictUnknownParent",
       R"({"features":[{"name":"a","enabled":true,"dependencies":[{"feature":"zzz"}]}]})", true,
       "features[0].dependencies[0].feature", "unknown feature"},
      {"StrictBadCidr",
       R"({"features":[{"name":"a","enabled":true,"strategies":[{"name":"default","constraints":[
           {"contextName":"remoteAddress","operator":"IN_CIDR","values":["10.0.0.0/8","10.0.0"]}]}]}]})",
       true, "features[0].strategies[0].constraints[0].values[1]", "CIDR"},
      {"StrictBadJsonPayload",
       R"({"features":[{"name":"a","enabled":true,"variants":[{"name":"v","weight":1,
           "payload":{"type":"json","value":"{nope"}}]}]})",
       true, "features[0].variants[0].payload.value", "expected JSON"},
      {"StrictNumberOperatorNeedsNumber",
       R"({"features":[{"name":"a","enabled":true,"strategies":[{"name":"default","constraints":[
           {"contextName":"age","operator":"NUM_GT","value":"old"}]}]}]})",
       true, "features[0].strategies[0].constraints[0].value", "expected a number"},
      {"StrictSegmentConstraint",
       R"({"segments":[{"id":1,"constraints":[{"contextName":"v","operator":"SEMVER_EQ","value":"1.2"}]}]})",
       true, "segments[0].constraints[0].value", "semantic version"},
  };
}

INSTANTIATE_TEST_SUITE_P(Features, ParseErrorTest, testing::ValuesIn(ErrorCases()),
                         [](const testing::TestParamInfo<ErrorCase>& i) { return i.param.name; });

TEST(FeaturesJson, LenientParsingKeepsWhatSdksTolerate) {
  // Unknown operators, strategies and fields parse: SDKs evaluate them as false/ignore them.
  auto parsed = ParseClientFeatures(J(R"({"version":1,"features":[{"name":"a","enabled":true,
      "lastSeenAt":null,"segments":[1],"strategies":[{"name":"myCustom","parameters":{"n":5,
      "b":true,"z":null},"constraints":[{"contextName":"x","operator":"NOT_A_VALID_OPERATOR",
      "value":12}]}]}]})"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Strategy& s = parsed->features[0].strategies[0];
  EXPECT_EQ(s.name, "myCustom");
  EXPECT_EQ(s.parameters.at("n"), "5");
  EXPECT_EQ(s.parameters.at("b"), "true");
  EXPECT_FALSE(s.parameters.count("z"));
  EXPECT_EQ(s.constraints[0].op, "NOT_A_VALID_OPERATOR");
  EXPECT_EQ(s.constraints[0].value, "12");
  EXPECT_EQ(parsed->version, 1);
}

// A document in canonical form (every field ToJson writes, nothing else) must come
// back byte for byte.
TEST(FeaturesJson, CanonicalDocumentRoundTrips) {
  const core::Json doc = J(R"({
    "version": 2,
    "features": [{
      "name": "checkout.v2", "type": "experiment", "project": "shop",
      "description": "New checkout", "enabled": true, "stale": false, "impressionData": true,
      "strategies": [{
        "name": "flexibleRollout", "id": "6b1c", "title": "Beta", "sortOrder": 1,
        "parameters": {"rollout": "37", "stickiness": "userId", "groupId": "checkout.v2"},
        "constraints": [
          {"contextName": "country", "operator": "IN", "values": ["NO", "SE"],
           "caseInsensitive": false, "inverted": false},
          {"contextName": "version", "operator": "SEMVER_GT", "values": [], "value": "1.2.0",
           "caseInsensitive": false, "inverted": true}],
        "segments": [7],
        "variants": [{"name": "a", "weight": 500, "weightType": "variable", "stickiness": "userId",
                      "payload": {"type": "json", "value": "{\"x\":1}"}}]
      }, {
        "name": "default", "disabled": true, "parameters": {}, "constraints": [], "variants": []
      }],
      "variants": [{"name": "blue", "weight": 1000, "weightType": "fix",
                    "overrides": [{"contextName": "userId", "values": ["1", "2"]}]}],
      "dependencies": [{"feature": "parent", "enabled": true, "variants": ["x"]},
                       {"feature": "other", "enabled": false}]
    }, {
      "name": "parent", "enabled": false, "stale": true, "impressionData": false,
      "strategies": [], "variants": []
    }],
    "segments": [{"id": 7, "name": "beta-users", "constraints": [
      {"contextName": "email", "operator": "STR_ENDS_WITH", "values": ["@example.com"],
       "caseInsensitive": true, "inverted": false}]}]
  })");
  auto parsed = ParseClientFeatures(doc);  // lenient: the parent "other" is not defined
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(ToJson(*parsed), doc);
  auto again = ParseClientFeatures(ToJson(*parsed));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *parsed);
  EXPECT_TRUE(parsed->features[0].strategies[1].disabled);
  EXPECT_EQ(parsed->features[0].dependencies[1].enabled, false);
}

TEST(FeaturesJson, StrictAcceptsAWellFormedDocument) {
  ParseOptions strict;
  strict.strict = true;
  auto parsed = ParseClientFeatures(J(R"({"version":2,"features":[
    {"name":"p","type":"release","enabled":true,"strategies":[{"name":"default"}]},
    {"name":"c","type":"kill-switch","enabled":true,"dependencies":[{"feature":"p"}],
     "strategies":[{"name":"flexibleRollout","parameters":{"rollout":"50","stickiness":"default",
       "groupId":"c"},"segments":[1],"constraints":[
       {"contextName":"ip","operator":"IN_CIDR","values":["10.0.0.0/8","2001:db8::/32"]},
       {"contextName":"email","operator":"REGEX","value":"@example\\.com$"},
       {"contextName":"currentTime","operator":"DATE_AFTER","value":"2024-01-01T00:00:00Z"}]},
      {"name":"remoteAddress","parameters":{"IPs":"127.0.0.1, 10.0.0.0/8"}}],
     "variants":[{"name":"v","weight":1000,"weightType":"variable",
       "payload":{"type":"number","value":"1.5"}}]}],
    "segments":[{"id":1,"constraints":[{"contextName":"plan","operator":"IN","values":["pro"]}]}]})"),
                                    strict);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
}

// unleash-client 6.12 evaluates REGEX and IN_CIDR itself (lib/strategy/strategy.js):
// RegexOperator reads `contextName`, `value` and `caseInsensitive`; CidrOperator reads
// `contextName` and `values` (through cleanValues, so `values` must be an array); and
// checkConstraint negates either when `inverted`. The client view keeps both operators, in
// strategies and in segments, and writes every one of those fields.
TEST(FeaturesJson, RegexAndCidrConstraintsReachSdksInTheShapeTheyRead) {
  const core::Json constraints = J(R"([
    {"contextName": "email", "operator": "REGEX", "values": [], "value": "@example\\.com$",
     "caseInsensitive": true, "inverted": false},
    {"contextName": "remoteAddress", "operator": "IN_CIDR",
     "values": ["10.0.0.0/8", "2001:db8::/32", "192.168.1.7"], "caseInsensitive": false,
     "inverted": true}])");
  core::Json doc = J(R"({"version": 2, "features": [{
    "name": "targeted", "enabled": true, "stale": false, "impressionData": false,
    "strategies": [{"name": "default", "parameters": {}, "segments": [4], "variants": []}],
    "variants": []}], "segments": [{"id": 4}]})");
  doc["features"][0]["strategies"][0]["constraints"] = constraints;
  doc["segments"][0]["constraints"] = constraints;
  ParseOptions strict;
  strict.strict = true;
  auto parsed = ParseClientFeatures(doc, strict);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();

  const ClientFeatures view = ClientView(*parsed);
  EXPECT_EQ(view, *parsed);
  const core::Json served = ToJson(view);
  EXPECT_EQ(served, doc);
  for (const core::Json& written : {served["features"][0]["strategies"][0]["constraints"],
                                    served["segments"][0]["constraints"]}) {
    ASSERT_EQ(written.size(), 2u);
    EXPECT_EQ(written[0]["operator"], "REGEX");
    EXPECT_EQ(written[0]["value"], "@example\\.com$");
    EXPECT_EQ(written[0]["caseInsensitive"], true);
    EXPECT_EQ(written[0]["inverted"], false);
    EXPECT_EQ(written[1]["operator"], "IN_CIDR");
    EXPECT_EQ(written[1]["values"], constraints[1]["values"]);
    EXPECT_EQ(written[1]["inverted"], true);
    EXPECT_FALSE(written[1].contains("value"));
  }
  // What an SDK (or a Governor replica) reads back is what was stored.
  auto again = ParseClientFeaturesText(served.dump());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, view);
}

TEST(Delta, AppliesEventsInOrder) {
  ClientFeatures state;
  ASSERT_TRUE(ApplyDelta(J(R"({"events":[
    {"eventId":1,"type":"hydration","features":[{"name":"a","enabled":true},{"name":"b","enabled":true}],
     "segments":[{"id":1,"constraints":[]},{"id":2,"constraints":[]}]},
    {"eventId":2,"type":"feature-updated","feature":{"name":"a","enabled":false}},
    {"eventId":3,"type":"feature-updated","feature":{"name":"c","enabled":true}},
    {"eventId":4,"type":"feature-removed","featureName":"b","project":"default"},
    {"eventId":5,"type":"segment-removed","segmentId":1},
    {"eventId":6,"type":"segment-updated","segment":{"id":2,"name":"two","constraints":[]}},
    {"eventId":7,"type":"something-new"}]})"),
                         state)
                  .ok());
  ASSERT_EQ(state.features.size(), 2u);
  EXPECT_EQ(state.features[0].name, "a");
  EXPECT_FALSE(state.features[0].enabled);
  EXPECT_EQ(state.features[1].name, "c");
  ASSERT_EQ(state.segments.size(), 1u);
  EXPECT_EQ(state.segments[0].name, "two");
}

TEST(Delta, ErrorNamesTheEventFieldAndLeavesStateAlone) {
  ClientFeatures state;
  Feature keep;
  keep.name = "keep";
  keep.enabled = true;
  state.features.push_back(keep);
  const ClientFeatures before = state;
  const core::Status s = ApplyDelta(J(R"({"events":[
    {"eventId":1,"type":"feature-removed","featureName":"keep","project":"default"},
    {"eventId":2,"type":"feature-updated","feature":{"name":"x","enabled":"no"}}]})"),
                                    state);
  EXPECT_EQ(s.field(), "events[1].feature.enabled");
  EXPECT_EQ(state, before);
  EXPECT_EQ(ApplyDelta(J(R"({"nope":[]})"), state).field(), "events");
}

}  // namespace
}  // namespace gov::flags
