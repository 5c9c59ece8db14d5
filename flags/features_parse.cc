#include <string>
#include <vector>

#include "flags/features_json.h"
#include "flags/internal/js.h"
#include "flags/internal/validate.h"

namespace gov::flags {

namespace {

// Reads one JSON object into a model type. Each method records the first error, with
// its field path, in the FieldReader it was given or returns it.
class Parser {
 public:
  explicit Parser(const ParseOptions& options) : strict_(options.strict) {}

  core::Status ParseRoot(const core::Json& json, ClientFeatures& out) const {
    core::FieldReader r(json, "");
    if (strict_) r.RejectUnknown({"version", "features", "segments"});
    out.version = r.OptionalInt("version").value_or(2);
    if (const core::Json* features = r.OptionalArray("features")) {
      for (size_t i = 0; i < features->size() && r.ok(); ++i) {
        Feature f;
        RETURN_IF_ERROR(ParseFeature((*features)[i], core::IndexFieldPath("features", i), f));
        out.features.push_back(std::move(f));
      }
    }
    if (const core::Json* segments = r.OptionalArray("segments")) {
      for (size_t i = 0; i < segments->size() && r.ok(); ++i) {
        Segment s;
        RETURN_IF_ERROR(ParseSegment((*segments)[i], core::IndexFieldPath("segments", i), s));
        out.segments.push_back(std::move(s));
      }
    }
    return r.status();
  }

  core::Status ParseFeature(const core::Json& json, const std::string& path, Feature& out) const {
    core::FieldReader r(json, path);
    if (strict_) {
      r.RejectUnknown({"name", "description", "enabled", "project", "type", "stale",
                       "impressionData", "strategies", "variants", "dependencies"});
    }
    out.name = r.RequiredString("name");
    if (!r.Has("enabled")) r.Fail("enabled", "is required");
    out.enabled = r.OptionalBool("enabled").value_or(false);
    out.project = r.OptionalString("project").value_or("");
    out.type = r.OptionalString("type").value_or("");
    out.description = r.OptionalString("description");
    out.stale = r.OptionalBool("stale").value_or(false);
    out.impression_data = r.OptionalBool("impressionData").value_or(false);
    if (const core::Json* strategies = r.OptionalArray("strategies")) {
      for (size_t i = 0; i < strategies->size() && r.ok(); ++i) {
        Strategy s;
        RETURN_IF_ERROR(
            ParseStrategy((*strategies)[i], core::IndexFieldPath(r.FieldPath("strategies"), i), s));
        out.strategies.push_back(std::move(s));
      }
    }
    RETURN_IF_ERROR(r.status());
    RETURN_IF_ERROR(ParseVariants(r, "variants", /*allow_overrides=*/true, out.variants));
    if (const core::Json* deps = r.OptionalArray("dependencies")) {
      for (size_t i = 0; i < deps->size() && r.ok(); ++i) {
        Dependency d;
        RETURN_IF_ERROR(
            ParseDependency((*deps)[i], core::IndexFieldPath(r.FieldPath("dependencies"), i), d));
        out.dependencies.push_back(std::move(d));
      }
    }
    return r.status();
  }

  core::Status ParseSegment(const core::Json& json, const std::string& path, Segment& out) const {
    core::FieldReader r(json, path);
    if (strict_) r.RejectUnknown({"id", "name", "constraints"});
    out.id = r.RequiredInt("id");
    out.name = r.OptionalString("name");
    RETURN_IF_ERROR(r.status());
    return ParseConstraints(r, out.constraints);
  }

