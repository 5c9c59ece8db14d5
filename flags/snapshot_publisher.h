#pragma once

// Keeps a SnapshotRegistry equal to the store: publishes every environment at start, and
// again whenever its revision changes, whether the change was made by this process or by
// another replica on the same database.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/status.h"
#include "flags/flag_service_repositories.h"
#include "flags/snapshot.h"
#include "flags/snapshot_registry.h"
#include "store/database.h"

namespace gov::flags {

// The notification channel flag writers NOTIFY on; the payload is the environment name.
inline constexpr const char* kFlagsChannel = "gov_flags";

struct PublisherOptions {
  // LISTEN on kFlagsChannel (false leaves only the periodic check, for tests).
  bool listen = true;
  // How often stored revisions are compared with the registry's (the fallback for missed
  // notifications).
  std::chrono::milliseconds check_interval{500};
  // Measures check_interval (the thread sleeps in real time, at most one interval, and asks
  // this clock whether a check is due). Must outlive the publisher.
  const core::Clock* clock = &core::SystemClock::Instance();
  CompileOptions compile;
};

// Reads `environment` (revision first, then its flags, through `repos`) and compiles it.
core::StatusOr<std::shared_ptr<const EnvironmentSnapshot>> LoadEnvironmentSnapshot(
    store::Database& db, const FlagRepositories& repos, const std::string& environment,
    const CompileOptions& options);

// Thread-safe. Stop() (or destruction) before the database closes.
class SnapshotPublisher {
 public:
  // Reads flags and environments through `repositories` (it writes nothing).
  SnapshotPublisher(store::Database& db, SnapshotRegistry& registry, PublisherOptions options,
                    FlagRepositories repositories = SqlFlagRepositories());
  ~SnapshotPublisher();
  SnapshotPublisher(const SnapshotPublisher&) = delete;
  SnapshotPublisher& operator=(const SnapshotPublisher&) = delete;

  // Publishes every environment, then starts listening and the periodic check.
  core::Status Start();
  // Publishes `environment` from the store unless the registry already holds its stored
  // revision (or a newer one).
  core::Status Reload(const std::string& environment);
  // Reloads every environment whose stored revision differs from the registry's, and
  // environments the registry has not seen.
  core::Status CheckRevisions();
  // Stops the background thread; later notifications are ignored.
  void Stop();

 private:
  // What the notification handler shares with the publisher thread; the handler may
  // outlive the publisher (the database owns it), so it holds only this.
  struct Inbox {
    std::mutex mu;
    std::condition_variable cv;
    std::set<std::string> pending;
    bool stopped = false;
  };
  void Run();

  store::Database& db_;
  SnapshotRegistry& registry_;
  PublisherOptions options_;
  const FlagRepositories repos_;
  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();
  std::thread thread_;
  std::mutex reload_mu_;  // one reload at a time, so revisions are published in order
};

}  // namespace gov::flags
