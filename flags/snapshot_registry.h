#pragma once

// The seam between flag storage (writers) and the evaluation APIs (readers): the current
// compiled flags of every environment, replaced as a whole on each change.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "flags/model.h"
#include "flags/snapshot.h"

namespace gov::flags {

// Everything the client APIs need for one environment at one revision. Immutable.
struct EnvironmentSnapshot {
  std::string environment;
  int64_t revision = 0;                          // bumps on every change in the environment
  ClientFeatures features;                       // as stored (admin view)
  std::shared_ptr<const FlagSnapshot> compiled;  // for evaluation
};

// The latest snapshot per environment. Reads take no lock: Get() loads an immutable map
// through an atomic shared_ptr. Publish() builds a new map and swaps it in, then tells
// subscribers. Thread-safe.
class SnapshotRegistry {
 public:
  using Listener = std::function<void(const std::string& environment, int64_t revision)>;

  SnapshotRegistry();

  // The current snapshot of `environment`, or nullptr when none was published.
  std::shared_ptr<const EnvironmentSnapshot> Get(std::string_view environment) const;
  // Replaces the environment's snapshot unless the registry already holds a newer revision
  // (late publishers never roll back). Returns true when it was installed.
  bool Publish(const std::shared_ptr<const EnvironmentSnapshot>& snapshot);
  // `listener` runs after every installed Publish, on the publishing thread; keep it short.
  // Returns an id for Unsubscribe.
  int Subscribe(Listener listener);
  void Unsubscribe(int id);

 private:
  using Map = std::map<std::string, std::shared_ptr<const EnvironmentSnapshot>, std::less<>>;
  std::atomic<std::shared_ptr<const Map>> map_;
  std::mutex write_mu_;  // serializes publishers and subscriber changes
  std::map<int, Listener> listeners_;
  int next_id_ = 1;
};

}  // namespace gov::flags
