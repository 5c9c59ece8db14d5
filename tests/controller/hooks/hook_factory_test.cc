#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/hooks/hook.h"
#include "tests/controller/hooks/hook_test_util.h"

namespace gov::controller {
namespace {

using ::testing::HasSubstr;

struct Env : testing::TestHookEnv {
  Env() { vars["GOV_SECRET"] = "s"; }
};

TEST(MakeHookTest, BuildsEachKind) {
  Env env;
  const std::vector<std::pair<std::string, std::string>> rows = {
      {R"({"webhook":{"url":"https://h/scale","secretEnv":"GOV_SECRET"}})", "webhook"},
      {R"({"kubernetes":{"namespace":"shop","name":"web","apiServer":"https://k:6443"}})",
       "kubernetes"},
      {R"({"awsAsg":{"groupName":"web-asg","region":"eu-west-1"}})", "aws-asg"},
      {R"({"exec":{"command":["/usr/local/bin/scale"]}})", "exec"},
      {R"({"pull":{}})", "pull"},
  };
  for (const auto& [json, kind] : rows) {
    auto hook = MakeHook(core::Json::parse(json), "hook", env.Make());
    ASSERT_TRUE(hook.ok()) << json << ": " << hook.status().ToString();
    EXPECT_EQ((*hook)->kind(), kind);
  }
}

// Current replicas come from the hook where it can read them: kubernetes (status.replicas)
// and aws-asg (DesiredCapacity) read the platform, as their contract tests show. webhook, exec
// and pull cannot: they answer "unknown" without any I/O, and the loop then uses the count
// its last decision recorded (ControlLoopTest, replicasSource "lastDecision").
TEST(MakeHookTest, WebhookExecAndPullCannotReadReplicas) {
  Env env;
  for (const char* json : {R"({"webhook":{"url":"https://h.invalid/scale","secret":"s"}})",
                           R"({"exec":{"command":["/nonexistent/scale"]}})", R"({"pull":{}})"}) {
    auto hook = MakeHook(core::Json::parse(json), "hook", env.Make());
    ASSERT_TRUE(hook.ok()) << json << ": " << hook.status().ToString();
    auto replicas = (*hook)->ReadReplicas();
    ASSERT_TRUE(replicas.ok()) << json;
    EXPECT_EQ(*replicas, std::nullopt) << json;
  }
  EXPECT_TRUE(env.logs.empty());
}

TEST(MakeHookTest, ErrorsNameTheField) {
  Env env;
  struct Row {
    std::string json, field, message;
  };
  const std::vector<Row> rows = {
      {R"({})", "targets[2].hook", "exactly one"},
      {R"([])", "targets[2].hook", "expected a JSON object"},
      {R"({"pull":{},"exec":{"command":["/x"]}})", "targets[2].hook", "exactly one"},
      {R"({"lambda":{}})", "targets[2].hook.lambda", "unknown field"},
      {R"({"webhook":"https://h"})", "targets[2].hook.webhook", "expected an object"},
      {R"({"webhook":{"secret":"s"}})", "targets[2].hook.webhook.url", "is required"},
      {R"({"pull":{"interval":5}})", "targets[2].hook.pull.interval", "unknown field"},
  };
  for (const auto& row : rows) {
    auto hook = MakeHook(core::Json::parse(row.json), "targets[2].hook", env.Make());
    ASSERT_FALSE(hook.ok()) << row.json;
    EXPECT_EQ(hook.status().code(), core::StatusCode::kInvalidArgument) << row.json;
    EXPECT_EQ(hook.status().field(), row.field) << row.json;
    EXPECT_THAT(hook.status().message(), HasSubstr(row.message)) << row.json;
  }
}

TEST(PullHookTest, ScaleSucceedsWithoutIoAndReadsNothing) {
  Env env;
  auto hook = MakeHook(core::Json::parse(R"({"pull":{}})"), "hook", env.Make());
  ASSERT_TRUE(hook.ok());
  ScaleRequest r;
  r.target = "web";
  r.from_replicas = 1;
  r.to_replicas = 2;
  r.decision_id = "d-1";
  EXPECT_TRUE((*hook)->Scale(r).ok());
  auto replicas = (*hook)->ReadReplicas();
  ASSERT_TRUE(replicas.ok());
  EXPECT_EQ(*replicas, std::nullopt);
  ASSERT_EQ(env.logs.size(), 1u);
  EXPECT_THAT(env.logs[0], HasSubstr("GET /api/v1/targets/web/scale"));
}

TEST(ScaleRequestJsonTest, KeysSortedCompact) {
  ScaleRequest r;
  r.target = "web \"east\"";
  r.from_replicas = 1;
  r.to_replicas = 0;
  r.reason = "ScaleDownStabilized";
  r.decision_id = "d-0";
  r.epoch = 1;
  r.decided_at = core::FromUnixMillis(0);
  EXPECT_EQ(ScaleRequestJson(r),
            R"({"decidedAt":"1970-01-01T00:00:00.000Z","decisionId":"d-0","epoch":1,"from":1,)"
            R"("reason":"ScaleDownStabilized","target":"web \"east\"","to":0})");
}

}  // namespace
}  // namespace gov::controller
