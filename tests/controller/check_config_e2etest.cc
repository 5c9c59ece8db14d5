// The `governor check-config` executable on targets' hooks: one line per problem, each naming
// its key path, exit 1; "ok" and exit 0 when serve would accept the file. Hooks are checked
// with the process's environment, as `serve` builds them.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "tests/testing/governor_process.h"

namespace gov::controller {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

// Runs `env <assignments> governor check-config <file>` (GOV_TEST_HOOK_SECRET unset unless
// assigned) and captures stdout.
CommandResult CheckConfig(const std::string& file, const std::string& assignments) {
  const std::string command = "env -u GOV_TEST_HOOK_SECRET " + assignments + " '" +
                              gov::testing::GovernorBinaryPath() + "' check-config '" + file + "'";
  const gov::testing::CommandOutput output = gov::testing::RunCommand(command);
  return CommandResult{output.exit_code, output.out};
}

constexpr const char* kWebTarget = R"(  - name: web
    maxReplicas: 5
    metrics: [{name: cpu, type: Utilization, target: 70, source: push}]
    hook:
      webhook: {url: "https://hooks.example/scale", secretEnv: GOV_TEST_HOOK_SECRET}
)";

TEST(CheckConfigE2eTest, HookProblemsNameTheKeyPath) {
  ASSERT_FALSE(gov::testing::GovernorBinaryPath().empty());
  gov::testing::TempDir dir("gov_check_config");
  const std::string file = (dir.path() / "governor.yaml").string();
  std::ofstream(file) << "targets:\n"
                      << kWebTarget << R"(  - name: batch
    maxReplicas: 5
    metrics: [{name: cpu, type: Utilization, target: 70, source: push}]
    hook:
      webhook: {url: "hooks.example/scale", secret: s}
  - name: jobs
    maxReplicas: 5
    metrics: [{name: cpu, type: Utilization, target: 70, source: push}]
    hook:
      exec: {command: [/usr/local/bin/scale], timeoutSeconds: -2}
)";
  const CommandResult run = CheckConfig(file, "");
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_EQ(run.out.find("targets[0].hook.webhook.secretEnv: environment variable "
                         "GOV_TEST_HOOK_SECRET is not set or empty\n"),
            0u)
      << run.out;
  EXPECT_NE(run.out.find("\ntargets[1].hook.webhook.url: "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\ntargets[2].hook.exec.timeoutSeconds: must be in (0, 3600]\n"),
            std::string::npos)
      << run.out;
}

TEST(CheckConfigE2eTest, AValidHookWithItsSecretSetIsOk) {
  ASSERT_FALSE(gov::testing::GovernorBinaryPath().empty());
  gov::testing::TempDir dir("gov_check_config");
  const std::string file = (dir.path() / "governor.yaml").string();
  std::ofstream(file) << "targets:\n" << kWebTarget;
  EXPECT_EQ(CheckConfig(file, "").exit_code, 1);
  const CommandResult run = CheckConfig(file, "GOV_TEST_HOOK_SECRET=whsec_1");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(run.out, "ok\n");
}

}  // namespace
}  // namespace gov::controller
