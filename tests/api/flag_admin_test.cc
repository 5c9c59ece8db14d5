// The flags admin API over HTTP: every route, its errors (with field names), ETag/If-Match,
// auth, and that changes reach app::GovernorServer::flag_snapshots().

#include <gtest/gtest.h>

#include "tests/api/test_server.h"

namespace gov::api::testing {
namespace {

core::Json Body(const httplib::Result& res) { return core::Json::parse(res->body); }

class FlagAdminTest : public ::testing::Test {
 protected:
  httplib::Result Post(const std::string& path, const core::Json& body,
                       httplib::Headers headers = TestServer::Admin()) {
    return ts_.Client()->Post(path, headers, body.dump(), "application/json");
  }
  httplib::Result Put(const std::string& path, const core::Json& body,
                      httplib::Headers headers = TestServer::Admin()) {
    return ts_.Client()->Put(path, headers, body.dump(), "application/json");
  }
  httplib::Result Patch(const std::string& path, const core::Json& body,
                        httplib::Headers headers = TestServer::Admin()) {
    return ts_.Client()->Patch(path, headers, body.dump(), "application/json");
  }
  httplib::Result Get(const std::string& path) {
    return ts_.Client()->Get(path, TestServer::Admin());
  }
  static httplib::Headers IfMatch(const std::string& v) {
    auto h = TestServer::Admin();
    h.emplace("If-Match", v);
    return h;
  }
  static void ExpectError(const httplib::Result& res, int status, const std::string& field) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    if (!field.empty()) {
      EXPECT_EQ(Body(res)["error"]["field"], field) << res->body;
    }
  }
  int64_t Revision(const std::string& env) {
    auto s = ts_.server().flag_snapshots().Get(env);
    return s ? s->revision : -1;
  }

  TestServer ts_;
};

const char* kFlag = R"({"name": "checkout", "type": "release", "description": "d",
  "environments": {"development": {"enabled": true,
    "strategies": [{"name": "flexibleRollout",
                    "parameters": {"rollout": "50", "stickiness": "default", "groupId": "g"}}]}}})";

TEST_F(FlagAdminTest, CreateGetListWithEtag) {
  auto created = Post("/api/v1/flags", core::Json::parse(kFlag));
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(created->get_header_value("ETag"), "\"1\"");
  EXPECT_EQ(created->get_header_value("Location"), "/api/v1/flags/checkout");
  EXPECT_EQ(Body(created)["environments"]["production"]["enabled"], false);
  auto got = Get("/api/v1/flags/checkout");
  ASSERT_EQ(got->status, 200);
  EXPECT_EQ(got->get_header_value("ETag"), "\"1\"");
  EXPECT_EQ(Body(got)["environments"]["development"]["strategies"][0]["parameters"]["rollout"],
            "50");
  auto list = Get("/api/v1/flags");
  ASSERT_EQ(list->status, 200);
  EXPECT_EQ(Body(list)["items"].size(), 1u);
  EXPECT_EQ(Get("/api/v1/flags/missing")->status, 404);
  EXPECT_EQ(Post("/api/v1/flags", core::Json::parse(kFlag))->status, 409);
  EXPECT_EQ(Revision("development"), 1);
  auto snapshot = ts_.server().flag_snapshots().Get("development");
  ASSERT_EQ(snapshot->features.features.size(), 1u);
  EXPECT_EQ(snapshot->features.features[0].name, "checkout");
}

TEST_F(FlagAdminTest, BadInputNamesTheField) {
  ExpectError(ts_.Client()->Post("/api/v1/flags", TestServer::Admin(), "{", "application/json"),
              400, "body");
  core::Json bad = core::Json::parse(kFlag);
  bad["environments"]["development"]["strategies"][0]["constraints"] =
      core::Json::parse(R"([{"contextName": "userId", "operator": "LIKE", "values": []}])");
  ExpectError(Post("/api/v1/flags", bad), 400,
              "environments.development.strategies[0].constraints[0].operator");
  core::Json no_name = core::Json::parse(kFlag);
  no_name.erase("name");
  ExpectError(Post("/api/v1/flags", no_name), 400, "name");
  core::Json reserved = core::Json::parse(kFlag);
  reserved["name"] = "export";
  ExpectError(Post("/api/v1/flags", reserved), 400, "name");
  ExpectError(Post("/api/v1/segments", core::Json::parse(R"({"constraints": []})")), 400, "name");
  ExpectError(Get("/api/v1/segments/abc"), 400, "id");
}

