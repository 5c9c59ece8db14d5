#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "experiments/model.h"

namespace gov::experiments {

// What the evaluation and ingestion paths need to know of one running experiment.
struct RunningExperiment {
  std::string key;
  std::string environment;
  std::string feature;
  std::string randomization_unit;  // the context field whose value is the unit
  std::string control_variant;
  std::vector<Arm> arms;
  core::TimePoint started_at{};
  bool operator==(const RunningExperiment&) const = default;
};

// An immutable index of the running experiments, by environment then key or feature. At most
// one running experiment binds a feature in an environment (starting a second is refused).
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

 private:
  std::vector<RunningExperiment> experiments_;
  // (environment, key) and (environment, feature) -> index into experiments_.
  std::map<std::pair<std::string, std::string>, size_t> by_key_;
  std::map<std::pair<std::string, std::string>, size_t> by_feature_;
};

// The current index, published by the experiment service whenever an experiment starts or
// stops (and when the server opens), read without locks on every evaluation.
class RunningExperiments {
 public:
  RunningExperiments() : current_(std::make_shared<const RunningExperimentIndex>()) {}

  std::shared_ptr<const RunningExperimentIndex> Current() const {
    return std::atomic_load_explicit(&current_, std::memory_order_acquire);
  }
  void Publish(std::vector<RunningExperiment> experiments) {
    const bool none = experiments.empty();
    std::atomic_store_explicit(
        &current_, std::make_shared<const RunningExperimentIndex>(std::move(experiments)),
        std::memory_order_release);
    none_.store(none, std::memory_order_release);
  }
  // True when the index last published is empty: one atomic load of a flag, for hot paths
  // (flag evaluation) that skip everything while no experiment runs.
  bool None() const { return none_.load(std::memory_order_acquire); }

 private:
  std::shared_ptr<const RunningExperimentIndex> current_;
  std::atomic<bool> none_{true};
};

}  // namespace gov::experiments