 private:
  core::Status ParseStrategy(const core::Json& json, const std::string& path, Strategy& out) const {
    core::FieldReader r(json, path);
    if (strict_) {
      r.RejectUnknown({"name", "id", "title", "parameters", "constraints", "segments", "variants",
                       "disabled", "sortOrder"});
    }
    out.name = r.RequiredString("name");
    out.id = r.OptionalString("id");
    out.title = r.OptionalString("title");
    out.disabled = r.OptionalBool("disabled").value_or(false);
    out.sort_order = r.OptionalInt("sortOrder");
    if (const core::Json* params = r.OptionalObject("parameters")) {
      const std::string params_path = r.FieldPath("parameters");
      for (const auto& [key, value] : params->items()) {
        if (value.is_null()) continue;
        if (value.is_string()) {
          out.parameters[key] = value.get<std::string>();
        } else if (value.is_number()) {
          // Unleash sends strings; a number means what String(n) would give the SDK.
          out.parameters[key] = internal::JsNumberToString(value.get<double>());
        } else if (value.is_boolean()) {
          out.parameters[key] = value.get<bool>() ? "true" : "false";
        } else {
          return core::InvalidArgument("expected a string", core::JoinFieldPath(params_path, key));
        }
      }
    }
    if (const core::Json* segments = r.OptionalArray("segments")) {
      for (size_t i = 0; i < segments->size(); ++i) {
        const core::Json& id = (*segments)[i];
        if (!id.is_number_integer()) {
          return core::InvalidArgument("expected a segment id (an integer)",
                                       core::IndexFieldPath(r.FieldPath("segments"), i));
        }
        out.segments.push_back(id.get<int64_t>());
      }
    }
    RETURN_IF_ERROR(r.status());
    RETURN_IF_ERROR(ParseConstraints(r, out.constraints));
    return ParseVariants(r, "variants", /*allow_overrides=*/false, out.variants);
  }

  core::Status ParseConstraints(core::FieldReader& r, std::vector<Constraint>& out) const {
    const core::Json* constraints = r.OptionalArray("constraints");
    RETURN_IF_ERROR(r.status());
    if (!constraints) return core::Status::Ok();
    for (size_t i = 0; i < constraints->size(); ++i) {
      Constraint c;
      RETURN_IF_ERROR(ParseConstraint((*constraints)[i],
                                      core::IndexFieldPath(r.FieldPath("constraints"), i), c));
      out.push_back(std::move(c));
    }
    return core::Status::Ok();
  }

  core::Status ParseConstraint(const core::Json& json, const std::string& path,
                               Constraint& out) const {
    core::FieldReader r(json, path);
    if (strict_) {
      r.RejectUnknown(
          {"contextName", "operator", "values", "value", "caseInsensitive", "inverted"});
    }
    out.context_name = r.RequiredString("contextName");
    out.op = r.RequiredString("operator");
    out.case_insensitive = r.OptionalBool("caseInsensitive").value_or(false);
    out.inverted = r.OptionalBool("inverted").value_or(false);
    if (const core::Json* value = r.Get("value")) {
      if (value->is_string()) {
        out.value = value->get<std::string>();
      } else if (value->is_number()) {
        out.value = internal::JsNumberToString(value->get<double>());
      } else {
        r.Fail("value", "expected a string or a number");
      }
    }
    RETURN_IF_ERROR(r.status());
    return ReadStringArray(r, "values", out.values);
  }