TEST_F(FlagAdminTest, PutAndPatchHonourIfMatch) {
  ASSERT_EQ(Post("/api/v1/flags", core::Json::parse(kFlag))->status, 201);
  core::Json body = core::Json::parse(kFlag);
  body["description"] = "changed";
  auto put = Put("/api/v1/flags/checkout", body, IfMatch("\"1\""));
  ASSERT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(put->get_header_value("ETag"), "\"2\"");
  ExpectError(Put("/api/v1/flags/checkout", body, IfMatch("\"1\"")), 409, "");
  ExpectError(Put("/api/v1/flags/checkout", body, IfMatch("soon")), 400, "If-Match");
  ExpectError(Put("/api/v1/flags/missing", body), 400, "name");
  auto patch =
      Patch("/api/v1/flags/checkout", core::Json::parse(R"({"stale": true})"), IfMatch("2"));
  ASSERT_EQ(patch->status, 200) << patch->body;
  EXPECT_EQ(Body(patch)["stale"], true);
  EXPECT_EQ(Body(patch)["description"], "changed");
  EXPECT_EQ(Body(patch)["version"], 3);
  ExpectError(
      Patch("/api/v1/flags/checkout", core::Json::parse(R"({"stale": true})"), IfMatch("2")), 409,
      "");
  ExpectError(Patch("/api/v1/flags/checkout", core::Json::parse(R"({"type": "nope"})")), 400,
              "type");
  // The admin JSON always names a type: an empty one is refused rather than dropped.
  ExpectError(Patch("/api/v1/flags/checkout", core::Json::parse(R"({"type": ""})")), 400, "type");
  ExpectError(Patch("/api/v1/flags/missing", core::Json::parse(R"({"stale": true})")), 404, "");
}

TEST_F(FlagAdminTest, OnOffStrategiesAndVariantsPerEnvironment) {
  ASSERT_EQ(Post("/api/v1/flags", core::Json::parse(kFlag))->status, 201);
  auto on = Post("/api/v1/flags/checkout/environments/production/on", core::Json::object());
  ASSERT_EQ(on->status, 200) << on->body;
  EXPECT_EQ(Body(on)["environments"]["production"]["enabled"], true);
  EXPECT_TRUE(ts_.server().flag_snapshots().Get("production")->features.features[0].enabled);
  auto off = ts_.Client()->Post("/api/v1/flags/checkout/environments/production/off", IfMatch("2"),
                                "", "application/json");
  ASSERT_EQ(off->status, 200) << off->body;
  EXPECT_FALSE(ts_.server().flag_snapshots().Get("production")->features.features[0].enabled);
  ExpectError(Post("/api/v1/flags/checkout/environments/staging/on", core::Json::object()), 404,
              "");
  ExpectError(Post("/api/v1/flags/nope/environments/production/on", core::Json::object()), 404, "");

  auto strategies = Put("/api/v1/flags/checkout/environments/production/strategies",
                        core::Json::parse(R"({"strategies": [{"name": "default"}]})"));
  ASSERT_EQ(strategies->status, 200) << strategies->body;
  EXPECT_EQ(Body(strategies)["environments"]["production"]["strategies"][0]["name"], "default");
  ExpectError(Put("/api/v1/flags/checkout/environments/production/strategies",
                  core::Json::parse(R"({"strategies": [{"name": "default"}, {"name": "default",
                    "constraints": [{"contextName": "a", "operator": "XX", "values": []}]}]})")),
              400, "strategies[1].constraints[0].operator");
  ExpectError(Put("/api/v1/flags/checkout/environments/production/strategies",
                  core::Json::parse(R"({"strategies": [{"name": "default", "segments": [9]}]})")),
              400, "strategies[0].segments[0]");

  auto variants = Put("/api/v1/flags/checkout/environments/production/variants",
                      core::Json::parse(R"({"variants": [{"name": "blue", "weight": 1000,
                          "weightType": "variable", "stickiness": "default"}]})"));
  ASSERT_EQ(variants->status, 200) << variants->body;
  EXPECT_EQ(ts_.server().flag_snapshots().Get("production")->features.features[0].variants.size(),
            1u);
  ExpectError(Put("/api/v1/flags/checkout/environments/production/variants",
                  core::Json::parse(
                      R"({"variants": [{"name": "blue", "weight": 1, "weightType": "heavy"}]})")),
              400, "variants[0].weightType");
  ExpectError(Put("/api/v1/flags/checkout/environments/production/variants", core::Json::array()),
              400, "body");
}

