#include "flags/snapshot_registry.h"

#include <vector>

namespace gov::flags {

SnapshotRegistry::SnapshotRegistry() : map_(std::make_shared<const Map>()) {}

std::shared_ptr<const EnvironmentSnapshot> SnapshotRegistry::Get(
    std::string_view environment) const {
  const std::shared_ptr<const Map> map = map_.load(std::memory_order_acquire);
  auto it = map->find(environment);
  return it == map->end() ? nullptr : it->second;
}

bool SnapshotRegistry::Publish(const std::shared_ptr<const EnvironmentSnapshot>& snapshot) {
  std::vector<Listener> to_call;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    const std::shared_ptr<const Map> current = map_.load(std::memory_order_acquire);
    auto it = current->find(snapshot->environment);
    if (it != current->end() && it->second->revision > snapshot->revision) return false;
    auto next = std::make_shared<Map>(*current);
    (*next)[snapshot->environment] = snapshot;
    map_.store(std::move(next), std::memory_order_release);
    for (const auto& [_, l] : listeners_) to_call.push_back(l);
  }
  for (const auto& l : to_call) l(snapshot->environment, snapshot->revision);
  return true;
}

int SnapshotRegistry::Subscribe(Listener listener) {
  std::lock_guard<std::mutex> lock(write_mu_);
  const int id = next_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void SnapshotRegistry::Unsubscribe(int id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  listeners_.erase(id);
}

}  // namespace gov::flags
