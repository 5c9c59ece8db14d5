#include "controller/hooks/internal/exec_hook.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/controller/hooks/hook_test_util.h"

namespace gov::controller {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using Env = testing::TestHookEnv;

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ScaleRequest Decision(std::string target) {
  ScaleRequest r;
  r.target = std::move(target);
  r.from_replicas = 2;
  r.to_replicas = 7;
  r.reason = "ScaleUpLimit";
  r.decision_id = "d-9";
  r.epoch = 12;
  r.decided_at = core::FromUnixMillis(1'764'095'488'123);
  return r;
}

ExecHook Hook(std::vector<std::string> command, Env& env,
              core::Duration timeout = std::chrono::seconds(10)) {
  ExecConfig c;
  c.command = std::move(command);
  c.timeout = timeout;
  return ExecHook(c, env.Make());
}

TEST(ExecHookTest, DecisionArrivesInEnvironmentAndStdinWithoutInterpolation) {
  TempDir dir;
  const std::string out = (dir.path() / "out").string();
  // The script records what it received; "$VAR" is quoted, as any script should.
  const std::string script = dir.Write("record.sh", R"(#!/bin/sh
out="$1"
printf '%s\n' "$GOVERNOR_TARGET" "$GOVERNOR_FROM" "$GOVERNOR_TO" "$GOVERNOR_REASON" \
  "$GOVERNOR_DECISION_ID" "$GOVERNOR_EPOCH" "$#" > "$out.env"
cat > "$out.stdin"
echo "scaled"
)",
                                       true);
  // A hostile target name: with a shell in between, this would create `pwned` and run rm.
  const std::string pwned = (dir.path() / "pwned").string();
  const std::string target = "web$(touch " + pwned + "); rm -rf " + dir.path().string() + " `id`";
  Env env;
  auto hook = Hook({script, out}, env);
  const core::Status s = hook.Scale(Decision(target));
  ASSERT_TRUE(s.ok()) << s.ToString();

  EXPECT_FALSE(std::filesystem::exists(pwned)) << "the target name was interpreted by a shell";
  EXPECT_EQ(Read(out + ".env"), target + "\n2\n7\nScaleUpLimit\nd-9\n12\n1\n");
  EXPECT_EQ(Read(out + ".stdin"), ScaleRequestJson(Decision(target)));
  ASSERT_EQ(env.logs.size(), 1u);
  EXPECT_THAT(env.logs[0], HasSubstr("exit 0; stdout: scaled"));
}

TEST(ExecHookTest, NonZeroExitIsAFailureQuotingStderr) {
  TempDir dir;
  const std::string script = dir.Write("fail.sh", R"(#!/bin/sh
echo "quota exceeded for web" >&2
exit 3
)",
                                       true);
  Env env;
  auto hook = Hook({script}, env);
  const core::Status s = hook.Scale(Decision("web"));
  EXPECT_EQ(s.code(), core::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr(script));
  EXPECT_THAT(s.message(), HasSubstr("exited with status 3"));
  EXPECT_THAT(s.message(), HasSubstr("stderr: quota exceeded for web"));
  EXPECT_TRUE(env.logs.empty());
}

TEST(ExecHookTest, TimeoutKillsTheProcessGroup) {
  TempDir dir;
  // The background child keeps stdout open: the hook must not wait for it either.
  const std::string script = dir.Write("hang.sh", R"(#!/bin/sh
echo "starting" >&2
sleep 30 &
sleep 30
)",
                                       true);
  Env env;
  auto hook = Hook({script}, env, std::chrono::milliseconds(200));
  const auto start = std::chrono::steady_clock::now();
  const core::Status s = hook.Scale(Decision("web"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(s.code(), core::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(s.message(), HasSubstr("timed out after 0.2s and was killed"));
  EXPECT_THAT(s.message(), HasSubstr("stderr: starting"));
  // Only a hook that waited for the script (or its background child) takes the 30 s; a slow
  // sanitized run on a loaded machine stays far below.
  EXPECT_LT(elapsed, std::chrono::seconds(20));
}

TEST(ExecHookTest, KilledBySignalIsAFailure) {
  TempDir dir;
  const std::string script = dir.Write("die.sh", "#!/bin/sh\nkill -TERM $$\n", true);
  Env env;
  auto hook = Hook({script}, env);
  const core::Status s = hook.Scale(Decision("web"));
  EXPECT_EQ(s.code(), core::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("killed by signal 15"));
}

TEST(ExecHookTest, AProgramThatIgnoresStdinStillSucceeds) {
  TempDir dir;
  const std::string script = dir.Write("quick.sh", "#!/bin/sh\nexec 0<&-\nexit 0\n", true);
  Env env;
  auto hook = Hook({script}, env);
  EXPECT_TRUE(hook.Scale(Decision(std::string(100000, 'x'))).ok());
}

TEST(ExecHookTest, MissingOrNonExecutableProgram) {
  TempDir dir;
  const std::string not_exec = dir.Write("plain.sh", "#!/bin/sh\nexit 0\n", false);
  Env env;
  for (const std::string& path : {(dir.path() / "absent").string(), not_exec}) {
    auto hook = Hook({path}, env);
    const core::Status s = hook.Scale(Decision("web"));
    EXPECT_EQ(s.code(), core::StatusCode::kFailedPrecondition) << path;
    EXPECT_THAT(s.message(), HasSubstr("cannot execute " + path)) << path;
  }
}

TEST(RunProcessTest, CapturesOutputsAndExitCode) {
  auto r = RunProcess({"/bin/sh", "-c", "cat; echo err >&2; exit 4"}, {"PATH=/usr/bin:/bin"},
                      "hello", std::chrono::seconds(10));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->exit_code, 4);
  EXPECT_EQ(r->out, "hello");
  EXPECT_EQ(r->err, "err\n");
}

TEST(ExecConfigTest, ErrorsNameTheField) {
  struct Row {
    std::string json, field;
  };
  const std::vector<Row> rows = {
      {R"({})", "hook.exec.command"},
      {R"({"command":"/bin/scale"})", "hook.exec.command"},
      {R"({"command":[]})", "hook.exec.command"},
      {R"({"command":["scale.sh"]})", "hook.exec.command[0]"},
      {R"({"command":["/bin/scale", 3]})", "hook.exec.command[1]"},
      {R"({"command":["/bin/scale"],"timeoutSeconds":0})", "hook.exec.timeoutSeconds"},
      {R"({"command":["/bin/scale"],"timeoutSeconds":7200})", "hook.exec.timeoutSeconds"},
      {R"({"command":["/bin/scale"],"shell":true})", "hook.exec.shell"},
  };
  for (const auto& row : rows) {
    auto c = ParseExecConfig(core::Json::parse(row.json), "hook.exec");
    ASSERT_FALSE(c.ok()) << row.json;
    EXPECT_EQ(c.status().field(), row.field) << row.json << ": " << c.status().ToString();
  }
  auto ok = ParseExecConfig(
      core::Json::parse(R"({"command":["/bin/scale","--fast"],"timeoutSeconds":2.5})"),
      "hook.exec");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->command, (std::vector<std::string>{"/bin/scale", "--fast"}));
  EXPECT_EQ(ok->timeout, std::chrono::milliseconds(2500));
}

}  // namespace
}  // namespace gov::controller
