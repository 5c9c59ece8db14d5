#include "experiments/running_experiments.h"

namespace gov::experiments {

RunningExperimentIndex::RunningExperimentIndex(std::vector<RunningExperiment> experiments)
    : experiments_(std::move(experiments)) {
  for (size_t i = 0; i < experiments_.size(); ++i) {
    const RunningExperiment& e = experiments_[i];
    by_key_.emplace(std::make_pair(e.environment, e.key), i);
    by_feature_.emplace(std::make_pair(e.environment, e.feature), i);
  }
}

const RunningExperiment* RunningExperimentIndex::ByKey(const std::string& environment,
                                                       const std::string& key) const {
  auto it = by_key_.find({environment, key});
  return it == by_key_.end() ? nullptr : &experiments_[it->second];
}

const RunningExperiment* RunningExperimentIndex::ByFeature(const std::string& environment,
                                                           const std::string& feature) const {
  auto it = by_feature_.find({environment, feature});
  return it == by_feature_.end() ? nullptr : &experiments_[it->second];
}

const RunningExperiment* RunningExperimentIndex::Resolve(const std::string& environment,
                                                         const std::string& key_or_feature) const {
  if (const RunningExperiment* e = ByKey(environment, key_or_feature)) return e;
  return ByFeature(environment, key_or_feature);
}

}  // namespace gov::experiments
