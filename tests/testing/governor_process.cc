#include "tests/testing/governor_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

namespace gov::testing {

namespace {

// Poll interval while waiting for the child's log line or exit; not a synchronization sleep.
constexpr std::chrono::milliseconds kPollInterval{10};

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string GovernorBinaryPath() {
  if (const char* bin = std::getenv("GOVERNOR_BIN"); bin != nullptr && *bin != '\0') return bin;
  if (const char* dir = std::getenv("GOVERNOR_BINARY_DIR"); dir != nullptr && *dir != '\0') {
    return (std::filesystem::path(dir) / "cli" / "governor").string();
  }
#ifdef GOVERNOR_DEFAULT_BIN
  return GOVERNOR_DEFAULT_BIN;
#else
  return "";
#endif
}

CommandOutput RunCommand(const std::string& command) {
  CommandOutput run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) run.out.append(buf, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

core::StatusOr<std::unique_ptr<GovernorProcess>> GovernorProcess::Start(
    const std::vector<std::string>& args, std::chrono::milliseconds startup_timeout,
    const std::string& binary) {
  if (binary.empty()) {
    return core::FailedPrecondition(
        "governor binary unknown: set GOVERNOR_BIN or GOVERNOR_BINARY_DIR");
  }
  if (::access(binary.c_str(), X_OK) != 0) {
    return core::FailedPrecondition("governor binary not executable: " + binary);
  }
  auto dir = std::make_unique<TempDir>("gov_proc");
  const std::string log_path = (dir->path() / "governor.log").string();

  // Everything the child touches between fork and exec is prepared here: after fork() in a
  // multi-threaded parent only async-signal-safe calls are allowed.
  std::vector<std::string> argv_storage;
  argv_storage.push_back(binary);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_storage.size() + 1);
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  int exec_pipe[2];
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    return core::Internal(std::string("pipe2: ") + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(exec_pipe[0]);
    ::close(exec_pipe[1]);
    return core::Internal(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(exec_pipe[0]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd < 0 || ::dup2(fd, STDOUT_FILENO) < 0 || ::dup2(fd, STDERR_FILENO) < 0) {
      const int err = errno;
      (void)!::write(exec_pipe[1], &err, sizeof(err));
      ::_exit(127);
    }
    ::close(fd);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
      ::dup2(devnull, STDIN_FILENO);
      ::close(devnull);
    }
    // The parent's blocked signals and ignored SIGPIPE would otherwise be inherited.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(argv[0], argv.data());
    const int err = errno;
    (void)!::write(exec_pipe[1], &err, sizeof(err));
    ::_exit(127);
  }
  ::close(exec_pipe[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(exec_pipe[0], &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  ::close(exec_pipe[0]);

  std::unique_ptr<GovernorProcess> process(new GovernorProcess(pid, std::move(dir)));
  if (n > 0) {
    process->Kill();
    return core::Internal("cannot start " + binary + ": " + std::strerror(child_errno));
  }
  if (core::Status s = process->AwaitListening(startup_timeout); !s.ok()) {
    process->Kill();
    return core::Status(s.code(), s.message() + "\n--- governor log ---\n" + process->LogTail());
  }
  return process;
}

GovernorProcess::GovernorProcess(pid_t pid, std::unique_ptr<TempDir> dir)
    : pid_(pid), dir_(std::move(dir)), log_path_(dir_->path() / "governor.log") {}

GovernorProcess::~GovernorProcess() {
  if (::testing::Test::HasFailure()) {
    std::cerr << "--- governor pid " << pid_ << " log (tail) ---\n"
              << LogTail() << "\n--- end of governor log ---\n";
  }
  Kill();
}

core::Status GovernorProcess::AwaitListening(std::chrono::milliseconds timeout) {
  static const std::regex kListening(R"(listening on http://[^:\s]+:(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::smatch m;
    const std::string log = Log();
    if (std::regex_search(log, m, kListening)) {
      port_ = std::stoi(m[1].str());
      return core::Status::Ok();
    }
    if (auto status = WaitExit(std::chrono::milliseconds(0)); status.has_value()) {
      return core::Unavailable("governor exited with status " + std::to_string(*status) +
                               " before listening");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return core::Status(core::StatusCode::kDeadlineExceeded,
                          "governor did not print its listening line within " +
                              std::to_string(timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

bool GovernorProcess::Signal(int signal) {
  if (exit_status_.has_value()) return false;
  return ::kill(pid_, signal) == 0;
}

std::optional<int> GovernorProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (exit_status_.has_value()) return exit_status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = DecodeWaitStatus(status);
      return exit_status_;
    }
    if (r < 0 && errno != EINTR) {
      ADD_FAILURE() << "waitpid(" << pid_ << "): " << std::strerror(errno);
      exit_status_ = -1;
      return exit_status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

int GovernorProcess::Kill() {
  if (exit_status_.has_value()) return *exit_status_;
  ::kill(pid_, SIGKILL);
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  exit_status_ = r == pid_ ? DecodeWaitStatus(status) : -1;
  return *exit_status_;
}

std::string GovernorProcess::Log() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string GovernorProcess::LogTail(size_t max_bytes) const {
  std::string log = Log();
  if (log.size() <= max_bytes) return log;
  return "..." + log.substr(log.size() - max_bytes);
}

}  // namespace gov::testing
