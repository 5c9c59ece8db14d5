#pragma once

// A real `governor` child process for process-level tests (signals, crashes, restarts).
// Compile governor_process.cc into the test executable; link gov_core and GTest.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "tests/testing/temp_dir.h"

namespace gov::testing {

// Path of the governor executable: $GOVERNOR_BIN, else $GOVERNOR_BINARY_DIR/cli/governor,
// else the GOVERNOR_DEFAULT_BIN macro the test target was compiled with, else "".
std::string GovernorBinaryPath();

// What a shell command printed on stdout, and its exit code (-1 when it did not exit normally
// or could not start).
struct CommandOutput {
  int exit_code = -1;
  std::string out;
};
// Runs `command` with /bin/sh (popen) and waits for it.
CommandOutput RunCommand(const std::string& command);

// One running `governor` child, its stdout and stderr captured in a temp log file.
// Not thread-safe: use one GovernorProcess from one thread. The child gets SIGKILL when the
// thread that started it exits (PR_SET_PDEATHSIG), so a crashed test leaves no server behind.
// The destructor SIGKILLs a still-running child and reaps it; if the current gtest test has
// failed, it prints the tail of the child's log to stderr first.
class GovernorProcess {
 public:
  // Runs `<binary> <args...>` and waits up to `startup_timeout` for the line
  // "Governor <version> listening on http://HOST:PORT". On failure (exec error, early exit,
  // timeout) the child is killed and the Status carries the log. Pass `--listen HOST:0`.
  static core::StatusOr<std::unique_ptr<GovernorProcess>> Start(
      const std::vector<std::string>& args,
      std::chrono::milliseconds startup_timeout = std::chrono::seconds(20),
      const std::string& binary = GovernorBinaryPath());

  ~GovernorProcess();
  GovernorProcess(const GovernorProcess&) = delete;
  GovernorProcess& operator=(const GovernorProcess&) = delete;

  // The TCP port parsed from the "listening on" line.
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends `signal` to the child. False when the child has already been reaped.
  bool Signal(int signal);
  // Waits up to `timeout` for the child to exit and reaps it. Returns its exit code, or
  // 128 + signal number when a signal ended it (the shell convention); nullopt while it is
  // still running. Once reaped, returns the same value immediately.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);
  // SIGKILLs the child (unless already reaped) and reaps it; returns WaitExit's value.
  int Kill();
  // Everything the child has written to stdout and stderr so far.
  std::string Log() const;
  // The last `max_bytes` of Log(), for failure messages.
  std::string LogTail(size_t max_bytes = 4000) const;

 private:
  GovernorProcess(pid_t pid, std::unique_ptr<TempDir> dir);
  // Polls the log until the listening line appears, the child exits, or the deadline passes.
  core::Status AwaitListening(std::chrono::milliseconds timeout);

  pid_t pid_;
  std::unique_ptr<TempDir> dir_;
  std::filesystem::path log_path_;
  int port_ = 0;
  std::optional<int> exit_status_;
};

}  // namespace gov::testing