  core::Status ParseVariants(core::FieldReader& r, std::string_view key, bool allow_overrides,
                             std::vector<Variant>& out) const {
    const core::Json* variants = r.OptionalArray(key);
    RETURN_IF_ERROR(r.status());
    if (!variants) return core::Status::Ok();
    for (size_t i = 0; i < variants->size(); ++i) {
      const std::string path = core::IndexFieldPath(r.FieldPath(key), i);
      core::FieldReader v((*variants)[i], path);
      if (strict_) {
        if (allow_overrides) {
          v.RejectUnknown({"name", "weight", "weightType", "stickiness", "payload", "overrides"});
        } else {
          v.RejectUnknown({"name", "weight", "weightType", "stickiness", "payload"});
        }
      }
      Variant out_v;
      out_v.name = v.RequiredString("name");
      if (strict_ && !v.Has("weight")) v.Fail("weight", "is required");
      out_v.weight = v.OptionalInt("weight").value_or(0);
      out_v.weight_type = v.OptionalString("weightType");
      out_v.stickiness = v.OptionalString("stickiness");
      if (const core::Json* payload = v.OptionalObject("payload")) {
        core::FieldReader p(*payload, v.FieldPath("payload"));
        if (strict_) p.RejectUnknown({"type", "value"});
        Payload out_p;
        out_p.type = p.RequiredString("type");
        out_p.value = p.RequiredString("value");
        RETURN_IF_ERROR(p.status());
        out_v.payload = std::move(out_p);
      }
      if (allow_overrides) {
        if (const core::Json* overrides = v.OptionalArray("overrides")) {
          for (size_t k = 0; k < overrides->size(); ++k) {
            core::FieldReader o((*overrides)[k], core::IndexFieldPath(v.FieldPath("overrides"), k));
            if (strict_) o.RejectUnknown({"contextName", "values"});
            Override out_o;
            out_o.context_name = o.RequiredString("contextName");
            RETURN_IF_ERROR(o.status());
            RETURN_IF_ERROR(ReadStringArray(o, "values", out_o.values));
            out_v.overrides.push_back(std::move(out_o));
          }
        }
      }
      RETURN_IF_ERROR(v.status());
      out.push_back(std::move(out_v));
    }
    return core::Status::Ok();
  }

  core::Status ParseDependency(const core::Json& json, const std::string& path,
                               Dependency& out) const {
    core::FieldReader r(json, path);
    if (strict_) r.RejectUnknown({"feature", "enabled", "variants"});
    out.feature = r.RequiredString("feature");
    out.enabled = r.OptionalBool("enabled");
    RETURN_IF_ERROR(r.status());
    return ReadStringArray(r, "variants", out.variants);
  }

  static core::Status ReadStringArray(core::FieldReader& r, std::string_view key,
                                      std::vector<std::string>& out) {
    const core::Json* array = r.OptionalArray(key);
    RETURN_IF_ERROR(r.status());
    if (!array) return core::Status::Ok();
    out.reserve(array->size());
    for (size_t i = 0; i < array->size(); ++i) {
      const core::Json& item = (*array)[i];
      if (!item.is_string()) {
        return core::InvalidArgument("expected a string",
                                     core::IndexFieldPath(r.FieldPath(key), i));
      }
      out.push_back(item.get<std::string>());
    }
    return core::Status::Ok();
  }

  bool strict_;
};

}  // namespace

core::StatusOr<ClientFeatures> ParseClientFeatures(const core::Json& json,
                                                   const ParseOptions& options) {
  ClientFeatures out;
  RETURN_IF_ERROR(Parser(options).ParseRoot(json, out));
  if (options.strict) RETURN_IF_ERROR(ValidateClientFeatures(out));
  return out;
}

core::StatusOr<ClientFeatures> ParseClientFeaturesText(std::string_view text,
                                                       const ParseOptions& options) {
  ASSIGN_OR_RETURN(core::Json json, core::ParseJson(text));
  return ParseClientFeatures(json, options);
}

core::StatusOr<Feature> ParseFeature(const core::Json& json, std::string_view path,
                                     const ParseOptions& options) {
  Feature out;
  RETURN_IF_ERROR(Parser(options).ParseFeature(json, std::string(path), out));
  if (options.strict) RETURN_IF_ERROR(ValidateFeature(out, path));
  return out;
}

core::StatusOr<Segment> ParseSegment(const core::Json& json, std::string_view path,
                                     const ParseOptions& options) {
  Segment out;
  RETURN_IF_ERROR(Parser(options).ParseSegment(json, std::string(path), out));
  if (options.strict) RETURN_IF_ERROR(ValidateSegment(out, path));
  return out;
}

}  // namespace gov::flags
