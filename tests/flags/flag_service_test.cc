// FlagService on SQLite: validation with field paths, versions, audit, revisions, segments,
// import/export, and that every change reaches the SnapshotRegistry.

#include "flags/flag_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "flags/evaluator.h"
#include "flags/features_json.h"
#include "flags/flag_metrics.h"
#include "store/audit_repository.h"
#include "store/flag_repository.h"
#include "tests/store/test_databases.h"

namespace gov::flags {
namespace {

const store::AuditActor kAuthor{"alice", "req-1"};

class FlagServiceTest : public ::testing::Test {
 protected:
  FlagServiceTest() : publisher_(db_.db(), registry_, {}), service_(db_.db(), publisher_, clock_) {
    EXPECT_TRUE(publisher_.Start().ok());
  }
  ~FlagServiceTest() override { publisher_.Stop(); }

  int64_t Revision(const std::string& env) {
    auto s = registry_.Get(env);
    return s ? s->revision : -1;
  }
  bool On(const std::string& flag, const std::string& env, const Context& ctx = {}) {
    return IsEnabled(*registry_.Get(env)->compiled, flag, ctx, clock_.Now());
  }
  std::vector<store::AuditEntry> Audit() { return store::testing::AuditEntries(db_.db()); }

  store::testing::SqliteTestDatabase db_;
  core::FakeClock clock_;
  SnapshotRegistry registry_;
  SnapshotPublisher publisher_;
  FlagService service_;
};

core::Json Checkout() {
  return core::Json::parse(R"({
    "name": "checkout", "description": "new checkout",
    "environments": {
      "development": {"enabled": true, "strategies": [
        {"name": "userWithId", "parameters": {"userIds": "u1,u2"}}]},
      "production": {"enabled": false}
    }})");
}

TEST_F(FlagServiceTest, StartPublishesEveryEnvironmentAtRevisionZero) {
  EXPECT_EQ(Revision("development"), 0);
  EXPECT_EQ(Revision("production"), 0);
}

TEST_F(FlagServiceTest, CreateStoresAuditsBumpsAndPublishes) {
  auto created = service_.CreateFeature(kAuthor, Checkout());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->version, 1);
  EXPECT_EQ(created->definition.project, "default");
  EXPECT_EQ(created->definition.type, "release");
  EXPECT_TRUE(created->environments.at("development").enabled);
  EXPECT_FALSE(created->environments.at("production").enabled);
  // A new feature appears in every environment's client view.
  EXPECT_EQ(Revision("development"), 1);
  EXPECT_EQ(Revision("production"), 1);
  Context u1;
  u1.user_id = "u1";
  EXPECT_TRUE(On("checkout", "development", u1));
  EXPECT_FALSE(On("checkout", "development"));
  EXPECT_FALSE(On("checkout", "production", u1));
  auto audit = Audit();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "flag.create");
  EXPECT_EQ(audit[0].resource, "flags/checkout");
  EXPECT_EQ(audit[0].actor, "alice");
  EXPECT_EQ(audit[0].request_id, "req-1");
  EXPECT_EQ(service_.CreateFeature(kAuthor, Checkout()).status().code(),
            core::StatusCode::kAlreadyExists);
}

