#include "controller/hooks/internal/exec_hook.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "integrations/http_transport.h"

extern char** environ;

namespace gov::controller {

namespace {

constexpr size_t kMaxCapture = size_t{64} * 1024;
constexpr double kMaxTimeoutSeconds = 3600;

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int* out() { return &fd_; }

 private:
  int fd_ = -1;
};

bool MakePipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  *read_end.out() = fds[0];
  *write_end.out() = fds[1];
  return true;
}

// Reads what is available from `fd` into `sink` (up to kMaxCapture kept); false on EOF or
// error, when the caller should stop polling it.
bool Drain(Fd& fd, std::string& sink) {
  char buf[4096];
  while (true) {
    const ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n > 0) {
      sink.append(
          buf, std::min(static_cast<size_t>(n), kMaxCapture - std::min(kMaxCapture, sink.size())));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0 && errno == EINTR) continue;
    fd.Reset();
    return false;
  }
}

std::string Seconds(core::Duration d) {
  std::string s = std::to_string(std::chrono::duration<double>(d).count());
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s + "s";
}

}  // namespace

core::StatusOr<ExecConfig> ParseExecConfig(const core::Json& obj, const std::string& path) {
  core::FieldReader r(obj, path);
  r.RejectUnknown({"command", "timeoutSeconds"});
  const core::Json* command = r.OptionalArray("command");
  if (command == nullptr && r.ok()) r.Fail("command", "is required");
  const auto timeout = r.OptionalNumber("timeoutSeconds");
  RETURN_IF_ERROR(r.status());
  ExecConfig config;
  const std::string command_path = r.FieldPath("command");
  if (command->empty()) return core::InvalidArgument("must name a program", command_path);
  for (size_t i = 0; i < command->size(); ++i) {
    const core::Json& arg = (*command)[i];
    if (!arg.is_string())
      return core::InvalidArgument("expected a string", core::IndexFieldPath(command_path, i));
    const std::string s = arg.get<std::string>();
    if (s.find('\0') != std::string::npos) {
      return core::InvalidArgument("must not contain NUL", core::IndexFieldPath(command_path, i));
    }
    config.command.push_back(s);
  }
  if (config.command[0].empty() || config.command[0].front() != '/') {
    return core::InvalidArgument("must be an absolute path (no shell, no PATH search)",
                                 core::IndexFieldPath(command_path, 0));
  }
  if (timeout) {
    if (*timeout <= 0 || *timeout > kMaxTimeoutSeconds) {
      return core::InvalidArgument("must be in (0, 3600]", r.FieldPath("timeoutSeconds"));
    }
    config.timeout =
        std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(*timeout));
  }
  return config;
}

