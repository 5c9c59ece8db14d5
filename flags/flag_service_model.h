#pragma once

// The admin API's view of flags: one feature with its state in every environment, and
// segments with their versions. Parsing here checks shape and semantics of one object;
// FlagService checks references against the store (segments, parent features).

#include <map>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"
#include "flags/model.h"

namespace gov::flags {

// A feature's state in one environment.
struct EnvironmentState {
  bool enabled = false;
  std::vector<Strategy> strategies;
  std::vector<Variant> variants;

  bool operator==(const EnvironmentState&) const = default;
};

// A feature as the admin API shows it. `definition` carries the environment-independent
// fields; its enabled/strategies/variants are unused (they live in `environments`).
struct AdminFeature {
  Feature definition;
  std::map<std::string, EnvironmentState> environments;
  int64_t version = 0;
  core::TimePoint created_at;
  core::TimePoint updated_at;
};

struct AdminSegment {
  Segment segment;  // id, name, constraints
  int64_t version = 0;
  core::TimePoint created_at;
  core::TimePoint updated_at;
};

// Feature names are URL path segments: 1..100 of [A-Za-z0-9._~-], not starting with '.'.
// "import" and "export" are reserved by the admin API's routes.
core::Status ValidateFeatureName(std::string_view name, std::string_view field);

// Parses a POST/PUT body: {"name", "project"?, "type"?, "description"?, "stale"?,
// "impressionData"?, "dependencies"?, "environments"?: {env: {"enabled"?, "strategies"?,
// "variants"?}}}. "version", "createdAt" and "updatedAt" are accepted and ignored, so a GET
// result can be sent back. Defaults: project "default", type "release". Errors name the
// field, e.g. "environments.production.strategies[1].constraints[0].operator".
core::StatusOr<AdminFeature> ParseAdminFeature(const core::Json& body);
// Parses {"strategies": [...]} for one environment; errors like "strategies[1].name".
core::StatusOr<std::vector<Strategy>> ParseStrategiesBody(const core::Json& body);
// Parses {"variants": [...]} for one environment; errors like "variants[0].weight".
core::StatusOr<std::vector<Variant>> ParseVariantsBody(const core::Json& body);
// Parses a segment body {"name", "constraints"}; `id` becomes its id.
core::StatusOr<Segment> ParseSegmentBody(const core::Json& body, int64_t id);

// The feature as Unleash SDKs see it in `environment` (disabled, no strategies when the
// feature has no state there).
Feature FeatureInEnvironment(const AdminFeature& feature, const std::string& environment);
// Splits a client-API feature into its environment-independent part and its state. An empty
// project or type takes ParseAdminFeature's default, so imported and created flags look alike.
AdminFeature FromClientFeature(const Feature& feature, const std::string& environment);

// The admin JSON of a feature (the shape ParseAdminFeature reads, plus version and times).
core::Json AdminFeatureToJson(const AdminFeature& feature);
core::Json AdminSegmentToJson(const AdminSegment& segment);
// The environment-independent fields as stored (the client-API shape without enabled,
// strategies and variants).
core::Json DefinitionToJson(const Feature& definition);
// Parses what DefinitionToJson wrote.
core::StatusOr<Feature> DefinitionFromJson(std::string_view text);

}  // namespace gov::flags
