#pragma once

// Scheduled changes: a feature turned on or off in one environment at a given time. Admins
// create, list and cancel them (each audited); the leader's runner executes each due change
// exactly once: one transaction marks it done (an UPDATE guarded by state = 'pending'),
// changes the flag through FlagService::SetEnabledWithin (its audit entry, revision bump and
// republish) and writes the change's own audit entry. A second runner, on this or another
// process, or a retry finds the change no longer pending and changes nothing.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/periodic.h"
#include "core/status.h"
#include "flags/flag_service.h"
#include "flags/flag_service_repositories.h"
#include "store/database.h"
#include "store/page.h"
#include "store/scheduled_change_repository.h"

namespace gov::flags {

enum class ScheduledAction { kOn, kOff };
inline constexpr std::array<std::string_view, 2> kScheduledActionNames = {"on", "off"};

enum class ScheduledChangeState { kPending, kDone, kCancelled };
inline constexpr std::array<std::string_view, 3> kScheduledChangeStateNames = {
    store::kScheduledChangePending, store::kScheduledChangeDone, store::kScheduledChangeCancelled};

struct ScheduledChange {
  int64_t id = 0;
  std::string feature;
  std::string environment;
  ScheduledAction action = ScheduledAction::kOn;
  core::TimePoint at;
  ScheduledChangeState state = ScheduledChangeState::kPending;
  std::string created_by;  // the token name that scheduled it
  core::TimePoint created_at;
  std::optional<core::TimePoint> finished_at;  // when it became done or cancelled
};

// {"id", "feature", "environment", "action", "at", "state", "createdBy", "createdAt",
// "doneAt" (when done), "cancelledAt" (when cancelled)}; times in RFC 3339.
core::Json ScheduledChangeToJson(const ScheduledChange& change);

// What one RunDue did: the changes it executed, and the errors of those it could not (they
// stay pending and are retried on the next run).
struct RunDueResult {
  std::vector<ScheduledChange> done;
  std::vector<core::Status> errors;
};

// Thread-safe.
class ScheduledChangeService {
 public:
  ScheduledChangeService(store::Database& db, FlagService& flags, const core::Clock& clock,
                         FlagRepositories repositories = SqlFlagRepositories())
      : db_(db), flags_(flags), clock_(clock), repos_(repositories) {}

  // Body {"at": RFC 3339 date-time, not in the past; "action": "on" | "off"}. kNotFound
  // (field "feature" or "environment") when either does not exist; kInvalidArgument naming
  // "at", "action" or an unknown field.
  core::StatusOr<ScheduledChange> Create(const store::AuditActor& author,
                                         const std::string& feature, const std::string& environment,
                                         const core::Json& body);
  // The changes of `feature` in `environment`, newest first; kNotFound as Create.
  core::StatusOr<store::Page<ScheduledChange>> ListForFlag(const std::string& feature,
                                                           const std::string& environment,
                                                           const store::PageRequest& page);
  // Every change, or those whose state is named `state` ("pending", "done", "cancelled";
  // kInvalidArgument on "state" otherwise), newest first.
  core::StatusOr<store::Page<ScheduledChange>> List(const std::optional<std::string>& state,
                                                    const store::PageRequest& page);
  // Cancels pending change `id` of `feature` in `environment`. kNotFound when there is no
  // such change there; kConflict when it is done or cancelled already.
  core::StatusOr<ScheduledChange> Cancel(const store::AuditActor& author,
                                         const std::string& feature, const std::string& environment,
                                         int64_t id);
  // Executes every pending change due at `now` (at <= now), earliest first, each in its own
  // transaction, each exactly once (see the file comment). At most `limit` per call. When a
  // change fails, the later changes of its flag in that environment wait for the next call.
  RunDueResult RunDue(core::TimePoint now, int64_t limit = 100);

 private:
  // kNotFound naming the field when the feature or the environment does not exist.
  core::Status RequireFlag(store::Transaction& tx, const std::string& feature,
                           const std::string& environment);
  // Runs one due change; sets `skipped` when another runner had already finished it.
  core::Status RunOne(const store::ScheduledChangeRecord& change, core::TimePoint now,
                      bool& skipped);

  store::Database& db_;
  FlagService& flags_;
  const core::Clock& clock_;
  const FlagRepositories repos_;
};

struct ScheduledChangeRunnerOptions {
  // How often the runner calls RunDue while this process leads.
  std::chrono::milliseconds interval{1000};
  // Whether this process leads now (the composition root asks the leader election).
  std::function<bool()> leading;
  // Receives one line per executed change and per error.
  std::function<void(std::string_view)> log;
};

// Calls RunDue(clock.Now()) every `interval` while `leading()` says this process leads.
class ScheduledChangeRunner {
 public:
  ScheduledChangeRunner(ScheduledChangeService& service, const core::Clock& clock,
                        ScheduledChangeRunnerOptions options)
      : service_(service), clock_(clock), options_(std::move(options)) {}
  ~ScheduledChangeRunner() { Stop(); }
  ScheduledChangeRunner(const ScheduledChangeRunner&) = delete;
  ScheduledChangeRunner& operator=(const ScheduledChangeRunner&) = delete;

  // One run: RunDue(now) when leading (logging what it did), else nothing.
  RunDueResult Tick();
  // Starts the thread that ticks every interval. Call once.
  void Start();
  // Stops and joins the thread. Safe to call more than once.
  void Stop();

 private:
  ScheduledChangeService& service_;
  const core::Clock& clock_;
  const ScheduledChangeRunnerOptions options_;
  core::PeriodicThread thread_;
};

}  // namespace gov::flags