TEST_F(FlagServiceTest, ValidationErrorsNameTheField) {
  struct Case {
    const char* name;
    core::Json body;
    const char* field;
  };
  core::Json bad_operator = Checkout();
  bad_operator["environments"]["production"]["strategies"] = core::Json::parse(
      R"([{"name": "default", "constraints": [{"contextName": "userId", "operator": "NOPE",
           "values": ["a"]}]}])");
  core::Json bad_segment = Checkout();
  bad_segment["environments"]["development"]["strategies"][0]["segments"] = {42};
  core::Json bad_type = Checkout();
  bad_type["type"] = "whatever";
  core::Json bad_env = Checkout();
  bad_env["environments"]["staging"] = core::Json::object();
  core::Json bad_dep = Checkout();
  bad_dep["dependencies"] = core::Json::parse(R"([{"feature": "missing"}])");
  core::Json bad_name = Checkout();
  bad_name["name"] = "has space";
  core::Json unknown_field = Checkout();
  unknown_field["colour"] = "red";
  const std::vector<Case> cases = {
      {"operator", bad_operator, "environments.production.strategies[0].constraints[0].operator"},
      {"segment", bad_segment, "environments.development.strategies[0].segments[0]"},
      {"type", bad_type, "type"},
      {"environment", bad_env, "environments.staging"},
      {"dependency", bad_dep, "dependencies[0].feature"},
      {"name", bad_name, "name"},
      {"unknown field", unknown_field, "colour"},
      {"not an object", core::Json::array(), "body"},
  };
  for (const auto& c : cases) {
    auto s = service_.CreateFeature(kAuthor, c.body);
    EXPECT_EQ(s.status().code(), core::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(s.status().field(), c.field) << c.name << ": " << s.status().ToString();
  }
  EXPECT_TRUE(Audit().empty());
  EXPECT_EQ(Revision("development"), 0);
}

TEST_F(FlagServiceTest, StrategiesErrorsUseTheIssueFieldPath) {
  ASSERT_TRUE(service_.CreateFeature(kAuthor, Checkout()).ok());
  // The documented example: strategies[1].constraints[0].operator.
  auto s = service_.SetStrategies(kAuthor, "checkout", "development",
                                  core::Json::parse(R"({"strategies": [
      {"name": "default"},
      {"name": "default", "constraints": [{"contextName": "userId", "operator": "EQUALS",
                                           "values": ["x"]}]}]})"),
                                  std::nullopt);
  EXPECT_EQ(s.status().field(), "strategies[1].constraints[0].operator") << s.status().ToString();
  auto v = service_.SetVariants(kAuthor, "checkout", "development",
                                core::Json::parse(R"({"variants": [{"name": "a", "weight": -1}]})"),
                                std::nullopt);
  EXPECT_EQ(v.status().field(), "variants[0].weight") << v.status().ToString();
  auto missing =
      service_.SetStrategies(kAuthor, "checkout", "development", core::Json::object(), {});
  EXPECT_EQ(missing.status().field(), "strategies");
  auto env = service_.SetEnabled(kAuthor, "checkout", "staging", true, {});
  EXPECT_EQ(env.status().code(), core::StatusCode::kNotFound);
  auto flag = service_.SetEnabled(kAuthor, "nope", "development", true, {});
  EXPECT_EQ(flag.status().code(), core::StatusCode::kNotFound);
}

TEST_F(FlagServiceTest, VersionsGuardUpdatesAndNoOpsChangeNothing) {
  ASSERT_TRUE(service_.CreateFeature(kAuthor, Checkout()).ok());
  auto on = service_.SetEnabled(kAuthor, "checkout", "production", true, 1);
  ASSERT_TRUE(on.ok()) << on.status().ToString();
  EXPECT_EQ(on->version, 2);
  EXPECT_EQ(Revision("production"), 2);
  EXPECT_EQ(Revision("development"), 1);  // only production changed
  auto stale = service_.ReplaceFeature(kAuthor, "checkout", Checkout(), 1);
  EXPECT_EQ(stale.status().code(), core::StatusCode::kConflict);
  // Turning on what is on: no write, no revision, no audit entry.
  const size_t audits = Audit().size();
  auto again = service_.SetEnabled(kAuthor, "checkout", "production", true, 2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version, 2);
  EXPECT_EQ(Revision("production"), 2);
  EXPECT_EQ(Audit().size(), audits);
  // PUT without production: production becomes disabled with no strategies.
  core::Json body = Checkout();
  body["environments"].erase("production");
  auto replaced = service_.ReplaceFeature(kAuthor, "checkout", body, 2);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_FALSE(replaced->environments.at("production").enabled);
  EXPECT_EQ(replaced->version, 3);
  core::Json renamed = Checkout();
  renamed["name"] = "other";
  EXPECT_EQ(service_.ReplaceFeature(kAuthor, "checkout", renamed, {}).status().field(), "name");
}

