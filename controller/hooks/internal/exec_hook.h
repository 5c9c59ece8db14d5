#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controller/hooks/hook.h"

namespace gov::controller {

struct ExecConfig {
  std::vector<std::string> command;  // argv; command[0] is an absolute path
  core::Duration timeout = std::chrono::seconds(10);
};

// Reads {command: ["/abs/prog", "arg"...], timeoutSeconds?} at `path`.
core::StatusOr<ExecConfig> ParseExecConfig(const core::Json& obj, const std::string& path);

struct ProcessResult {
  bool timed_out = false;
  int exit_code = -1;    // when the process exited
  int term_signal = 0;   // when a signal ended it
  std::string out, err;  // the first 64 KiB of each
};

// Runs `argv` (fork + execve: no shell, no PATH search) in its own process group with
// exactly `env` as its environment and `stdin_data` on stdin. After `timeout` of real time
// (steady clock) the whole group is killed with SIGKILL. kFailedPrecondition when the
// program cannot be executed; kInternal when the OS refuses pipes or fork.
core::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         const std::vector<std::string>& env,
                                         std::string_view stdin_data, core::Duration timeout);

// Runs the configured command once per decision. The decision arrives in GOVERNOR_TARGET,
// GOVERNOR_FROM, GOVERNOR_TO, GOVERNOR_REASON, GOVERNOR_DECISION_ID and GOVERNOR_EPOCH (on top
// of the controller's own environment) and as the decision JSON on stdin. Exit status 0 is
// success; anything else, a signal or the timeout is a failure quoting stderr.
class ExecHook final : public Hook {
 public:
  ExecHook(ExecConfig config, const HookEnv& env);

  std::string_view kind() const override { return "exec"; }
  core::StatusOr<std::optional<int>> ReadReplicas() override { return std::optional<int>(); }
  core::Status Scale(const ScaleRequest& request) override;

 private:
  ExecConfig config_;
  HookEnv env_;
};

}  // namespace gov::controller
