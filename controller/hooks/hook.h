#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"

namespace gov::controller {

// One actuation: the control loop decided `target` should go from `from_replicas` to
// `to_replicas`. `decision_id` is unique per decision and is the idempotency key every hook
// forwards; `epoch` is the leader epoch (fencing token) that made the decision.
struct ScaleRequest {
  std::string target;
  int from_replicas = 0;
  int to_replicas = 0;
  std::string reason;  // e.g. "ScaleUpLimit"
  std::string decision_id;
  int64_t epoch = 0;
  core::TimePoint decided_at;
};

// How a decision reaches the platform. Implementations are not thread-safe: the loop calls
// one hook from one thread at a time.
class Hook {
 public:
  virtual ~Hook() = default;
  // "webhook", "kubernetes", "aws-asg", "exec" or "pull".
  virtual std::string_view kind() const = 0;
  // The platform's actual replica count when the hook can read it (kubernetes, aws-asg);
  // nullopt when it cannot (webhook, exec, pull).
  virtual core::StatusOr<std::optional<int>> ReadReplicas() = 0;
  // Applies the change. A non-OK status means the platform did NOT necessarily scale; the
  // message names what failed (URL, command, API error code).
  virtual core::Status Scale(const ScaleRequest& request) = 0;
};

// Environment-variable lookup; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The collaborators hooks use instead of reaching for the OS, so tests substitute them.
// Hooks keep a copy; `clock` must outlive them.
struct HookEnv {
  core::Clock& clock;
  // Waits `d` between retries. Tests record the delays instead of sleeping.
  std::function<void(core::Duration)> sleep;
  // Seeds the backoff jitter (std::mt19937_64, whose output sequence the C++ standard fixes).
  uint64_t rng_seed = 0;
  // Environment-variable lookup; nullopt when unset. Tests inject credentials here.
  EnvLookup getenv;
  // Receives one human-readable line per attempt and outcome. Never given secrets.
  std::function<void(std::string_view line)> log;
};

// Production collaborators: SystemClock, std::this_thread::sleep_for, a seed from the OS RNG,
// ::getenv, and log lines written to stderr with a "[hooks] " prefix.
HookEnv SystemHookEnv();

// The decision as the JSON object webhooks POST and exec hooks read on stdin:
// {"decidedAt","decisionId","epoch","from","reason","target","to"} (keys sorted, compact).
std::string ScaleRequestJson(const ScaleRequest& request);

// Builds a hook from the target's `hook` JSON, which holds exactly one of `webhook`,
// `kubernetes`, `awsAsg`, `exec` or `pull`. `field_path` is where `config` sits (e.g.
// "hook"); errors are kInvalidArgument naming the field, e.g. "hook.webhook.url".
core::StatusOr<std::unique_ptr<Hook>> MakeHook(const core::Json& config,
                                               std::string_view field_path, const HookEnv& env);

// Checks a target's `hook` JSON by building it with `env`, as the loop would: for validating a
// target before it is stored, or a config file before it is accepted.
std::function<core::Status(const core::Json& config, const std::string& field_path)>
MakeHookValidator(HookEnv env);

}  // namespace gov::controller
