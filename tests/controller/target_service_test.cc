// TargetService: validation that names the field, optimistic concurrency, the audit trail,
// config-file targets next to API targets, push validation and the pull (KEDA) view.

#include "controller/target_service.h"

#include <gtest/gtest.h>

#include "store/audit_repository.h"
#include "tests/controller/control_loop_test_util.h"

namespace gov::controller::testing {
namespace {

class TargetServiceTest : public LoopFixture {
 protected:
  std::vector<store::AuditEntry> Audit() {
    auto tx = db().Begin(store::TxMode::kReadOnly);
    auto page = store::AuditRepository::List(**tx, store::PageRequest{100, ""}, "targets/");
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->items : std::vector<store::AuditEntry>{};
  }
  const store::AuditActor ctx_{"alice", "req-1"};
};

TEST_F(TargetServiceTest, ValidationErrorsNameTheField) {
  struct Case {
    std::function<void(core::Json&)> edit;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](core::Json& t) { t["maxReplicas"] = 0; }, "maxReplicas"},
      {[](core::Json& t) { t["minReplicas"] = 10, t["maxReplicas"] = 5; }, "maxReplicas"},
      {[](core::Json& t) {
         t["behavior"] = {
             {"scaleUp", {{"policies", {{{"type", "Pods"}, {"value", 4}, {"periodSeconds", 0}}}}}}};
       },
       "behavior.scaleUp.policies[0].periodSeconds"},
      {[](core::Json& t) { t["metrics"][1]["type"] = "Bogus"; }, "metrics[1].type"},
      {[](core::Json& t) { t["name"] = "no spaces"; }, "name"},
      {[](core::Json& t) { t.erase("hook"); }, "hook"},
      {[](core::Json& t) { t["colour"] = "red"; }, "colour"},
  };
  for (const Case& c : cases) {
    core::Json target = WebTarget();
    c.edit(target);
    auto created = service().Create(ctx_, target);
    ASSERT_FALSE(created.ok()) << target.dump();
    EXPECT_EQ(created.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(created.status().field(), c.field) << created.status().ToString();
  }
  // A dry run may go without a hook.
  core::Json dry = WebTarget("dry", "dryRun");
  dry.erase("hook");
  EXPECT_TRUE(service().Create(ctx_, dry).ok());
}

TEST_F(TargetServiceTest, TheHookValidatorSeesTheHookWithItsPath) {
  TargetService checked(db(), clock_, push_, [](const core::Json& hook, const std::string& path) {
    if (hook.contains("webhook") && hook["webhook"].contains("url")) return core::Status::Ok();
    return core::InvalidArgument("is required", path + ".webhook.url");
  });
  core::Json target = WebTarget();
  target["hook"] = {{"webhook", core::Json::object()}};
  auto created = checked.Create(ctx_, target);
  EXPECT_EQ(created.status().field(), "hook.webhook.url");
  EXPECT_TRUE(checked.Create(ctx_, WebTarget()).ok());
}

TEST_F(TargetServiceTest, CreateReplaceDeleteAreVersionedAndAudited) {
  auto created = service().Create(ctx_, WebTarget());
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->record.version, 1);
  EXPECT_EQ(created->record.source, "api");
  EXPECT_EQ(service().Create(ctx_, WebTarget()).status().code(), core::StatusCode::kAlreadyExists);

  core::Json changed = WebTarget();
  changed["maxReplicas"] = 20;
  changed.erase("name");  // taken from the URL
  auto replaced = service().Replace(ctx_, "web", changed, 1);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(replaced->record.version, 2);
  EXPECT_EQ(core::ParseJson(replaced->record.spec_json)->at("maxReplicas"), 20);
  EXPECT_EQ(service().Replace(ctx_, "web", changed, 1).status().code(),
            core::StatusCode::kConflict);
  changed["name"] = "other";
  EXPECT_EQ(service().Replace(ctx_, "web", changed, std::nullopt).status().field(), "name");
  EXPECT_EQ(service().Replace(ctx_, "nope", WebTarget("nope"), std::nullopt).status().code(),
            core::StatusCode::kNotFound);
  EXPECT_EQ(service().Replace(ctx_, "nope", core::Json::object(), std::nullopt).status().code(),
            core::StatusCode::kNotFound)
      << "an unknown target's answer is 404 whatever the body says";
  core::Json invalid = WebTarget();
  invalid["maxReplicas"] = -1;
  EXPECT_EQ(service().Replace(ctx_, "web", invalid, std::nullopt).status().field(), "maxReplicas");

