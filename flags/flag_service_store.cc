#include "flags/internal/flag_service_store.h"

#include <map>
#include <set>

#include "flags/features_json.h"

namespace gov::flags {

namespace {

core::StatusOr<core::Json> StoredJson(const std::string& text, const std::string& what) {
  auto j = core::ParseJson(text);
  if (!j.ok()) return core::Internal("stored " + what + " is not JSON: " + j.status().message());
  return j;
}

}  // namespace

core::StatusOr<EnvironmentState> DecodeState(const store::FeatureEnvironmentRecord& record) {
  const std::string what = "state of " + record.feature + " in " + record.environment;
  ASSIGN_OR_RETURN(core::Json strategies, StoredJson(record.strategies_json, what));
  ASSIGN_OR_RETURN(core::Json variants, StoredJson(record.variants_json, what));
  core::Json feature{{"name", record.feature},
                     {"enabled", record.enabled},
                     {"strategies", std::move(strategies)},
                     {"variants", std::move(variants)}};
  auto parsed = ParseFeature(feature, "");
  if (!parsed.ok()) return core::Internal(what + " does not parse: " + parsed.status().ToString());
  return EnvironmentState{parsed->enabled, std::move(parsed->strategies),
                          std::move(parsed->variants)};
}

store::FeatureEnvironmentRecord EncodeState(const std::string& feature,
                                            const std::string& environment,
                                            const EnvironmentState& state) {
  Feature f;
  f.name = feature;
  f.strategies = state.strategies;
  f.variants = state.variants;
  const core::Json j = ToJson(f);
  return {feature, environment, state.enabled, j["strategies"].dump(), j["variants"].dump()};
}

core::StatusOr<AdminSegment> DecodeSegment(const store::SegmentRecord& record) {
  ASSIGN_OR_RETURN(core::Json j, StoredJson(record.definition_json, "segment"));
  auto segment = ParseSegment(j, "");
  if (!segment.ok())
    return core::Internal("stored segment does not parse: " + segment.status().ToString());
  segment->id = record.id;
  segment->name = record.name;
  return AdminSegment{std::move(segment).value(), record.version, record.created_at,
                      record.updated_at};
}

namespace {

// `states`: the feature's stored states (of `record`'s feature only).
core::StatusOr<AdminFeature> Assemble(
    const store::FeatureRecord& record, const std::vector<store::EnvironmentRecord>& environments,
    const std::vector<const store::FeatureEnvironmentRecord*>& states) {
  AdminFeature out;
  auto definition = DefinitionFromJson(record.definition_json);
  if (!definition.ok()) {
    return core::Internal("stored feature " + record.name +
                          " does not parse: " + definition.status().ToString());
  }
  out.definition = std::move(definition).value();
  out.version = record.version;
  out.created_at = record.created_at;
  out.updated_at = record.updated_at;
  for (const auto& env : environments) out.environments[env.name] = {};
  for (const store::FeatureEnvironmentRecord* s : states) {
    ASSIGN_OR_RETURN(out.environments[s->environment], DecodeState(*s));
  }
  return out;
}

// `states` grouped by feature name, keeping only the features `wanted` accepts.
template <typename Wanted>
std::map<std::string, std::vector<const store::FeatureEnvironmentRecord*>> StatesByFeature(
    const std::vector<store::FeatureEnvironmentRecord>& states, Wanted wanted) {
  std::map<std::string, std::vector<const store::FeatureEnvironmentRecord*>> out;
  for (const auto& s : states) {
    if (wanted(s.feature)) out[s.feature].push_back(&s);
  }
  return out;
}

}  // namespace

core::StatusOr<AdminFeature> LoadAdminFeature(const FlagRepositories& repos, store::Transaction& tx,
                                              const std::string& name) {
  ASSIGN_OR_RETURN(auto record, repos.flags.GetFeature(tx, name));
  ASSIGN_OR_RETURN(auto environments, repos.environments.List(tx));
  ASSIGN_OR_RETURN(auto states, repos.flags.ListFeatureEnvironments(tx, name));
  std::vector<const store::FeatureEnvironmentRecord*> mine;
  for (const auto& s : states) mine.push_back(&s);
  return Assemble(record, environments, mine);
}

core::StatusOr<std::vector<AdminFeature>> LoadAdminFeatures(const FlagRepositories& repos,
                                                            store::Transaction& tx) {
  ASSIGN_OR_RETURN(auto records, repos.flags.ListFeatures(tx));
  ASSIGN_OR_RETURN(auto environments, repos.environments.List(tx));
  ASSIGN_OR_RETURN(auto states, repos.flags.ListAllEnvironmentStates(tx));
  const auto by_feature = StatesByFeature(states, [](const std::string&) { return true; });
  const std::vector<const store::FeatureEnvironmentRecord*> none;
  std::vector<AdminFeature> out;
  for (const auto& record : records) {
    auto it = by_feature.find(record.name);
    ASSIGN_OR_RETURN(auto feature,
                     Assemble(record, environments, it == by_feature.end() ? none : it->second));
    out.push_back(std::move(feature));
  }
  return out;
}

core::StatusOr<store::Page<AdminFeature>> LoadAdminFeaturePage(const FlagRepositories& repos,
                                                               store::Transaction& tx,
                                                               const FeatureListQuery& query) {
  ASSIGN_OR_RETURN(auto records, repos.flags.ListFeatures(tx));
  std::vector<std::string> names;
  std::map<std::string, const store::FeatureRecord*> by_name;
  for (const auto& r : records) {
    names.push_back(r.name);
    by_name[r.name] = &r;
  }
  store::Page<std::string> selected = SelectFeatureNames(std::move(names), query);
  const std::set<std::string> wanted(selected.items.begin(), selected.items.end());
  ASSIGN_OR_RETURN(auto environments, repos.environments.List(tx));
  ASSIGN_OR_RETURN(auto states, repos.flags.ListAllEnvironmentStates(tx));
  const auto by_feature =
      StatesByFeature(states, [&wanted](const std::string& f) { return wanted.count(f) > 0; });
  const std::vector<const store::FeatureEnvironmentRecord*> none;
  store::Page<AdminFeature> out;
  out.next_cursor = std::move(selected.next_cursor);
  for (const std::string& name : selected.items) {
    auto it = by_feature.find(name);
    ASSIGN_OR_RETURN(auto feature, Assemble(*by_name.at(name), environments,
                                            it == by_feature.end() ? none : it->second));
    out.items.push_back(std::move(feature));
  }
  return out;
}

core::StatusOr<std::vector<Segment>> LoadSegments(const FlagRepositories& repos,
                                                  store::Transaction& tx) {
  ASSIGN_OR_RETURN(auto records, repos.flags.ListSegments(tx));
  std::vector<Segment> out;
  for (const auto& record : records) {
    ASSIGN_OR_RETURN(auto segment, DecodeSegment(record));
    out.push_back(std::move(segment.segment));
  }
  return out;
}

core::StatusOr<ClientFeatures> LoadClientFeatures(const FlagRepositories& repos,
                                                  store::Transaction& tx,
                                                  const std::string& environment) {
  ASSIGN_OR_RETURN(auto records, repos.flags.ListFeatures(tx));
  ASSIGN_OR_RETURN(auto states, repos.flags.ListEnvironmentStates(tx, environment));
  ClientFeatures out;
  std::map<std::string, const store::FeatureEnvironmentRecord*> by_feature;
  for (const auto& s : states) by_feature[s.feature] = &s;
  for (const auto& record : records) {
    auto definition = DefinitionFromJson(record.definition_json);
    if (!definition.ok()) {
      return core::Internal("stored feature " + record.name +
                            " does not parse: " + definition.status().ToString());
    }
    Feature feature = std::move(definition).value();
    if (auto it = by_feature.find(record.name); it != by_feature.end()) {
      ASSIGN_OR_RETURN(EnvironmentState state, DecodeState(*it->second));
      feature.enabled = state.enabled;
      feature.strategies = std::move(state.strategies);
      feature.variants = std::move(state.variants);
    }
    out.features.push_back(std::move(feature));
  }
  ASSIGN_OR_RETURN(out.segments, LoadSegments(repos, tx));
  return out;
}

}  // namespace gov::flags
