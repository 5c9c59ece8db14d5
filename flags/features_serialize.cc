#include "flags/features_json.h"

namespace gov::flags {

namespace {

core::Json ConstraintsToJson(const std::vector<Constraint>& constraints) {
  core::Json out = core::Json::array();
  for (const Constraint& c : constraints) {
    // `values` even when empty: unleash-client-node reads constraint.values.filter(...)
    // for the list operators (IN_CIDR too) without a null check.
    core::Json j = {{"contextName", c.context_name},
                    {"operator", c.op},
                    {"values", c.values},
                    {"caseInsensitive", c.case_insensitive},
                    {"inverted", c.inverted}};
    if (c.value) j["value"] = *c.value;
    out.push_back(std::move(j));
  }
  return out;
}

core::Json VariantsToJson(const std::vector<Variant>& variants) {
  core::Json out = core::Json::array();
  for (const Variant& v : variants) {
    core::Json j = {{"name", v.name}, {"weight", v.weight}};
    if (v.weight_type) j["weightType"] = *v.weight_type;
    if (v.stickiness) j["stickiness"] = *v.stickiness;
    if (v.payload) j["payload"] = {{"type", v.payload->type}, {"value", v.payload->value}};
    if (!v.overrides.empty()) {
      core::Json overrides = core::Json::array();
      for (const Override& o : v.overrides) {
        overrides.push_back({{"contextName", o.context_name}, {"values", o.values}});
      }
      j["overrides"] = std::move(overrides);
    }
    out.push_back(std::move(j));
  }
  return out;
}

core::Json StrategyToJson(const Strategy& s) {
  core::Json j = {{"name", s.name},
                  {"parameters", core::Json::object()},
                  {"constraints", ConstraintsToJson(s.constraints)},
                  {"variants", VariantsToJson(s.variants)}};
  for (const auto& [key, value] : s.parameters) j["parameters"][key] = value;
  if (s.id) j["id"] = *s.id;
  if (s.title) j["title"] = *s.title;
  if (!s.segments.empty()) j["segments"] = s.segments;
  if (s.disabled) j["disabled"] = true;
  if (s.sort_order) j["sortOrder"] = *s.sort_order;
  return j;
}

}  // namespace

core::Json ToJson(const Feature& f) {
  core::Json j = {{"name", f.name},
                  {"enabled", f.enabled},
                  {"stale", f.stale},
                  {"impressionData", f.impression_data},
                  {"strategies", core::Json::array()},
                  {"variants", VariantsToJson(f.variants)}};
  if (!f.project.empty()) j["project"] = f.project;
  if (!f.type.empty()) j["type"] = f.type;
  if (f.description) j["description"] = *f.description;
  for (const Strategy& s : f.strategies) j["strategies"].push_back(StrategyToJson(s));
  if (!f.dependencies.empty()) {
    core::Json deps = core::Json::array();
    for (const Dependency& d : f.dependencies) {
      core::Json dj = {{"feature", d.feature}};
      if (d.enabled) dj["enabled"] = *d.enabled;
      if (!d.variants.empty()) dj["variants"] = d.variants;
      deps.push_back(std::move(dj));
    }
    j["dependencies"] = std::move(deps);
  }
  return j;
}

core::Json ToJson(const Segment& s) {
  core::Json j = {{"id", s.id}, {"constraints", ConstraintsToJson(s.constraints)}};
  if (s.name) j["name"] = *s.name;
  return j;
}

core::Json ToJson(const ClientFeatures& cf) {
  core::Json j = {{"version", cf.version},
                  {"features", core::Json::array()},
                  {"segments", core::Json::array()}};
  for (const Feature& f : cf.features) j["features"].push_back(ToJson(f));
  for (const Segment& s : cf.segments) j["segments"].push_back(ToJson(s));
  return j;
}

}  // namespace gov::flags
