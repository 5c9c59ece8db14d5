#include "flags/internal/flag_writes.h"

#include "flags/internal/flag_service_store.h"

namespace gov::flags {

core::Status RequireEnvironment(const FlagRepositories& repos, store::Transaction& tx,
                                const std::string& environment) {
  ASSIGN_OR_RETURN(bool exists, repos.environments.Exists(tx, environment));
  if (!exists) return core::NotFound("environment " + environment + " not found");
  return core::Status::Ok();
}

// Writes `next` over `before` (nullptr: a new feature). Returns whether anything changed,
// and adds the environments whose client view changed to `touched`.
core::StatusOr<bool> WriteFeature(const FlagRepositories& repos, store::Transaction& tx,
                                  const AdminFeature& next, const AdminFeature* before,
                                  core::TimePoint now, std::set<std::string>& touched, bool& all) {
  const std::string& name = next.definition.name;
  const std::string definition = DefinitionToJson(next.definition).dump();
  auto state_of = [](const AdminFeature& f, const std::string& env) {
    auto it = f.environments.find(env);
    return it == f.environments.end() ? EnvironmentState{} : it->second;
  };
  if (before == nullptr) {
    RETURN_IF_ERROR(
        repos.flags.InsertFeature(tx, {name, next.definition.project, definition, 1, now, now}));
    for (const auto& [env, state] : next.environments) {
      RETURN_IF_ERROR(repos.flags.PutFeatureEnvironment(tx, EncodeState(name, env, state)));
    }
    all = true;
    return true;
  }
  const bool definition_changed = DefinitionToJson(before->definition).dump() != definition;
  std::set<std::string> environments;
  for (const auto& [env, state] : before->environments) environments.insert(env);
  for (const auto& [env, state] : next.environments) environments.insert(env);
  std::vector<std::string> changed;
  for (const auto& env : environments) {
    if (!(state_of(*before, env) == state_of(next, env))) changed.push_back(env);
  }
  if (!definition_changed && changed.empty()) return false;
  RETURN_IF_ERROR(
      repos.flags.UpdateFeature(tx, name, next.definition.project, definition, before->version, now)
          .status());
  for (const auto& env : changed) {
    RETURN_IF_ERROR(
        repos.flags.PutFeatureEnvironment(tx, EncodeState(name, env, state_of(next, env))));
  }
  if (definition_changed) all = true;
  touched.insert(changed.begin(), changed.end());
  return true;
}

}  // namespace gov::flags