TEST_F(FlagAdminTest, SegmentsCrudAndInUseConflict) {
  auto created = Post("/api/v1/segments", core::Json::parse(R"({"name": "beta", "constraints": [
      {"contextName": "userId", "operator": "IN", "values": ["u1"]}]})"));
  ASSERT_EQ(created->status, 201) << created->body;
  const int64_t id = Body(created)["id"];
  const std::string path = "/api/v1/segments/" + std::to_string(id);
  EXPECT_EQ(Get(path)->status, 200);
  EXPECT_EQ(Body(Get("/api/v1/segments"))["items"].size(), 1u);
  auto put = Put(path, core::Json::parse(R"({"name": "beta2", "constraints": []})"), IfMatch("1"));
  ASSERT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(Body(put)["name"], "beta2");
  ExpectError(Put(path, core::Json::parse(R"({"name": "x"})"), IfMatch("1")), 409, "");
  ExpectError(Put(path, core::Json::parse(R"({"name": "x", "constraints": [{"contextName": "n",
      "operator": "NUM_EQ", "value": "one"}]})")),
              400, "constraints[0].value");
  core::Json flag = core::Json::parse(kFlag);
  flag["environments"]["development"]["strategies"][0]["segments"] = {id};
  ASSERT_EQ(Post("/api/v1/flags", flag)->status, 201);
  auto in_use = ts_.Client()->Delete(path, TestServer::Admin());
  ASSERT_EQ(in_use->status, 409);
  EXPECT_NE(Body(in_use)["error"]["message"].get<std::string>().find("checkout (development)"),
            std::string::npos);
  ASSERT_EQ(ts_.Client()->Delete("/api/v1/flags/checkout", TestServer::Admin())->status, 204);
  EXPECT_EQ(ts_.Client()->Delete(path, TestServer::Admin())->status, 204);
  EXPECT_EQ(Get(path)->status, 404);
  EXPECT_EQ(ts_.Client()->Delete("/api/v1/flags/checkout", TestServer::Admin())->status, 404);
}

TEST_F(FlagAdminTest, ImportExportAndMetrics) {
  const core::Json file = core::Json::parse(R"({"version": 2, "features": [
      {"name": "imported", "enabled": true, "strategies": [{"name": "default"}]}],
      "segments": []})");
  ExpectError(Post("/api/v1/flags/import", file), 400, "environment");
  auto imported = Post("/api/v1/flags/import?environment=production", file);
  ASSERT_EQ(imported->status, 200) << imported->body;
  EXPECT_EQ(Body(imported)["changedFeatures"], core::Json::array({"imported"}));
  ExpectError(Post("/api/v1/flags/import?environment=staging", file), 404, "");
  core::Json bad = file;
  bad["features"][0]["strategies"][0]["name"] = "nonsense";
  ExpectError(Post("/api/v1/flags/import?environment=production", bad), 400,
              "features[0].strategies[0].name");
  auto exported = Get("/api/v1/flags/export?environment=production");
  ASSERT_EQ(exported->status, 200);
  EXPECT_EQ(Body(exported)["version"], 2);
  EXPECT_EQ(Body(exported)["features"][0]["name"], "imported");
  EXPECT_EQ(Body(exported)["features"][0]["enabled"], true);
  ExpectError(Get("/api/v1/flags/export"), 400, "environment");
  ExpectError(Get("/api/v1/flags/export?environment=staging"), 404, "");

  ASSERT_TRUE(ts_.server()
                  .flag_metrics()
                  .RecordClientMetrics("production", core::Json::parse(R"({
      "appName": "web", "bucket": {"start": "2026-11-25T10:15:00Z", "stop": "2026-11-25T10:16:00Z",
      "toggles": {"imported": {"yes": 5, "no": 2}}}})"))
                  .ok());
  auto metrics = Get("/api/v1/flags/imported/metrics?environment=production");
  ASSERT_EQ(metrics->status, 200);
  EXPECT_EQ(Body(metrics)["items"][0]["yes"], 5);
  EXPECT_EQ(Body(metrics)["items"][0]["hour"], "2026-11-25T10:00:00.000Z");
  EXPECT_EQ(Body(Get("/api/v1/flags/imported/metrics?environment=development"))["items"].size(),
            0u);
  EXPECT_EQ(Get("/api/v1/flags/nope/metrics")->status, 404);
}

TEST_F(FlagAdminTest, OnlyAdminTokensReachTheFlagsAdminApi) {
  const std::string client = ts_.CreateToken("client", "c")["secret"];
  EXPECT_EQ(ts_.Client()->Get("/api/v1/flags")->status, 401);
  EXPECT_EQ(ts_.Client()->Get("/api/v1/flags", TestServer::Bearer(client))->status, 403);
  EXPECT_EQ(Post("/api/v1/flags", core::Json::parse(kFlag), TestServer::Bearer(client))->status,
            403);
  EXPECT_EQ(ts_.Client()->Get("/api/v1/segments", TestServer::Bearer(client))->status, 403);
}

TEST_F(FlagAdminTest, ChangesAreAudited) {
  ASSERT_EQ(Post("/api/v1/flags", core::Json::parse(kFlag))->status, 201);
  ASSERT_EQ(Post("/api/v1/flags/checkout/environments/production/on", core::Json::object())->status,
            200);
  auto audit = Get("/api/v1/audit?resource=flags/checkout");
  ASSERT_EQ(audit->status, 200);
  const core::Json items = Body(audit)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["action"], "flag.enable");
  EXPECT_EQ(items[0]["before"]["environments"]["production"]["enabled"], false);
  EXPECT_EQ(items[0]["after"]["environments"]["production"]["enabled"], true);
  EXPECT_EQ(items[1]["action"], "flag.create");
  EXPECT_FALSE(items[1]["requestId"].get<std::string>().empty());
}

}  // namespace
}  // namespace gov::api::testing
