// OFREP v0.3.0 single and bulk evaluation (/work/shared/specs/ofrep-0.3.0, vendored under
// tests/api/testdata/ofrep-0.3.0). Every response these tests receive is validated against
// the response schema the spec's openapi.yaml gives for its operation and status. Expected
// values follow the mapping Governor documents (reasons, variant values, disabled flags).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/yaml_json.h"
#include "tests/api/client_api_harness.h"
#include "tests/api/ofrep_schema_validator.h"

namespace gov::api::testing {
namespace {

using ::testing::HasSubstr;

const core::Json& Spec() {
  static const core::Json spec = [] {
    auto doc = core::YamlToJson(ReadTestFile("tests/api/testdata/ofrep-0.3.0/openapi.yaml"));
    EXPECT_TRUE(doc.ok()) << doc.status().ToString();
    return doc.ok() ? *doc : core::Json::object();
  }();
  return spec;
}

// Checks `res` against the spec's response for (path, POST, status).
void ExpectConformsToSpec(const std::string& spec_path, const httplib::Result& res) {
  ASSERT_TRUE(res);
  const core::Json& responses = Spec()["paths"][spec_path]["post"]["responses"];
  const std::string status = std::to_string(res->status);
  ASSERT_TRUE(responses.contains(status)) << spec_path << " has no " << status << " response";
  const core::Json& response = responses[status];
  if (!response.contains("content")) {
    // 304/401/403/429 carry no body schema in the spec.
    return;
  }
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  const core::Json body = core::Json::parse(res->body);
  SchemaValidator v(Spec());
  EXPECT_EQ(v.Validate(response["content"]["application/json"]["schema"], body), "")
      << spec_path << " " << status << ": " << res->body;
}

httplib::Result EvaluateOne(EvaluationServer& s, const std::string& key, const std::string& body,
                            const std::string& secret = kClientSecret) {
  auto res = s.Client()->Post(("/ofrep/v1/evaluate/flags/" + key).c_str(),
                              EvaluationServer::Auth(secret), body, "application/json");
  ExpectConformsToSpec("/ofrep/v1/evaluate/flags/{key}", res);
  return res;
}

httplib::Result EvaluateBulk(EvaluationServer& s, const std::string& body,
                             httplib::Headers headers = EvaluationServer::Auth(kClientSecret)) {
  auto res = s.Client()->Post("/ofrep/v1/evaluate/flags", headers, body, "application/json");
  ExpectConformsToSpec("/ofrep/v1/evaluate/flags", res);
  return res;
}

TEST(OfrepSchemaTest, SpecExampleFailsLiteralOneOf) {
  // Why the validator reads oneOf as "at least one" (see ofrep_schema_validator.h).
  const core::Json example = Spec()["paths"]["/ofrep/v1/evaluate/flags/{key}"]["post"]["responses"]
                                   ["200"]["content"]["application/json"]["example"];
  const core::Json& schema = Spec()["components"]["schemas"]["serverEvaluationSuccess"];
  EXPECT_EQ(SchemaValidator(Spec()).Validate(schema, example), "");
  EXPECT_THAT(SchemaValidator(Spec(), true).Validate(schema, example), HasSubstr("oneOf branches"));
  // The validator does reject what the schema rules out.
  EXPECT_NE(SchemaValidator(Spec()).Validate(
                schema, core::Json{{"key", "k"}, {"value", true}, {"reason", "DEFAULT"}}),
            "");
  EXPECT_NE(
      SchemaValidator(Spec()).Validate(schema, core::Json{{"value", true}, {"reason", "STATIC"}}),
      "");
}

struct SingleCase {
  std::string name;
  std::string key;
  std::string context;
  core::Json value;
  std::string variant;
  std::string reason;
};

TEST(OfrepTest, SingleEvaluationValuesVariantsAndReasons) {
  EvaluationServer s;
  s.Publish("development", 5, FixtureFlags());
  const std::vector<SingleCase> cases = {
      {"on for everyone", "static-on", R"({"targetingKey":"u1"})", true, "enabled", "STATIC"},
      {"off in the environment", "off-flag", R"({"targetingKey":"u1"})", false, "disabled",
       "DISABLED"},
      {"user in the list", "targeted", R"({"targetingKey":"alice"})", true, "enabled",
       "TARGETING_MATCH"},
      {"targeted false", "targeted", R"({"targetingKey":"bob"})", false, "disabled",
       "TARGETING_MATCH"},
      {"segment match", "segmented", R"({"targetingKey":"u1","country":"no"})", true, "enabled",
       "TARGETING_MATCH"},
      {"segment miss", "segmented", R"({"targetingKey":"u1","country":"se"})", false, "disabled",
       "TARGETING_MATCH"},
      {"string payload", "color", R"({"targetingKey":"u1"})", "#0000ff", "blue", "STATIC"},
      {"number payload", "limit", R"({"targetingKey":"u1"})", 42, "high", "STATIC"},
      {"json payload", "config", R"({"targetingKey":"u1"})",
       core::Json{{"retries", 3}, {"mode", "fast"}}, "v1", "STATIC"},
      {"variant without payload", "named-only", R"({"targetingKey":"u1"})", "plain", "plain",
       "STATIC"},
      {"extension operator", "regex-flag", R"({"targetingKey":"alice"})", true, "enabled",
       "TARGETING_MATCH"},
  };
  for (const SingleCase& c : cases) {
    auto res = EvaluateOne(s, c.key, R"({"context":)" + c.context + "}");
    ASSERT_EQ(res->status, 200) << c.name << ": " << res->body;
    const core::Json body = core::Json::parse(res->body);
    EXPECT_EQ(body["key"], c.key) << c.name;
    EXPECT_EQ(body["value"], c.value) << c.name;
    EXPECT_EQ(body["variant"], c.variant) << c.name;
    EXPECT_EQ(body["reason"], c.reason) << c.name;
    EXPECT_EQ(body["metadata"]["revision"], 5) << c.name;
    EXPECT_EQ(body["metadata"]["environment"], "development") << c.name;
  }
  auto typed = EvaluateOne(s, "off-flag", R"({"context":{"targetingKey":"u"}})");
  EXPECT_EQ(core::Json::parse(typed->body)["metadata"]["flagType"], "kill-switch");
  // A 50% rollout: the reason is SPLIT whichever side a user lands on.
  int on = 0;
  for (int i = 0; i < 40; ++i) {
    auto res = EvaluateOne(s, "rollout",
                           R"({"context":{"targetingKey":"user-)" + std::to_string(i) + "\"}}");
    const core::Json body = core::Json::parse(res->body);
    EXPECT_EQ(body["reason"], "SPLIT");
    on += body["value"].get<bool>() ? 1 : 0;
  }
  EXPECT_GT(on, 5);
  EXPECT_LT(on, 35);
}

struct ErrorCase {
  std::string name;
  std::string key;
  std::string body;
  int status;
  std::string code;
};

// OFREP maps only targetingKey, sessionId, remoteAddress, appName and currentTime to Unleash
// fields (Governor's mapping); `environment` is always the token's, so environment constraints
// work, and an `environment` key in the context is a plain property that cannot override it.
TEST(OfrepTest, EnvironmentIsTheTokenEnvironment) {
  auto parsed = flags::ParseClientFeaturesText(R"({"version": 2, "features": [
      {"name": "dev-only", "enabled": true, "strategies": [{"name": "default", "constraints": [
        {"contextName": "environment", "operator": "IN", "values": ["development"]}]}]}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EvaluationServer s;
  s.Publish("development", 1, *parsed);
  s.Publish("production", 1, *parsed);
  struct Case {
    std::string name;
    std::string secret;
    std::string context;
    bool value;
  };
  const std::vector<Case> cases = {
      {"development token", kClientSecret, R"({"targetingKey":"u"})", true},
      {"frontend token", kFrontendSecret, R"({"targetingKey":"u"})", true},
      {"production token", kProdClientSecret, R"({"targetingKey":"u"})", false},
      {"development token, context says production", kClientSecret,
       R"({"targetingKey":"u","environment":"production"})", true},
      {"production token, context says development", kProdClientSecret,
       R"({"targetingKey":"u","environment":"development"})", false},
  };
  for (const Case& c : cases) {
    auto res = EvaluateOne(s, "dev-only", R"({"context":)" + c.context + "}", c.secret);
    ASSERT_EQ(res->status, 200) << c.name << ": " << res->body;
    EXPECT_EQ(core::Json::parse(res->body)["value"], c.value) << c.name;
    auto bulk =
        EvaluateBulk(s, R"({"context":)" + c.context + "}", EvaluationServer::Auth(c.secret));
    ASSERT_EQ(bulk->status, 200) << c.name << ": " << bulk->body;
    const core::Json bulk_body = core::Json::parse(bulk->body);
    for (const core::Json& f : bulk_body["flags"]) {
      if (f["key"] == "dev-only") {
        EXPECT_EQ(f["value"], c.value) << c.name << " (bulk)";
      }
    }
  }
}

TEST(OfrepTest, SingleEvaluationErrorsInTheSpecShape) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  const std::vector<ErrorCase> cases = {
      {"unknown flag", "nope", R"({"context":{"targetingKey":"u"}})", 404, "FLAG_NOT_FOUND"},
      {"malformed JSON", "static-on", R"({"context":)", 400, "PARSE_ERROR"},
      {"no context", "static-on", R"({})", 400, "INVALID_CONTEXT"},
      {"context not an object", "static-on", R"({"context":[1]})", 400, "INVALID_CONTEXT"},
      {"no targeting key", "static-on", R"({"context":{"email":"a@b.c"}})", 400,
       "TARGETING_KEY_MISSING"},
      {"targeting key not a string", "static-on", R"({"context":{"targetingKey":{"id":1}}})", 400,
       "INVALID_CONTEXT"},
      {"nested attribute", "static-on",
       R"({"context":{"targetingKey":"u","address":{"city":"Oslo"}}})", 400, "INVALID_CONTEXT"},
      {"bad currentTime", "static-on", R"({"context":{"targetingKey":"u","currentTime":"noon"}})",
       400, "INVALID_CONTEXT"},
      {"payload that does not parse", "broken-json", R"({"context":{"targetingKey":"u"}})", 400,
       "PARSE_ERROR"},
  };
  for (const ErrorCase& c : cases) {
    auto res = EvaluateOne(s, c.key, c.body);
    EXPECT_EQ(res->status, c.status) << c.name << ": " << res->body;
    const core::Json body = core::Json::parse(res->body);
    EXPECT_EQ(body["key"], c.key) << c.name;
    EXPECT_EQ(body["errorCode"], c.code) << c.name;
    EXPECT_TRUE(body["errorDetails"].is_string()) << c.name;
  }
  auto nested =
      EvaluateOne(s, "static-on", R"({"context":{"targetingKey":"u","address":{"city":"Oslo"}}})");
  EXPECT_THAT(core::Json::parse(nested->body)["errorDetails"].get<std::string>(),
              HasSubstr("context.address"));
  // 401 without or with an unknown token, 403 for an admin token.
  EXPECT_EQ(EvaluateOne(s, "static-on", R"({"context":{"targetingKey":"u"}})", "")->status, 401);
  EXPECT_EQ(EvaluateOne(s, "static-on", R"({"context":{"targetingKey":"u"}})", "wrong")->status,
            401);
  EXPECT_EQ(
      EvaluateOne(s, "static-on", R"({"context":{"targetingKey":"u"}})", kAdminSecret)->status,
      403);
  EXPECT_EQ(
      EvaluateOne(s, "static-on", R"({"context":{"targetingKey":"u"}})", kFrontendSecret)->status,
      200);
}

TEST(OfrepTest, BulkEvaluationWithPerFlagErrorsEtagAndEventStream) {
  EvaluationServer s;
  s.Publish("development", 9, FixtureFlags());
  auto res = EvaluateBulk(s, R"({"context":{"targetingKey":"alice","country":"no"}})");
  ASSERT_EQ(res->status, 200) << res->body;
  const core::Json body = core::Json::parse(res->body);
  std::map<std::string, core::Json> flags;
  for (const core::Json& f : body["flags"]) flags[f["key"]] = f;
  EXPECT_EQ(flags.size(), 13u);
  EXPECT_EQ(flags["targeted"]["value"], true);
  EXPECT_EQ(flags["off-flag"]["reason"], "DISABLED");
  EXPECT_EQ(flags["broken-json"]["errorCode"], "PARSE_ERROR");
  EXPECT_FALSE(flags["broken-json"].contains("value"));
  EXPECT_EQ(body["metadata"]["revision"], 9);
  ASSERT_EQ(body["eventStreams"].size(), 1u);
  EXPECT_EQ(body["eventStreams"][0]["type"], "sse");
  const std::string uri = body["eventStreams"][0]["endpoint"]["requestUri"];
  EXPECT_EQ(uri, "/ofrep/v1/event-stream?token=client-secret-development");

  const std::string etag = res->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto headers = EvaluationServer::Auth(kClientSecret);
  headers.emplace("If-None-Match", etag);
  auto same = EvaluateBulk(s, R"({"context":{"targetingKey":"alice","country":"no"}})", headers);
  EXPECT_EQ(same->status, 304);
  auto other = EvaluateBulk(s, R"({"context":{"targetingKey":"bob"}})", headers);
  EXPECT_EQ(other->status, 200);
  s.Publish("development", 10, FixtureFlags());
  auto changed = EvaluateBulk(s, R"({"context":{"targetingKey":"alice","country":"no"}})", headers);
  EXPECT_EQ(changed->status, 200);
}

TEST(OfrepTest, BulkErrors) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  EXPECT_EQ(core::Json::parse(EvaluateBulk(s, "{")->body)["errorCode"], "PARSE_ERROR");
  EXPECT_EQ(core::Json::parse(EvaluateBulk(s, R"({"context":{}})")->body)["errorCode"],
            "TARGETING_KEY_MISSING");
  EXPECT_EQ(core::Json::parse(EvaluateBulk(s, R"({"context":"x"})")->body)["errorCode"],
            "INVALID_CONTEXT");
  EXPECT_EQ(EvaluateBulk(s, R"({"context":{"targetingKey":"u"}})", {})->status, 401);
  EXPECT_EQ(
      EvaluateBulk(s, R"({"context":{"targetingKey":"u"}})", EvaluationServer::Auth(kAdminSecret))
          ->status,
      403);
  // X-API-Key is the spec's other authentication form.
  EXPECT_EQ(EvaluateBulk(s, R"({"context":{"targetingKey":"u"}})", {{"X-API-Key", kFrontendSecret}})
                ->status,
            200);
}

