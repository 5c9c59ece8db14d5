#include "experiments/running_experiments.h"

#include <algorithm>
#include <utility>

#include "flags/evaluator.h"

namespace gov::experiments {

namespace {

std::atomic<uint64_t> next_generation{1};

// The index a thread last read, and those replaced while a Pin of the thread was alive.
struct PinCache {
  uint64_t generation = 0;
  std::shared_ptr<const RunningExperimentIndex> index;
  std::vector<std::shared_ptr<const RunningExperimentIndex>> retired;
  int live = 0;
};

thread_local PinCache pin_cache;

}  // namespace

UnitField ResolveUnitField(std::string_view field) {
  UnitField unit;
  if (field.rfind("properties.", 0) == 0) {
    unit.property = std::string(field.substr(11));
    return unit;
  }
  unit.property = std::string(field);
  if (field == "userId") {
    unit.kind = UnitField::Kind::kUserId;
  } else if (field == "sessionId") {
    unit.kind = UnitField::Kind::kSessionId;
  } else if (field == "remoteAddress") {
    unit.kind = UnitField::Kind::kRemoteAddress;
  } else if (field == "appName") {
    unit.kind = UnitField::Kind::kAppName;
  } else if (field == "default") {
    unit.kind = UnitField::Kind::kDefault;
  }
  return unit;
}

std::string_view RolloutArm(const RolloutArms& rollout, std::string_view unit) {
  const bool exposed = rollout.percentage > 0 && flags::RolloutBucket(rollout.group_id, unit) <=
                                                     static_cast<uint32_t>(rollout.percentage);
  return exposed ? kRolloutArmExposed : kRolloutArmRest;
}

uint64_t ExperimentHash(const RunningExperiment& experiment) {
  const std::hash<std::string_view> hash;
  return MixBits(MixBits(hash(experiment.environment)) ^ hash(experiment.key));
}

RunningExperimentIndex::RunningExperimentIndex(std::vector<RunningExperiment> experiments)
    : experiments_(std::move(experiments)) {
  for (size_t i = 0; i < experiments_.size(); ++i) {
    const RunningExperiment& e = experiments_[i];
    by_key_.emplace(std::make_pair(e.environment, e.key), i);
    if (e.rollout) by_key_.emplace(std::make_pair(e.environment, e.rollout->plan), i);
    if (!e.rollout) by_feature_.emplace(std::make_pair(e.environment, e.feature), i);
    auto slot = std::find_if(by_environment_.begin(), by_environment_.end(),
                             [&](const auto& entry) { return entry.first == e.environment; });
    if (slot == by_environment_.end()) {
      by_environment_.emplace_back(e.environment, EnvironmentTargets{});
      slot = by_environment_.end() - 1;
    }
    EnvironmentTargets& env = slot->second;
    if (e.rollout) {
      env.rollouts.push_back({i, ResolveUnitField(e.randomization_unit), ExperimentHash(e)});
      continue;
    }
    if (env.by_feature.emplace(e.feature, env.targets.size()).second) {
      env.targets.push_back({i, ResolveUnitField(e.randomization_unit), ExperimentHash(e)});
    }
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

const EnvironmentTargets* RunningExperimentIndex::Targets(std::string_view environment) const {
  for (const auto& [name, targets] : by_environment_) {
    if (name == environment) return &targets;
  }
  return nullptr;
}

RunningExperiments::RunningExperiments()
    : current_(std::make_shared<const RunningExperimentIndex>()),
      generation_(next_generation.fetch_add(1, std::memory_order_relaxed)) {}

void RunningExperiments::Publish(std::vector<RunningExperiment> experiments) {
  std::lock_guard<std::mutex> lock(sources_mu_);
  experiments_ = std::move(experiments);
  Rebuild();
}

void RunningExperiments::PublishRollouts(std::vector<RunningExperiment> windows) {
  std::lock_guard<std::mutex> lock(sources_mu_);
  rollouts_ = std::move(windows);
  Rebuild();
}

void RunningExperiments::Rebuild() {
  std::vector<RunningExperiment> all = experiments_;
  all.insert(all.end(), rollouts_.begin(), rollouts_.end());
  const bool none = all.empty();
  std::atomic_store_explicit(&current_,
                             std::make_shared<const RunningExperimentIndex>(std::move(all)),
                             std::memory_order_release);
  none_.store(none, std::memory_order_release);
  // After current_: a reader that sees this generation reads this index or a newer one, and
  // a newer one comes with a newer generation.
  generation_.store(next_generation.fetch_add(1, std::memory_order_relaxed),
                    std::memory_order_release);
}

RunningExperiments::Pin::Pin(const RunningExperiments& running) {
  PinCache& cache = pin_cache;
  if (cache.live == 0 && !cache.retired.empty()) cache.retired.clear();
  const uint64_t generation = running.generation_.load(std::memory_order_acquire);
  if (generation != cache.generation || !cache.index) {
    if (cache.live > 0 && cache.index) cache.retired.push_back(std::move(cache.index));
    cache.index = running.Current();
    cache.generation = generation;
  }
  ++cache.live;
  index_ = cache.index.get();
}

RunningExperiments::Pin::~Pin() { --pin_cache.live; }

}  // namespace gov::experiments