TEST_F(FlagServiceTest, MergePatchKeepsWhatItDoesNotMention) {
  ASSERT_TRUE(service_.CreateFeature(kAuthor, Checkout()).ok());
  auto patched = service_.PatchFeature(kAuthor, "checkout",
                                       core::Json::parse(R"({"description": null, "stale": true,
                      "environments": {"production": {"enabled": true}}})"),
                                       1);
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  EXPECT_FALSE(patched->definition.description.has_value());
  EXPECT_TRUE(patched->definition.stale);
  EXPECT_TRUE(patched->environments.at("production").enabled);
  ASSERT_EQ(patched->environments.at("development").strategies.size(), 1u);
  EXPECT_EQ(patched->environments.at("development").strategies[0].name, "userWithId");
  auto bad = service_.PatchFeature(
      kAuthor, "checkout",
      core::Json::parse(
          R"({"environments": {"production": {"strategies": [{"name": "flexibleRollout",
                       "parameters": {"rollout": "150", "stickiness": "default"}}]}}})"),
      {});
  EXPECT_EQ(bad.status().field(), "environments.production.strategies[0].parameters.rollout")
      << bad.status().ToString();
  EXPECT_EQ(service_.PatchFeature(kAuthor, "checkout", core::Json::array(), {}).status().field(),
            "body");
}

TEST_F(FlagServiceTest, SegmentsInUseCannotBeDeleted) {
  auto segment =
      service_.CreateSegment(kAuthor, core::Json::parse(R"({"name": "beta", "constraints": [
          {"contextName": "userId", "operator": "IN", "values": ["u1"]}]})"));
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_EQ(segment->segment.id, 1);
  core::Json body = Checkout();
  body["environments"]["production"]["strategies"] =
      core::Json::parse(R"([{"name": "default", "segments": [1]}])");
  body["environments"]["production"]["enabled"] = true;
  ASSERT_TRUE(service_.CreateFeature(kAuthor, body).ok());
  Context u1, u2;
  u1.user_id = "u1";
  u2.user_id = "u2";
  EXPECT_TRUE(On("checkout", "production", u1));
  EXPECT_FALSE(On("checkout", "production", u2));
  core::Status in_use = service_.DeleteSegment(kAuthor, 1, std::nullopt);
  EXPECT_EQ(in_use.code(), core::StatusCode::kConflict);
  EXPECT_NE(in_use.message().find("checkout (production)"), std::string::npos) << in_use.message();
  // Changing the segment changes evaluation everywhere it is used.
  auto replaced =
      service_.ReplaceSegment(kAuthor, 1, core::Json::parse(R"({"name": "beta", "constraints": [
          {"contextName": "userId", "operator": "IN", "values": ["u2"]}]})"),
                              1);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_TRUE(On("checkout", "production", u2));
  EXPECT_EQ(
      service_.ReplaceSegment(kAuthor, 1, core::Json::parse(R"({"name": "x"})"), 1).status().code(),
      core::StatusCode::kConflict);
  auto bad = service_.CreateSegment(kAuthor, core::Json::parse(R"({"name": "b", "constraints": [
      {"contextName": "userId", "operator": "NUM_GT", "value": "abc"}]})"));
  EXPECT_EQ(bad.status().field(), "constraints[0].value") << bad.status().ToString();
  ASSERT_TRUE(service_
                  .SetStrategies(kAuthor, "checkout", "production",
                                 core::Json::parse(R"({"strategies": []})"), {})
                  .ok());
  EXPECT_TRUE(service_.DeleteSegment(kAuthor, 1, 2).ok());
  EXPECT_EQ(service_.GetSegment(1).status().code(), core::StatusCode::kNotFound);
}