TEST(OfrepTest, EventStreamSendsRefetchEvaluationOnRevisionChange) {
  EvaluationServer s;
  s.Publish("development", 1, FixtureFlags());
  std::mutex mu;
  std::condition_variable cv;
  std::string received;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    httplib::Client c("127.0.0.1", s.port());
    c.set_read_timeout(10, 0);
    c.Get("/ofrep/v1/event-stream?token=frontend-secret-development",
          [&](const char* data, size_t n) {
            std::lock_guard<std::mutex> lock(mu);
            received.append(data, n);
            cv.notify_all();
            return !stop.load();
          });
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10),
                            [&] { return received.find(": connected") != std::string::npos; }));
  }
  s.Publish("development", 2, FixtureFlags());
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] {
      return received.find("refetchEvaluation") != std::string::npos;
    }));
    const size_t start = received.find("event: message");
    ASSERT_NE(start, std::string::npos);
    const std::string message = received.substr(start, received.find("\n\n", start) - start);
    EXPECT_THAT(message, HasSubstr("id: 2\n"));
    const core::Json data = core::Json::parse(message.substr(message.find("data: ") + 6));
    // The sseEventData schema of the spec.
    EXPECT_EQ(
        SchemaValidator(Spec()).Validate(Spec()["components"]["schemas"]["sseEventData"], data),
        "");
    EXPECT_EQ(data["type"], "refetchEvaluation");
  }
  stop = true;
  reader.join();
  auto unauth = s.Client()->Get("/ofrep/v1/event-stream?token=wrong");
  EXPECT_EQ(unauth->status, 401);
  auto admin = s.Client()->Get("/ofrep/v1/event-stream", EvaluationServer::Auth(kAdminSecret));
  EXPECT_EQ(admin->status, 403);
}

}  // namespace
}  // namespace gov::api::testing