  EXPECT_EQ(service().Delete(ctx_, "web", 1).code(), core::StatusCode::kConflict);
  ASSERT_TRUE(service().Delete(ctx_, "web", 2).ok());
  EXPECT_EQ(service().Get("web").status().code(), core::StatusCode::kNotFound);

  auto audit = Audit();
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[0].action, "target.delete");
  EXPECT_EQ(audit[1].action, "target.update");
  EXPECT_EQ(audit[2].action, "target.create");
  EXPECT_EQ(audit[2].actor, "alice");
  EXPECT_EQ(audit[2].request_id, "req-1");
  EXPECT_EQ(audit[2].resource, "targets/web");
  EXPECT_FALSE(audit[2].before_json.has_value());
  EXPECT_EQ(core::ParseJson(*audit[1].before_json)->at("maxReplicas"), 50);
  EXPECT_EQ(core::ParseJson(*audit[1].after_json)->at("maxReplicas"), 20);
  EXPECT_FALSE(audit[0].after_json.has_value());
}

TEST_F(TargetServiceTest, ConfigTargetsAreUpsertedReadOnlyAndRemovedWithTheFile) {
  ASSERT_TRUE(service().Create(ctx_, WebTarget("api-made")).ok());
  ASSERT_TRUE(service().Create(ctx_, WebTarget("web")).ok());
  const core::Json config = core::Json::array({WebTarget("web"), WebTarget("batch", "dryRun")});
  ASSERT_TRUE(service().SyncConfigTargets(config).ok());
  auto web = service().Get("web");
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(web->record.source, "config") << "the config takes over a same-named API target";
  EXPECT_EQ(service().Get("batch")->record.source, "config");
  EXPECT_EQ(service().Get("api-made")->record.source, "api");
  EXPECT_EQ(service().Replace(ctx_, "web", WebTarget(), std::nullopt).status().code(),
            core::StatusCode::kConflict);
  core::Json invalid = WebTarget();
  invalid["maxReplicas"] = -1;
  EXPECT_EQ(service().Replace(ctx_, "web", invalid, std::nullopt).status().code(),
            core::StatusCode::kConflict)
      << "a config target's answer is 409 whatever the body says";
  EXPECT_EQ(service().Delete(ctx_, "batch", std::nullopt).code(), core::StatusCode::kConflict);
  const size_t audited = Audit().size();

  // The same config again changes nothing and audits nothing.
  ASSERT_TRUE(service().SyncConfigTargets(config).ok());
  EXPECT_EQ(Audit().size(), audited);
  EXPECT_EQ(service().Get("web")->record.version, web->record.version);

  // A target dropped from the file is deleted; API targets stay.
  ASSERT_TRUE(service().SyncConfigTargets(core::Json::array({WebTarget("web")})).ok());
  EXPECT_EQ(service().Get("batch").status().code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(service().Get("api-made").ok());
  EXPECT_EQ(Audit().front().action, "target.delete");
  EXPECT_EQ(Audit().front().actor, "config");

  core::Json bad = WebTarget("x");
  bad["maxReplicas"] = -1;
  EXPECT_EQ(service().SyncConfigTargets(core::Json::array({WebTarget("a"), bad})).field(),
            "targets[1].maxReplicas");
  EXPECT_EQ(
      service().SyncConfigTargets(core::Json::array({WebTarget("a"), WebTarget("a")})).field(),
      "targets[1].name");
}

TEST_F(TargetServiceTest, PushValidationNamesTheSampleField) {
  core::Json target = WebTarget();
  target["metrics"][1]["source"] = {{"prometheus", {{"query", "sum(rate(x[1m]))"}}}};
  ASSERT_TRUE(service().Create(ctx_, target).ok());
  struct Case {
    core::Json body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {core::Json::object(), "samples"},
      {{{"samples", core::Json::array()}}, "samples"},
      {{{"samples", "x"}}, "samples"},
      {{{"samples", {{{"metric", "cpu"}, {"value", 1}}, {{"metric", "mem"}, {"value", 1}}}}},
       "samples[1].metric"},
      {{{"samples", {{{"metric", "rps"}, {"value", 1}}}}}, "samples[0].metric"},
      {{{"samples",
         {{{"metric", "cpu"}, {"value", 1}},
          {{"metric", "cpu"}, {"value", 2}},
          {{"metric", "cpu"}, {"value", -3}}}}},
       "samples[2].value"},
      {{{"samples", {{{"metric", "cpu"}, {"value", "83"}}}}}, "samples[0].value"},
      {{{"samples", {{{"metric", "cpu"}, {"value", 1}, {"timestamp", "yesterday"}}}}},
       "samples[0].timestamp"},
      {{{"samples", {{{"metric", "cpu"}, {"value", 1}, {"timestamp", 1'700'000'061}}}}},
       "samples[0].timestamp"},
      {{{"samples", {{{"metric", "cpu"}, {"value", 1}, {"instance", 7}}}}}, "samples[0].instance"},
      {{{"samples", {{{"metric", "cpu"}, {"value", 1}, {"extra", 7}}}}}, "samples[0].extra"},
  };
  for (const Case& c : cases) {
    auto pushed = service().PushMetrics("web", c.body);
    ASSERT_FALSE(pushed.ok()) << c.body.dump();
    EXPECT_EQ(pushed.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(pushed.status().field(), c.field) << pushed.status().ToString();
  }
  EXPECT_EQ(service()
                .PushMetrics("nope", {{"samples", {{{"metric", "cpu"}, {"value", 1}}}}})
                .status()
                .code(),
            core::StatusCode::kNotFound);
  auto ok = service().PushMetrics(
      "web", {{"samples",
               {{{"metric", "cpu"}, {"value", 83.5}, {"instance", "pod-1"}},
                {{"metric", "cpu"}, {"value", 60}, {"timestamp", 1'700'000'000 - 5}},
                {{"metric", "cpu"},
                 {"value", 40},
                 {"timestamp", "2023-11-14T22:13:10Z"},
                 {"instance", "pod-3"}}}}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, 3u);
  PushedReading r = push_.Read("web", "cpu", std::chrono::seconds(30), clock_.Now());
  EXPECT_EQ(r.instances, 3);
  EXPECT_DOUBLE_EQ(*r.value, (83.5 + 60 + 40) / 3);
}

TEST_F(TargetServiceTest, ScaleServesTheLastDecisionOnlyInActiveMode) {
  core::Json pull = WebTarget("pulled");
  pull["hook"] = {{"pull", core::Json::object()}};
  ASSERT_TRUE(service().Create(ctx_, pull).ok());
  ASSERT_TRUE(service().Create(ctx_, WebTarget("shadow", "dryRun")).ok());
  EXPECT_EQ(service().Scale("pulled").status().code(), core::StatusCode::kUnavailable);
  const int64_t epoch = Lead();
  Push("pulled", {{"cpu", 140}, {"rps", 1000}});
  Sync(epoch);
  auto view = service().Scale("pulled");
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  core::Json j = ScaleViewToJson(*view);
  EXPECT_EQ(j["desiredReplicas"], 6);
  EXPECT_EQ(j["currentReplicas"], 6);
  EXPECT_EQ(j["decisionId"], Latest("pulled")["id"]);
  EXPECT_EQ(j["mode"], "active");
  EXPECT_EQ(service().Scale("shadow").status().code(), core::StatusCode::kConflict);
  EXPECT_EQ(service().Scale("none").status().code(), core::StatusCode::kNotFound);

  auto details = service().Get("pulled");
  ASSERT_TRUE(details.ok());
  core::Json status = TargetDetailsToJson(*details)["status"];
  EXPECT_EQ(status["replicas"], 6);
  EXPECT_EQ(status["desiredReplicas"], 6);
  EXPECT_EQ(status["epoch"], epoch);
  EXPECT_EQ(status["lastDecision"]["id"], j["decisionId"]);
  EXPECT_EQ(status["conditions"][0]["reason"], "SucceededRescale");
  EXPECT_EQ(status["conditions"][1]["reason"], "ValidMetricFound");
  auto list = service().List(store::PageRequest{1, ""});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].record.name, "pulled");
  EXPECT_EQ(list->next_cursor, "pulled");
}

}  // namespace
}  // namespace gov::controller::testing
