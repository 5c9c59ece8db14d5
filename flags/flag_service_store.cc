#include "flags/internal/flag_service_store.h"

#include <map>

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

core::StatusOr<AdminFeature> Assemble(const store::FeatureRecord& record,
                                      const std::vector<store::EnvironmentRecord>& environments,
                                      const std::vector<store::FeatureEnvironmentRecord>& states) {
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
  for (const auto& s : states) {
    if (s.feature != record.name) continue;
    ASSIGN_OR_RETURN(out.environments[s.environment], DecodeState(s));
  }
  return out;
}

}  // namespace

core::StatusOr<AdminFeature> LoadAdminFeature(const FlagRepositories& repos, store::Transaction& tx,
                                              const std::string& name) {
  ASSIGN_OR_RETURN(auto record, repos.flags.GetFeature(tx, name));
  ASSIGN_OR_RETURN(auto environments, repos.environments.List(tx));
  ASSIGN_OR_RETURN(auto states, repos.flags.ListFeatureEnvironments(tx, name));
  return Assemble(record, environments, states);
}

core::StatusOr<std::vector<AdminFeature>> LoadAdminFeatures(const FlagRepositories& repos,
                                                            store::Transaction& tx) {
  ASSIGN_OR_RETURN(auto records, repos.flags.ListFeatures(tx));
  ASSIGN_OR_RETURN(auto environments, repos.environments.List(tx));
  ASSIGN_OR_RETURN(auto states, repos.flags.ListAllEnvironmentStates(tx));
  std::vector<AdminFeature> out;
  for (const auto& record : records) {
    ASSIGN_OR_RETURN(auto feature, Assemble(record, environments, states));
    out.push_back(std::move(feature));
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
