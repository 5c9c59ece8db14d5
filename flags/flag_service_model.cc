#include "flags/flag_service_model.h"

#include "core/time_format.h"
#include "flags/features_json.h"

namespace gov::flags {

namespace {

constexpr ParseOptions kStrict{.strict = true};
// The admin API's defaults, for created and imported flags alike.
constexpr const char* kDefaultProject = "default";
constexpr const char* kDefaultType = "release";

void Default(core::Json& j, const char* key, const char* value) {
  if (!j.contains(key) || j[key].is_null()) j[key] = value;
}

}  // namespace

core::Status ValidateFeatureName(std::string_view name, std::string_view field) {
  const std::string f(field);
  if (name.empty() || name.size() > 100)
    return core::InvalidArgument("must be 1 to 100 characters", f);
  if (name.front() == '.') return core::InvalidArgument("must not start with '.'", f);
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '~' || c == '-';
    if (!ok) return core::InvalidArgument("may contain only letters, digits and . _ ~ -", f);
  }
  if (name == "import" || name == "export") {
    return core::InvalidArgument("\"" + std::string(name) + "\" is reserved by the admin API", f);
  }
  return core::Status::Ok();
}

core::StatusOr<AdminFeature> ParseAdminFeature(const core::Json& body) {
  if (!body.is_object()) return core::InvalidArgument("expected a JSON object", "body");
  core::FieldReader r(body, "");
  r.RejectUnknown({"name", "project", "type", "description", "stale", "impressionData",
                   "dependencies", "environments", "version", "createdAt", "updatedAt"});
  const core::Json* environments = r.OptionalObject("environments");
  RETURN_IF_ERROR(r.status());
  core::Json def = body;
  for (const char* key : {"environments", "version", "createdAt", "updatedAt"}) def.erase(key);
  Default(def, "project", kDefaultProject);
  Default(def, "type", kDefaultType);
  def["enabled"] = false;
  AdminFeature out;
  ASSIGN_OR_RETURN(out.definition, ParseFeature(def, "", kStrict));
  RETURN_IF_ERROR(ValidateFeatureName(out.definition.name, "name"));
  if (out.definition.project.empty()) return core::InvalidArgument("must not be empty", "project");
  if (out.definition.type.empty()) return core::InvalidArgument("must not be empty", "type");
  if (environments == nullptr) return out;
  for (const auto& [env, state] : environments->items()) {
    const std::string path = core::JoinFieldPath("environments", env);
    if (!state.is_object()) return core::InvalidArgument("expected an object", path);
    core::FieldReader er(state, path);
    er.RejectUnknown({"enabled", "strategies", "variants"});
    const bool enabled = er.OptionalBool("enabled").value_or(false);
    RETURN_IF_ERROR(er.status());
    core::Json feature = def;
    feature["enabled"] = enabled;
    for (const char* key : {"strategies", "variants"}) {
      if (state.contains(key)) feature[key] = state[key];
    }
    ASSIGN_OR_RETURN(Feature parsed, ParseFeature(feature, path, kStrict));
    out.environments[env] = {parsed.enabled, std::move(parsed.strategies),
                             std::move(parsed.variants)};
  }
  return out;
}

namespace {

// Parses {"<key>": [...]} as the member of a placeholder feature, so errors read "<key>[i]...".
core::StatusOr<Feature> ParseListBody(const core::Json& body, const char* key) {
  if (!body.is_object()) return core::InvalidArgument("expected a JSON object", "body");
  core::FieldReader r(body, "");
  r.RejectUnknown({key});
  if (!r.Has(key)) r.Fail(key, "is required");
  r.OptionalArray(key);
  RETURN_IF_ERROR(r.status());
  core::Json feature{{"name", "placeholder"}, {"enabled", false}, {key, body[key]}};
  return ParseFeature(feature, "", kStrict);
}

}  // namespace

core::StatusOr<std::vector<Strategy>> ParseStrategiesBody(const core::Json& body) {
  ASSIGN_OR_RETURN(Feature f, ParseListBody(body, "strategies"));
  return std::move(f.strategies);
}

core::StatusOr<std::vector<Variant>> ParseVariantsBody(const core::Json& body) {
  ASSIGN_OR_RETURN(Feature f, ParseListBody(body, "variants"));
  return std::move(f.variants);
}

core::StatusOr<Segment> ParseSegmentBody(const core::Json& body, int64_t id) {
  if (!body.is_object()) return core::InvalidArgument("expected a JSON object", "body");
  core::FieldReader r(body, "");
  r.RejectUnknown({"id", "name", "constraints", "version", "createdAt", "updatedAt", "usedBy"});
  const std::string name = r.RequiredString("name");
  if (r.ok() && name.empty()) r.Fail("name", "must not be empty");
  RETURN_IF_ERROR(r.status());
  core::Json segment{{"id", id}, {"name", name}, {"constraints", core::Json::array()}};
  if (body.contains("constraints")) segment["constraints"] = body["constraints"];
  return ParseSegment(segment, "", kStrict);
}

Feature FeatureInEnvironment(const AdminFeature& feature, const std::string& environment) {
  Feature out = feature.definition;
  out.enabled = false;
  out.strategies.clear();
  out.variants.clear();
  if (auto it = feature.environments.find(environment); it != feature.environments.end()) {
    out.enabled = it->second.enabled;
    out.strategies = it->second.strategies;
    out.variants = it->second.variants;
  }
  return out;
}

AdminFeature FromClientFeature(const Feature& feature, const std::string& environment) {
  AdminFeature out;
  out.definition = feature;
  if (out.definition.project.empty()) out.definition.project = kDefaultProject;
  if (out.definition.type.empty()) out.definition.type = kDefaultType;
  out.definition.enabled = false;
  out.definition.strategies.clear();
  out.definition.variants.clear();
  out.environments[environment] = {feature.enabled, feature.strategies, feature.variants};
  return out;
}

core::Json DefinitionToJson(const Feature& definition) {
  Feature bare = definition;
  bare.enabled = false;
  bare.strategies.clear();
  bare.variants.clear();
  core::Json j = ToJson(bare);
  for (const char* key : {"enabled", "strategies", "variants"}) j.erase(key);
  return j;
}

core::StatusOr<Feature> DefinitionFromJson(std::string_view text) {
  ASSIGN_OR_RETURN(core::Json j, core::ParseJson(text));
  if (!j.is_object()) return core::Internal("stored feature definition is not an object");
  j["enabled"] = false;
  return ParseFeature(j, "");
}

core::Json AdminFeatureToJson(const AdminFeature& feature) {
  core::Json j = DefinitionToJson(feature.definition);
  core::Json envs = core::Json::object();
  for (const auto& [env, state] : feature.environments) {
    core::Json fj = ToJson(FeatureInEnvironment(feature, env));
    envs[env] = {
        {"enabled", state.enabled}, {"strategies", fj["strategies"]}, {"variants", fj["variants"]}};
  }
  j["environments"] = std::move(envs);
  j["version"] = feature.version;
  j["createdAt"] = core::FormatRfc3339(feature.created_at);
  j["updatedAt"] = core::FormatRfc3339(feature.updated_at);
  return j;
}

core::Json AdminSegmentToJson(const AdminSegment& segment) {
  core::Json j = ToJson(segment.segment);
  j["version"] = segment.version;
  j["createdAt"] = core::FormatRfc3339(segment.created_at);
  j["updatedAt"] = core::FormatRfc3339(segment.updated_at);
  return j;
}

}  // namespace gov::flags
