#include "rollouts/templates.h"

#include <gtest/gtest.h>

#include <functional>
#include <variant>

#include "core/time_format.h"
#include "rollouts/plan_json.h"

namespace gov::rollouts {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const core::TimePoint kNow = *core::ParseRfc3339("2026-11-01T00:00:00Z");

TEST(RolloutsStandardTemplate, HasTheThreeClassicTriggers) {
  const ReleasePlanSpec t = StandardTemplate();
  EXPECT_EQ(t.name, "standard");
  EXPECT_TRUE(t.feature.empty());
  ASSERT_EQ(t.guardrails.size(), 3u);
  struct Expected {
    const char* name;
    double above;
    seconds for_duration;
  };
  const Expected expected[] = {
      {"p99", 1.0, minutes(5)}, {"errors", 0.05, minutes(2)}, {"cpu", 0.9, minutes(10)}};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(t.guardrails[i].name, expected[i].name);
    const auto& p = std::get<PrometheusGuardrail>(t.guardrails[i].check);
    EXPECT_EQ(p.comparison, Comparison::kAbove);
    EXPECT_EQ(p.threshold, expected[i].above);
    EXPECT_EQ(p.for_duration, expected[i].for_duration);
    EXPECT_EQ(p.evaluation_interval, seconds(15));
    EXPECT_EQ(p.url, "http://127.0.0.1:9090");
    EXPECT_TRUE(p.query.empty());
  }
  EXPECT_EQ(t.on_breach, OnBreach::kRollback);
  EXPECT_EQ(FindBuiltInTemplate("standard"), t);
  EXPECT_EQ(FindBuiltInTemplate("fast"), std::nullopt);
  // Its JSON reads back as a template.
  core::StatusOr<ReleasePlanSpec> back = ParsePlanTemplate(PlanTemplateToJson(t));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, t);
  EXPECT_FALSE(PlanTemplateToJson(t).contains("feature"));
}

core::Json Request() {
  return {{"template", "standard"},
          {"name", "checkout-v2-prod"},
          {"feature", "checkout-v2"},
          {"environment", "production"},
          {"queries",
           {{"p99", "histogram_quantile(0.99, rate(h[5m]))"},
            {"errors", "sum(rate(e[1m])) / sum(rate(r[1m]))"},
            {"cpu", "avg(rate(cpu[1m]))"}}}};
}

TEST(RolloutsPlanFromTemplate, FillsInTheQueries) {
  core::StatusOr<std::optional<std::string>> name = RequestedTemplate(Request());
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, "standard");
  core::StatusOr<ReleasePlanSpec> plan = PlanFromTemplate(StandardTemplate(), Request(), kNow);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->name, "checkout-v2-prod");
  EXPECT_EQ(plan->feature, "checkout-v2");
  EXPECT_EQ(plan->environment, "production");
  EXPECT_EQ(plan->milestones, StandardTemplate().milestones);
  EXPECT_EQ(std::get<PrometheusGuardrail>(plan->guardrails[2].check).query, "avg(rate(cpu[1m]))");
  EXPECT_EQ(std::get<PrometheusGuardrail>(plan->guardrails[2].check).threshold, 0.9);
}

TEST(RolloutsPlanFromTemplate, OverridesAndUrl) {
  core::Json body = Request();
  body["milestones"] = {{{"rollout", 5}, {"advanceAfterSeconds", 60}}, {{"rollout", 100}}};
  body["onBreach"] = "pause";
  body["stickiness"] = "userId";
  body["prometheusUrl"] = "http://prometheus:9090";
  core::StatusOr<ReleasePlanSpec> plan = PlanFromTemplate(StandardTemplate(), body, kNow);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->milestones.size(), 2u);
  EXPECT_EQ(plan->on_breach, OnBreach::kPause);
  EXPECT_EQ(plan->stickiness, "userId");
  for (const Guardrail& g : plan->guardrails) {
    EXPECT_EQ(std::get<PrometheusGuardrail>(g.check).url, "http://prometheus:9090");
  }
}

TEST(RolloutsPlanFromTemplate, ErrorsNameTheField) {
  struct Case {
    const char* name;
    std::function<void(core::Json&)> change;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"missing query", [](core::Json& j) { j["queries"].erase("cpu"); }, "queries.cpu"},
      {"no queries", [](core::Json& j) { j.erase("queries"); }, "queries.p99"},
      {"unknown guardrail", [](core::Json& j) { j["queries"]["latency"] = "x"; },
       "queries.latency"},
      {"empty query", [](core::Json& j) { j["queries"]["errors"] = ""; }, "queries.errors"},
      {"non-string query", [](core::Json& j) { j["queries"]["errors"] = 3; }, "queries.errors"},
      {"missing feature", [](core::Json& j) { j.erase("feature"); }, "feature"},
      {"bad override",
       [](core::Json& j) {
         j["milestones"] = {{{"rollout", 500}}};
       },
       "milestones[0].rollout"},
      {"bad url", [](core::Json& j) { j["prometheusUrl"] = "prometheus:9090"; }, "prometheusUrl"},
      {"guardrails are the template's",
       [](core::Json& j) { j["guardrails"] = core::Json::array(); }, "guardrails"},
  };
  for (const Case& c : cases) {
    core::Json body = Request();
    c.change(body);
    core::StatusOr<ReleasePlanSpec> plan = PlanFromTemplate(StandardTemplate(), body, kNow);
    ASSERT_FALSE(plan.ok()) << c.name;
    EXPECT_EQ(plan.status().code(), core::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(plan.status().field(), c.field) << c.name << ": " << plan.status().ToString();
  }
}

TEST(RolloutsPlanFromTemplate, RequestedTemplate) {
  core::StatusOr<std::optional<std::string>> none = RequestedTemplate({{"name", "x"}});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, std::nullopt);
  EXPECT_EQ(RequestedTemplate({{"template", 3}}).status().field(), "template");
}

TEST(RolloutsPlanTemplate, UserTemplatesParseWithoutTargetAndQueries) {
  const core::Json body = core::Json::parse(R"({"name": "canary",
    "milestones": [{"rollout": 5, "advanceAfterSeconds": 300}, {"rollout": 100}],
    "guardrails": [{"name": "errors", "prometheus": {"above": 0.01}}]})");
  core::StatusOr<ReleasePlanSpec> t = ParsePlanTemplate(body);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(std::get<PrometheusGuardrail>(t->guardrails[0].check).query.empty());
  core::Json with_feature = body;
  with_feature["feature"] = "x";
  EXPECT_EQ(ParsePlanTemplate(with_feature).status().field(), "feature");
  core::StatusOr<ReleasePlanSpec> plan = PlanFromTemplate(*t,
                                                          {{"template", "canary"},
                                                           {"name", "p"},
                                                           {"feature", "f"},
                                                           {"environment", "e"},
                                                           {"queries", {{"errors", "q"}}}},
                                                          kNow);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->milestones, t->milestones);
}

}  // namespace
}  // namespace gov::rollouts