core::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         const std::vector<std::string>& env,
                                         std::string_view stdin_data, core::Duration timeout) {
  if (argv.empty()) return core::InvalidArgument("empty command");
  // Everything the child touches is prepared before fork: between fork and execve a
  // multithreaded parent's child may only make async-signal-safe calls.
  std::vector<char*> c_argv, c_env;
  for (const auto& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  for (const auto& e : env) c_env.push_back(const_cast<char*>(e.c_str()));
  c_env.push_back(nullptr);

  // stdin is a socket so that writing to a child that never reads cannot raise SIGPIPE
  // (send with MSG_NOSIGNAL); stdout/stderr are pipes; exec_err reports a failed execve.
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return core::Internal(std::string("socketpair: ") + std::strerror(errno));
  }
  Fd in_parent(sv[0]), in_child(sv[1]);
  Fd out_r, out_w, err_r, err_w, exec_r, exec_w;
  if (!MakePipe(out_r, out_w) || !MakePipe(err_r, err_w) || !MakePipe(exec_r, exec_w)) {
    return core::Internal(std::string("pipe2: ") + std::strerror(errno));
  }

  const pid_t pid = fork();
  if (pid < 0) return core::Internal(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &dfl, nullptr);
    if (dup2(in_child.get(), 0) < 0 || dup2(out_w.get(), 1) < 0 || dup2(err_w.get(), 2) < 0) {
      const int e = errno;
      (void)!write(exec_w.get(), &e, sizeof(e));
      _exit(127);
    }
    execve(c_argv[0], c_argv.data(), c_env.data());
    const int e = errno;
    (void)!write(exec_w.get(), &e, sizeof(e));
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent, so the kill below cannot race the child's call
  in_child.Reset();
  out_w.Reset();
  err_w.Reset();
  exec_w.Reset();

  // execve closes exec_w (O_CLOEXEC): EOF means the program is running.
  int exec_errno = 0;
  ssize_t got;
  do {
    got = read(exec_r.get(), &exec_errno, sizeof(exec_errno));
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof(exec_errno))) {
    waitpid(pid, nullptr, 0);
    return core::FailedPrecondition("cannot execute " + argv[0] + ": " + std::strerror(exec_errno));
  }

  fcntl(in_parent.get(), F_SETFL, O_NONBLOCK);
  fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
  fcntl(err_r.get(), F_SETFL, O_NONBLOCK);
  ProcessResult result;
  size_t written = 0;
  if (stdin_data.empty()) in_parent.Reset();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  bool exited = false;
  while (!exited) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.timed_out = true;
      break;
    }
    pollfd fds[3];
    nfds_t n = 0;
    if (in_parent.get() >= 0) fds[n++] = {in_parent.get(), POLLOUT, 0};
    if (out_r.get() >= 0) fds[n++] = {out_r.get(), POLLIN, 0};
    if (err_r.get() >= 0) fds[n++] = {err_r.get(), POLLIN, 0};
    // Wake at least every 50 ms to notice an exit whose pipes a grandchild still holds.
    const auto wait = std::min<std::chrono::milliseconds>(
        std::chrono::ceil<std::chrono::milliseconds>(deadline - now),
        std::chrono::milliseconds(50));
    poll(fds, n, static_cast<int>(wait.count()));

    if (in_parent.get() >= 0) {
      const ssize_t sent = send(in_parent.get(), stdin_data.data() + written,
                                stdin_data.size() - written, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0) written += static_cast<size_t>(sent);
      if (written == stdin_data.size() ||
          (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        shutdown(in_parent.get(), SHUT_WR);
        in_parent.Reset();  // done, or the child closed stdin: either way, stop writing
      }
    }
    if (out_r.get() >= 0) Drain(out_r, result.out);
    if (err_r.get() >= 0) Drain(err_r, result.err);
    const pid_t w = waitpid(pid, &status, WNOHANG);
    exited = w == pid;
  }
  if (!result.timed_out) {
    if (out_r.get() >= 0) Drain(out_r, result.out);
    if (err_r.get() >= 0) Drain(err_r, result.err);
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  return result;
}

ExecHook::ExecHook(ExecConfig config, const HookEnv& env) : config_(std::move(config)), env_(env) {}

core::Status ExecHook::Scale(const ScaleRequest& request) {
  std::vector<std::string> child_env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "GOVERNOR_", 9) != 0) child_env.emplace_back(*e);
  }
  child_env.push_back("GOVERNOR_TARGET=" + request.target);
  child_env.push_back("GOVERNOR_FROM=" + std::to_string(request.from_replicas));
  child_env.push_back("GOVERNOR_TO=" + std::to_string(request.to_replicas));
  child_env.push_back("GOVERNOR_REASON=" + request.reason);
  child_env.push_back("GOVERNOR_DECISION_ID=" + request.decision_id);
  child_env.push_back("GOVERNOR_EPOCH=" + std::to_string(request.epoch));

  const std::string what = "exec " + config_.command[0] + " for " + request.target + " " +
                           std::to_string(request.from_replicas) + "->" +
                           std::to_string(request.to_replicas) + " (decision " +
                           request.decision_id + ")";
  auto run = RunProcess(config_.command, child_env, ScaleRequestJson(request), config_.timeout);
  if (!run.ok()) return core::Status(run.status().code(), what + ": " + run.status().message());
  const std::string stderr_tail =
      run->err.empty() ? "" : "; stderr: " + integrations::Excerpt(run->err, 512);
  if (run->timed_out) {
    return core::Status(
        core::StatusCode::kDeadlineExceeded,
        what + ": timed out after " + Seconds(config_.timeout) + " and was killed" + stderr_tail);
  }
  if (run->term_signal != 0) {
    return core::Unavailable(what + ": killed by signal " + std::to_string(run->term_signal) +
                             stderr_tail);
  }
  if (run->exit_code != 0) {
    return core::Unavailable(what + ": exited with status " + std::to_string(run->exit_code) +
                             stderr_tail);
  }
  if (env_.log) {
    env_.log(what + ": exit 0" +
             (run->out.empty() ? "" : "; stdout: " + integrations::Excerpt(run->out, 256)));
  }
  return core::Status::Ok();
}

}  // namespace gov::controller
