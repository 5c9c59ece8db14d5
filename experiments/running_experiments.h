#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "experiments/model.h"

namespace gov::experiments {

// The splitmix64 finalizer: spreads a 64-bit hash's bits (ExperimentHash, the exposure
// recorder's pair hash). Inline: it is on the evaluation path.
inline uint64_t MixBits(uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

// The arms of a release plan's evidence window (rollouts/plan_evidence.h): a unit is exposed
// when the plan's managed flexibleRollout buckets it within the milestone's percentage, and
// in the rest otherwise, whatever variant or answer the evaluation gave.
inline constexpr std::string_view kRolloutArmExposed = "exposed";
inline constexpr std::string_view kRolloutArmRest = "rest";

// What makes a running "experiment" a release plan's evidence window: exposures are recorded
// for every evaluation of the feature (on or off), in the arm the rollout assigns.
struct RolloutArms {
  std::string plan;      // "release-plan:<name>": events may name the window by it
  int percentage = 0;    // the milestone's rollout, 0-100
  std::string group_id;  // the managed flexibleRollout's groupId
  bool operator==(const RolloutArms&) const = default;
};

// kRolloutArmExposed or kRolloutArmRest for `unit` (the stickiness value).
std::string_view RolloutArm(const RolloutArms& rollout, std::string_view unit);

// What the evaluation and ingestion paths need to know of one running experiment (or of a
// release plan's evidence window, with `rollout` set).
struct RunningExperiment {
  std::string key;
  std::string environment;
  std::string feature;
  std::string randomization_unit;  // the context field whose value is the unit
  std::string control_variant;
  std::vector<Arm> arms;
  core::TimePoint started_at{};
  std::optional<RolloutArms> rollout;  // set for a release plan's evidence window
  bool operator==(const RunningExperiment&) const = default;
};

// How a randomization unit field is read from a context, resolved once from its name:
// "userId", "sessionId", "remoteAddress", "appName" read that standard field when it is set
// and else the property of that name; "default" reads userId, else sessionId (a
// flexibleRollout's default stickiness, without its random fallback); "properties.X" and any
// other name read property X.
struct UnitField {
  enum class Kind { kUserId, kSessionId, kRemoteAddress, kAppName, kProperty, kDefault };
  Kind kind = Kind::kProperty;
  std::string property;
};
UnitField ResolveUnitField(std::string_view field);

// A 64-bit hash of (environment, key): the experiment's part of the exposure memory's keys.
uint64_t ExperimentHash(const RunningExperiment& experiment);

// One running experiment as an evaluation in its environment consults it.
struct ExposureTarget {
  size_t experiment = 0;  // index into RunningExperimentIndex::All()
  UnitField unit;         // resolved randomization_unit
  uint64_t hash = 0;      // ExperimentHash
};

// The running experiments of one environment.
struct EnvironmentTargets {
  std::vector<ExposureTarget> targets;
  std::map<std::string, size_t, std::less<>> by_feature;  // feature -> index into targets
  // Release plans' evidence windows (RunningExperiment::rollout), at most one per feature;
  // a feature may have one of each.
  std::vector<ExposureTarget> rollouts;
};

// An immutable index of the running experiments, by environment then key or feature. At most
// one running experiment binds a feature in an environment (starting a second is refused).
// Release plans' evidence windows are indexed by their key and by their plan
// ("release-plan:<name>"), never by feature: an exposure that names the feature is the
// experiment's.
class RunningExperimentIndex {
 public:
  RunningExperimentIndex() = default;
  explicit RunningExperimentIndex(std::vector<RunningExperiment> experiments);

  // The running experiment of `environment` whose key is `key_or_feature`, else the one bound
  // to the feature of that name; nullptr when neither.
  const RunningExperiment* Resolve(const std::string& environment,
                                   const std::string& key_or_feature) const;
  const RunningExperiment* ByFeature(const std::string& environment,
                                     const std::string& feature) const;
  const RunningExperiment* ByKey(const std::string& environment, const std::string& key) const;
  const std::vector<RunningExperiment>& All() const { return experiments_; }
  bool empty() const { return experiments_.empty(); }

  // The experiments running in `environment`, resolved for evaluation (one lookup per
  // request); nullptr when none runs there.
  const EnvironmentTargets* Targets(std::string_view environment) const;

 private:
  std::vector<RunningExperiment> experiments_;
  // (environment, key) and (environment, feature) -> index into experiments_.
  std::map<std::pair<std::string, std::string>, size_t> by_key_;
  std::map<std::pair<std::string, std::string>, size_t> by_feature_;
  // A few environments: scanned, the names compared in place.
  std::vector<std::pair<std::string, EnvironmentTargets>> by_environment_;
};

// The current index, published by the experiment service whenever an experiment starts or
// stops (and when the server opens), read without locks on every evaluation.
class RunningExperiments {
 public:
  RunningExperiments();

  std::shared_ptr<const RunningExperimentIndex> Current() const {
    return std::atomic_load_explicit(&current_, std::memory_order_acquire);
  }
  void Publish(std::vector<RunningExperiment> experiments);
  // Replaces the release plans' evidence windows (each with `rollout` set); the index holds
  // those and the experiments of the last Publish. Publish and PublishRollouts are two
  // sources: each keeps the other's entries.
  void PublishRollouts(std::vector<RunningExperiment> windows);
  // True when the index last published is empty: one atomic load of a flag, for hot paths
  // (flag evaluation) that skip everything while no experiment runs.
  bool None() const { return none_.load(std::memory_order_acquire); }

  // The current index for the lifetime of one request on the calling thread, without the
  // shared_ptr's atomic load and reference counting: each thread keeps the index it last
  // read and re-reads it only when a publish changed the generation (one atomic load). A Pin
  // must be destroyed on the thread that made it; indexes replaced while a Pin of the thread
  // is alive are kept until none is.
  class Pin {
   public:
    explicit Pin(const RunningExperiments& running);
    ~Pin();
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;
    const RunningExperimentIndex& index() const { return *index_; }

   private:
    const RunningExperimentIndex* index_;
  };

 private:
  void Rebuild();  // with sources_mu_ held

  std::mutex sources_mu_;
  std::vector<RunningExperiment> experiments_;  // the last Publish
  std::vector<RunningExperiment> rollouts_;     // the last PublishRollouts
  std::shared_ptr<const RunningExperimentIndex> current_;
  std::atomic<bool> none_{true};
  // Changes after every publish of current_; unique across all instances of the process.
  std::atomic<uint64_t> generation_;
};

}  // namespace gov::experiments
