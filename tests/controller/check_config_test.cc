// `governor check-config` on targets: each target's `hook` block is checked as `serve` builds
// it (MakeHook), and every problem names its key path ("targets[0].hook.webhook.url").

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "api/config.h"
#include "cli/config_loader.h"
#include "controller/hooks/hook.h"

namespace gov::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// One target with `hook_yaml` (indented under `hook:`, or "" for no hook) and `mode`.
std::string TargetYaml(const std::string& name, const std::string& hook_yaml,
                       const std::string& mode = "active") {
  std::string yaml = "  - name: " + name + "\n    mode: " + mode + "\n    maxReplicas: 5\n" +
                     "    metrics: [{name: cpu, type: Utilization, target: 70, source: push}]\n";
  if (!hook_yaml.empty()) yaml += "    hook:\n" + hook_yaml;
  return yaml;
}

std::string WriteConfig(const std::string& targets_yaml) {
  static int n = 0;
  const std::string path = ::testing::TempDir() + "/gov_check_config_" +
                           std::to_string(::getpid()) + "_" + std::to_string(++n) + ".yaml";
  std::ofstream(path) << "targets:\n" << targets_yaml;
  return path;
}

// MakeHook with an environment where only the variables in `set` are set.
controller::HookValidator TestValidator(std::set<std::string> set = {"GOV_SECRET"}) {
  static core::FakeClock clock(core::FromUnixSeconds(1'700'000'000));
  controller::HookEnv env{clock,
                          [](core::Duration) {},
                          1,
                          [set](const std::string& name) -> std::optional<std::string> {
                            if (set.count(name)) return "s3cret";
                            return std::nullopt;
                          },
                          {}};
  return [env](const core::Json& hook, const std::string& path) {
    return controller::MakeHook(hook, path, env).status();
  };
}

std::vector<core::Status> Check(const std::string& targets_yaml) {
  api::ServerConfig config;
  return LoadServerConfig(WriteConfig(targets_yaml), {}, {}, config, TestValidator());
}

TEST(CheckConfigHookTest, EveryHookKindThatServeAcceptsIsOk) {
  const std::string hooks[] = {
      "      webhook: {url: 'https://h.example/scale', secretEnv: GOV_SECRET, timeoutSeconds: 5}\n",
      "      webhook: {url: 'http://127.0.0.1:9000/scale', secret: s, maxRetries: 0}\n",
      "      kubernetes: {namespace: shop, name: web, apiServer: 'https://k8s.example:6443'}\n",
      "      kubernetes: {namespace: shop, name: db, kind: StatefulSet, apiServer: "
      "'https://k:6443',"
      " tokenFile: /t, caFile: /ca}\n",
      "      awsAsg: {groupName: web-asg, region: eu-west-1}\n",
      "      exec: {command: [/usr/local/bin/scale, --to], timeoutSeconds: 30}\n",
      "      pull: {}\n",
  };
  std::string yaml;
  int i = 0;
  for (const std::string& hook : hooks) yaml += TargetYaml("t" + std::to_string(i++), hook);
  yaml += TargetYaml("dry", "", "dryRun");
  const auto problems = Check(yaml);
  EXPECT_TRUE(problems.empty()) << problems.front().ToString();
}

// Each row: the hook block of targets[1] (targets[0] is valid), the key the problem names, and
// a piece of its message. The messages are MakeHook's (controller/hooks/*.cc).
TEST(CheckConfigHookTest, ProblemsNameTheKeyPath) {
  struct Row {
    std::string hook_yaml, field, message;
  };
  const std::vector<Row> rows = {
      // Type known, exactly one.
      {"      lambda: {}\n", "targets[1].hook.lambda", "unknown field"},
      {"      pull: {}\n      exec: {command: [/x]}\n", "targets[1].hook", "exactly one"},
      {"      {}\n", "targets[1].hook", "exactly one"},
      {"      webhook: 'https://h/scale'\n", "targets[1].hook.webhook", "expected an object"},
      {"", "targets[1].hook", "is required in active mode"},
      // webhook
      {"      webhook: {secret: s}\n", "targets[1].hook.webhook.url", "is required"},
      {"      webhook: {url: 'ftp://h/scale', secret: s}\n", "targets[1].hook.webhook.url", ""},
      {"      webhook: {url: 'not a url', secret: s}\n", "targets[1].hook.webhook.url", ""},
      {"      webhook: {url: 'https://h/scale', secret: s, timeoutSeconds: 0}\n",
       "targets[1].hook.webhook.timeoutSeconds", "(0, 300]"},
      {"      webhook: {url: 'https://h/scale', secret: s, timeoutSeconds: -1}\n",
       "targets[1].hook.webhook.timeoutSeconds", "(0, 300]"},
      {"      webhook: {url: 'https://h/scale', secret: s, maxRetries: -1}\n",
       "targets[1].hook.webhook.maxRetries", "between 0 and 10"},
      {"      webhook: {url: 'https://h/scale', secretEnv: UNSET_SECRET}\n",
       "targets[1].hook.webhook.secretEnv", "UNSET_SECRET is not set"},
      {"      webhook: {url: 'https://h/scale'}\n", "targets[1].hook.webhook.secretEnv",
       "exactly one of secretEnv or secret"},
      {"      webhook: {url: 'https://h/scale', secret: s, retries: 3}\n",
       "targets[1].hook.webhook.retries", "unknown field"},
      // kubernetes
      {"      kubernetes: {namespace: shop, apiServer: 'https://k:6443'}\n",
       "targets[1].hook.kubernetes.name", "is required"},
      {"      kubernetes: {namespace: Shop_1, name: web, apiServer: 'https://k:6443'}\n",
       "targets[1].hook.kubernetes.namespace", "DNS-1123"},
      {"      kubernetes: {namespace: shop, name: web, kind: DaemonSet, apiServer: 'https://k'}\n",
       "targets[1].hook.kubernetes.kind", "Deployment or StatefulSet"},
      {"      kubernetes: {namespace: shop, name: web, apiServer: 'http://k:8080'}\n",
       "targets[1].hook.kubernetes.apiServer", "plain http"},
      {"      kubernetes: {namespace: shop, name: web}\n", "targets[1].hook.kubernetes.apiServer",
       ""},  // not in a cluster: no KUBERNETES_SERVICE_HOST
      // awsAsg
      {"      awsAsg: {region: eu-west-1}\n", "targets[1].hook.awsAsg.groupName", "is required"},
      {"      awsAsg: {groupName: web-asg, region: Europe}\n", "targets[1].hook.awsAsg.region",
       "region name"},
      {"      awsAsg: {groupName: g, region: eu-west-1, endpoint: 'https://a/?x=1'}\n",
       "targets[1].hook.awsAsg.endpoint", "query string"},
      // exec
      {"      exec: {}\n", "targets[1].hook.exec.command", "is required"},
      {"      exec: {command: []}\n", "targets[1].hook.exec.command", "must name a program"},
      {"      exec: {command: [scale.sh]}\n", "targets[1].hook.exec.command[0]", "absolute path"},
      {"      exec: {command: [/bin/scale], timeoutSeconds: -1}\n",
       "targets[1].hook.exec.timeoutSeconds", "(0, 3600]"},
      // pull
      {"      pull: {interval: 5}\n", "targets[1].hook.pull.interval", "unknown field"},
  };
  for (const Row& row : rows) {
    const auto problems =
        Check(TargetYaml("ok", "      pull: {}\n") + TargetYaml("bad", row.hook_yaml));
    ASSERT_EQ(problems.size(), 1u) << row.hook_yaml;
    EXPECT_EQ(problems[0].code(), core::StatusCode::kInvalidArgument) << row.hook_yaml;
    EXPECT_EQ(problems[0].field(), row.field) << row.hook_yaml << problems[0].ToString();
    EXPECT_THAT(problems[0].message(), HasSubstr(row.message)) << row.hook_yaml;
  }
}

TEST(CheckConfigHookTest, EveryTargetsProblemsAreListedTogether) {
  const auto problems = Check(TargetYaml("a", "      webhook: {secret: s}\n") +
                              TargetYaml("b", "      exec: {command: [rel]}\n") +
                              TargetYaml("a", "      pull: {}\n"));
  std::vector<std::string> fields;
  for (const core::Status& p : problems) fields.push_back(p.field());
  EXPECT_THAT(fields, ElementsAre("targets[0].hook.webhook.url", "targets[1].hook.exec.command[0]",
                                  "targets[2].name"));
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_THAT(problems[2].message(), HasSubstr("duplicate target name a"));
}

TEST(CheckConfigHookTest, WithoutAValidatorOnlyTheTargetIsChecked) {
  api::ServerConfig config;
  EXPECT_TRUE(
      LoadServerConfig(WriteConfig(TargetYaml("a", "      webhook: {secret: s}\n")), {}, {}, config)
          .empty());
}

TEST(CheckConfigHookTest, TheReferenceExampleNeedsItsWebhookSecretInTheEnvironment) {
  const std::string path = std::string(GOVERNOR_TEST_SOURCE_DIR) + "/config/examples/web.yaml";
  api::ServerConfig config;
  EXPECT_TRUE(
      LoadServerConfig(path, {}, {}, config, TestValidator({"GOVERNOR_WEBHOOK_SECRET"})).empty());
  const auto problems = LoadServerConfig(path, {}, {}, config, TestValidator({}));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field(), "targets[0].hook.webhook.secretEnv");
}

}  // namespace
}  // namespace gov::cli