TEST_F(FlagServiceTest, ParentsCannotBeDeletedWhileDependedOn) {
  ASSERT_TRUE(service_.CreateFeature(kAuthor, Checkout()).ok());
  ASSERT_TRUE(service_
                  .CreateFeature(kAuthor, core::Json::parse(R"({"name": "child",
      "dependencies": [{"feature": "checkout"}]})"))
                  .ok());
  core::Status s = service_.DeleteFeature(kAuthor, "checkout", std::nullopt);
  EXPECT_EQ(s.code(), core::StatusCode::kConflict);
  EXPECT_NE(s.message().find("child"), std::string::npos);
  ASSERT_TRUE(service_.DeleteFeature(kAuthor, "child", 1).ok());
  ASSERT_TRUE(service_.DeleteFeature(kAuthor, "checkout", std::nullopt).ok());
  EXPECT_TRUE(registry_.Get("production")->features.features.empty());
  EXPECT_EQ(service_.GetFeature("checkout").status().code(), core::StatusCode::kNotFound);
}

const char* kExportFile = R"({"version": 2,
  "features": [
    {"name": "a", "type": "release", "project": "default", "enabled": true, "stale": false,
     "impressionData": false, "description": "A",
     "strategies": [{"name": "flexibleRollout", "constraints": [],
                     "parameters": {"rollout": "37", "stickiness": "default", "groupId": "a"},
                     "segments": [3], "variants": [], "sortOrder": 1},
                    {"name": "default", "disabled": true, "constraints": [], "parameters": {},
                     "variants": []}],
     "variants": [{"name": "blue", "weight": 1000, "weightType": "variable",
                   "stickiness": "default", "payload": {"type": "string", "value": "b"},
                   "overrides": []}],
     "dependencies": []},
    {"name": "b", "type": "kill-switch", "project": "default", "enabled": false, "stale": false,
     "impressionData": true, "strategies": [], "variants": [],
     "dependencies": [{"feature": "a", "enabled": true, "variants": ["blue"]}]}
  ],
  "segments": [{"id": 3, "name": "s3", "constraints": [
     {"contextName": "appName", "operator": "IN", "values": ["web"], "caseInsensitive": false,
      "inverted": false}]}]})";

TEST_F(FlagServiceTest, ImportExportRoundTripAndReimportIsANoOp) {
  auto result = service_.Import(kAuthor, "development", core::Json::parse(kExportFile));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->changed_features, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(result->changed_segments, (std::vector<int64_t>{3}));
  const int64_t revision = Revision("development");
  EXPECT_GT(revision, 0);
  auto exported = service_.Export("development");
  ASSERT_TRUE(exported.ok());
  // Equal as parsed definitions (the reference is the imported file itself).
  EXPECT_EQ(*ParseClientFeatures(*exported), *ParseClientFeatures(core::Json::parse(kExportFile)));
  EXPECT_FALSE(service_.Export("production")->at("features")[0]["enabled"].get<bool>());
  auto again = service_.Import(kAuthor, "development", *exported);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->changed_features.empty());
  EXPECT_TRUE(again->changed_segments.empty());
  EXPECT_EQ(Revision("development"), revision);
  EXPECT_EQ(service_.Export("staging").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(service_.Import(kAuthor, "staging", *exported).status().code(),
            core::StatusCode::kNotFound);
}

TEST_F(FlagServiceTest, ImportErrorsNameTheFieldAndChangeNothing) {
  core::Json file = core::Json::parse(kExportFile);
  file["features"][1]["strategies"] = core::Json::parse(
      R"([{"name": "default"}, {"name": "default", "constraints": [
           {"contextName": "x", "operator": "BETWEEN", "values": []}]}])");
  auto s = service_.Import(kAuthor, "development", file);
  EXPECT_EQ(s.status().field(), "features[1].strategies[1].constraints[0].operator")
      << s.status().ToString();
  core::Json missing_segment = core::Json::parse(kExportFile);
  missing_segment["segments"] = core::Json::array();
  EXPECT_EQ(service_.Import(kAuthor, "development", missing_segment).status().field(),
            "features[0].strategies[0].segments[0]");
  EXPECT_TRUE(service_.ListFeatures()->empty());
  EXPECT_EQ(Revision("development"), 0);
}

