#include "controller/target_spec.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/yaml_json.h"

namespace gov::controller {
namespace {

std::string SourceDir() {
  const char* dir = std::getenv("GOVERNOR_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

core::Json Yaml(const std::string& text) {
  core::StatusOr<core::Json> j = core::YamlToJson(text);
  EXPECT_TRUE(j.ok()) << j.status().ToString();
  return j.ok() ? *j : core::Json();
}

constexpr const char* kMinimal = R"(
name: api
maxReplicas: 10
metrics:
  - {name: cpu, type: Utilization, target: 70, source: push}
)";

TEST(TargetSpecTest, ParsesTheReferenceExample) {
  core::StatusOr<core::Json> doc = core::LoadYamlFile(SourceDir() + "/config/examples/web.yaml");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  core::StatusOr<TargetSpec> spec = ParseTargetSpec((*doc)["targets"][0], "targets[0]");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "web");
  EXPECT_EQ(spec->min_replicas, 3);
  EXPECT_EQ(spec->max_replicas, 50);
  EXPECT_EQ(spec->sync_period_seconds, 15);
  EXPECT_DOUBLE_EQ(spec->tolerance, 0.1);
  EXPECT_EQ(spec->mode, TargetMode::kDryRun);
  ASSERT_EQ(spec->metrics.size(), 3u);
  EXPECT_EQ(spec->metrics[0].name, "cpu");
  EXPECT_EQ(spec->metrics[0].type, MetricType::kUtilization);
  EXPECT_DOUBLE_EQ(spec->metrics[0].target, 70);
  ASSERT_TRUE(spec->metrics[0].source.prometheus.has_value());
  EXPECT_EQ(spec->metrics[0].source.prometheus->query,
            "avg(rate(container_cpu_usage_seconds_total{app=\"web\"}[1m])) * 100");
  EXPECT_EQ(spec->metrics[1].name, "memory");
  EXPECT_DOUBLE_EQ(spec->metrics[1].target, 80);
  EXPECT_FALSE(spec->metrics[1].source.prometheus.has_value());
  EXPECT_EQ(spec->metrics[2].type, MetricType::kAverageValue);
  EXPECT_DOUBLE_EQ(spec->metrics[2].target, 1000);
  // The example spells out HPA's defaults, so it equals the defaults.
  EXPECT_EQ(spec->behavior, DefaultBehavior());
  EXPECT_EQ(spec->cooldown.scale_up_seconds, 60);
  EXPECT_EQ(spec->cooldown.scale_down_seconds, 300);
  EXPECT_EQ(spec->hook["webhook"]["url"], "http://127.0.0.1:9000/scale");
  EXPECT_EQ(spec->hook["webhook"]["secretEnv"], "GOVERNOR_WEBHOOK_SECRET");
}

TEST(TargetSpecTest, FillsDefaults) {
  core::StatusOr<TargetSpec> spec = ParseTargetSpec(Yaml(kMinimal), "target");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->min_replicas, 1);  // HPA's minReplicas default
  EXPECT_EQ(spec->sync_period_seconds, 15);
  EXPECT_DOUBLE_EQ(spec->tolerance, 0.1);  // HPA's --horizontal-pod-autoscaler-tolerance default
  EXPECT_EQ(spec->metric_max_age_seconds, 45);
  EXPECT_EQ(spec->mode, TargetMode::kActive);
  EXPECT_EQ(spec->behavior, DefaultBehavior());
  EXPECT_EQ(spec->cooldown, Cooldown{});
  EXPECT_TRUE(spec->hook.is_null());
}

TEST(TargetSpecTest, RoundTrips) {
  core::StatusOr<core::Json> doc = core::LoadYamlFile(SourceDir() + "/config/examples/web.yaml");
  ASSERT_TRUE(doc.ok());
  for (const core::Json& json : {(*doc)["targets"][0], Yaml(kMinimal)}) {
    core::StatusOr<TargetSpec> spec = ParseTargetSpec(json, "target");
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    core::StatusOr<TargetSpec> again = ParseTargetSpec(TargetSpecToJson(*spec), "target");
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(*again, *spec);
  }
}

TEST(TargetSpecTest, ErrorsNameTheField) {
  struct Row {
    std::string yaml;  // replaces the whole target
    std::string field;
  };
  const std::string metric = "metrics: [{name: cpu, type: Utilization, target: 70, source: push}]";
  const std::vector<Row> rows = {
      {"maxReplicas: 5\n" + metric, "targets[0].name"},
      {"name: 'web app'\nmaxReplicas: 5\n" + metric, "targets[0].name"},
      {"name: web\n" + metric, "targets[0].maxReplicas"},
      {"name: web\nminReplicas: 0\nmaxReplicas: 5\n" + metric, "targets[0].minReplicas"},
      {"name: web\nminReplicas: 6\nmaxReplicas: 5\n" + metric, "targets[0].maxReplicas"},
      {"name: web\nmaxReplicas: 0\n" + metric, "targets[0].maxReplicas"},
      {"name: web\nmaxReplicas: 2.5\n" + metric, "targets[0].maxReplicas"},
      {"name: web\nmaxReplicas: 5\ntolerance: -0.1\n" + metric, "targets[0].tolerance"},
      {"name: web\nmaxReplicas: 5\nsyncPeriodSeconds: 0\n" + metric,
       "targets[0].syncPeriodSeconds"},
      {"name: web\nmaxReplicas: 5\nmode: paused\n" + metric, "targets[0].mode"},
      {"name: web\nmaxReplicas: 5\n", "targets[0].metrics"},
      {"name: web\nmaxReplicas: 5\nmetrics: []", "targets[0].metrics"},
      {"name: web\nmaxReplicas: 5\nmetrics: [{name: cpu, type: Utilization, target: 70, source: "
       "push}, {name: cpu, type: Value, target: 1, source: push}]",
       "targets[0].metrics[1].name"},
      {"name: web\nmaxReplicas: 5\nmetrics: [{name: cpu, type: Average, target: 70, source: "
       "push}]",
       "targets[0].metrics[0].type"},
      {"name: web\nmaxReplicas: 5\nmetrics: [{name: cpu, type: Utilization, target: 0, source: "
       "push}]",
       "targets[0].metrics[0].target"},
      {"name: web\nmaxReplicas: 5\nmetrics: [{name: cpu, type: Utilization, target: 70}]",
       "targets[0].metrics[0].source"},
      {"name: web\nmaxReplicas: 5\nmetrics: [{name: cpu, type: Utilization, target: 70, source: "
       "pull}]",
       "targets[0].metrics[0].source"},
      {"name: web\nmaxReplicas: 5\nmetrics: [{name: cpu, type: Utilization, target: 70, source: "
       "{prometheus: {}}}]",
       "targets[0].metrics[0].source.prometheus.query"},
      {"name: web\nmaxReplicas: 5\nmetrics: [{name: cpu, type: Utilization, target: 70, source: "
       "{prometheus: {query: up, url: 'ftp://x'}}}]",
       "targets[0].metrics[0].source.prometheus.url"},
      {"name: web\nmaxReplicas: 5\nmetrics: [{name: cpu, type: Utilization, target: 70, source: "
       "{prometheus: {query: up, timeoutSeconds: 0}}}]",
       "targets[0].metrics[0].source.prometheus.timeoutSeconds"},
      {"name: web\nmaxReplicas: 5\nmetrics: [{name: cpu, type: Utilization, target: 70, source: "
       "{graphite: {}}}]",
       "targets[0].metrics[0].source.graphite"},
      {"name: web\nmaxReplicas: 5\n" + metric +
           "\nbehavior:\n  scaleUp:\n    policies:\n      - {type: Pods, value: 4, periodSeconds: "
           "15}\n      - {type: Percent, value: 100, periodSeconds: 0}",
       "targets[0].behavior.scaleUp.policies[1].periodSeconds"},
      {"name: web\nmaxReplicas: 5\n" + metric + "\ncooldown: {scaleUpSeconds: -1}",
       "targets[0].cooldown.scaleUpSeconds"},
      {"name: web\nmaxReplicas: 5\n" + metric + "\ncooldown: {scaleDownSecs: 10}",
       "targets[0].cooldown.scaleDownSecs"},
      {"name: web\nmaxReplicas: 5\n" + metric + "\nhook: 'http://x'", "targets[0].hook"},
      {"name: web\nmaxReplicas: 5\nmaxReplica: 5\n" + metric, "targets[0].maxReplica"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.yaml);
    core::StatusOr<TargetSpec> spec = ParseTargetSpec(Yaml(row.yaml), "targets[0]");
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(spec.status().field(), row.field) << spec.status().ToString();
  }
}

TEST(TargetSpecTest, AcceptsPrometheusOptions) {
  core::StatusOr<TargetSpec> spec = ParseTargetSpec(Yaml(R"(
name: q
maxReplicas: 4
metrics:
  - name: depth
    type: Value
    target: 100
    source: {prometheus: {query: 'sum(queue_depth)', url: 'http://prom:9090', timeoutSeconds: 2.5}}
)"),
                                                    "t");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const PrometheusSource& p = *spec->metrics[0].source.prometheus;
  EXPECT_EQ(p.url, "http://prom:9090");
  EXPECT_DOUBLE_EQ(*p.timeout_seconds, 2.5);
}

TEST(TargetSpecTest, DecideOptionsRelaxNameAndForbidMetrics) {
  const TargetSpecParseOptions options{.require_name = false, .require_metrics = false};
  core::StatusOr<TargetSpec> spec = ParseTargetSpec(Yaml("maxReplicas: 4"), "target", options);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_TRUE(spec->metrics.empty());
  core::StatusOr<TargetSpec> with_metrics = ParseTargetSpec(Yaml(kMinimal), "target", options);
  ASSERT_FALSE(with_metrics.ok());
  EXPECT_EQ(with_metrics.status().field(), "target.metrics");
}

}  // namespace
}  // namespace gov::controller