TEST_F(FlagServiceTest, FlagsFileImportsIntoEveryEnvironment) {
  const std::string path =
      ::testing::TempDir() + "/flags_file_test_" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << kExportFile;
  ASSERT_TRUE(ImportFlagsFile(service_, path).ok());
  EXPECT_TRUE(registry_.Get("development")->features.features[0].enabled);
  EXPECT_TRUE(registry_.Get("production")->features.features[0].enabled);
  EXPECT_EQ(service_.GetFeature("a")->definition.project, "default");
  // Restarting with the same file changes nothing.
  const int64_t revision = Revision("production");
  ASSERT_TRUE(ImportFlagsFile(service_, path).ok());
  EXPECT_EQ(Revision("production"), revision);
  std::ofstream(path) << R"({"version": 2, "features": [{"name": "x", "enabled": "yes"}]})";
  core::Status bad = ImportFlagsFile(service_, path);
  EXPECT_EQ(bad.field(), "features[0].enabled");
  EXPECT_NE(bad.message().find(path), std::string::npos) << bad.message();
  EXPECT_FALSE(ImportFlagsFile(service_, path + ".missing").ok());
}

TEST_F(FlagServiceTest, ClientMetricsAreValidatedAndSummedPerHour) {
  ASSERT_TRUE(service_.CreateFeature(kAuthor, Checkout()).ok());
  FlagMetrics metrics(db_.db(), clock_);
  const core::Json report = core::Json::parse(R"({"appName": "web", "instanceId": "i1",
      "bucket": {"start": "2026-11-25T10:15:00Z", "stop": "2026-11-25T10:16:00Z",
                 "toggles": {"checkout": {"yes": 3, "no": 1, "variants": {"blue": 2}}}}})");
  ASSERT_TRUE(metrics.RecordClientMetrics("development", report).ok());
  ASSERT_TRUE(metrics.RecordClientMetrics("development", report).ok());
  auto stored = metrics.FeatureMetrics("checkout", std::nullopt);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ((*stored)["items"].size(), 1u);
  const core::Json& item = (*stored)["items"][0];
  EXPECT_EQ(item["hour"], "2026-11-25T10:00:00.000Z");
  EXPECT_EQ(item["yes"], 6);
  EXPECT_EQ(item["no"], 2);
  EXPECT_EQ(item["variants"]["blue"], 4);
  EXPECT_EQ(item["appName"], "web");
  core::Json negative = report;
  negative["bucket"]["toggles"]["checkout"]["yes"] = -1;
  EXPECT_EQ(metrics.RecordClientMetrics("development", negative).field(),
            "bucket.toggles.checkout.yes");
  core::Json no_start = report;
  no_start["bucket"].erase("start");
  EXPECT_EQ(metrics.RecordClientMetrics("development", no_start).field(), "bucket.start");
  EXPECT_EQ(metrics.FeatureMetrics("nope", std::nullopt).status().code(),
            core::StatusCode::kNotFound);
  EXPECT_TRUE(
      metrics
          .RecordClientRegistration(
              "development",
              core::Json::parse(
                  R"({"appName": "web", "instanceId": "i1", "sdkVersion": "unleash-client-node:6.12.1",
          "strategies": ["default"], "started": "2026-11-25T10:00:00Z", "interval": 15000})"))
          .ok());
  EXPECT_EQ(
      metrics
          .RecordClientRegistration(
              "development",
              core::Json::parse(R"({"appName": "web", "instanceId": "i1", "strategies": [1]})"))
          .field(),
      "strategies[0]");
}

}  // namespace
}  // namespace gov::flags
