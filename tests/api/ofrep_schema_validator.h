#pragma once

// A small JSON Schema (2020-12) subset validator for checking responses against the OFREP
// OpenAPI document: $ref (local), type, enum, const, required, properties,
// additionalProperties, items, allOf, anyOf, oneOf, not, minimum, pattern.
//
// oneOf: OFREP 0.3.0's evaluationSuccess lists codeDefaultFlag ({type: object, properties:
// {}}), which every object satisfies, beside booleanFlag, stringFlag, ...; and an integer
// satisfies both integerFlag and floatFlag. Read literally ("exactly one"), no evaluation
// with a value could ever be valid, the spec's own examples included (see
// OfrepSchemaTest.SpecExampleFailsLiteralOneOf). So by default oneOf is checked as "at least
// one"; `strict_one_of` restores the literal reading.

#include <regex>
#include <string>

#include "core/json_util.h"

namespace gov::api::testing {

class SchemaValidator {
 public:
  SchemaValidator(const core::Json& document, bool strict_one_of = false)
      : doc_(document), strict_one_of_(strict_one_of) {}

  // "" when `value` satisfies `schema`, else the first problem with its JSON path.
  std::string Validate(const core::Json& schema, const core::Json& value,
                       const std::string& path = "$") const {
    if (schema.is_boolean()) return schema.get<bool>() ? "" : path + ": schema is false";
    if (!schema.is_object()) return "";
    if (schema.contains("$ref")) {
      std::string err = Validate(Resolve(schema["$ref"]), value, path);
      if (!err.empty()) return err;
    }
    if (schema.contains("type") && !TypeMatches(schema["type"], value)) {
      return path + ": expected type " + schema["type"].dump() + ", got " + value.dump();
    }
    if (schema.contains("enum")) {
      bool found = false;
      for (const core::Json& e : schema["enum"]) found = found || e == value;
      if (!found) return path + ": " + value.dump() + " not in " + schema["enum"].dump();
    }
    if (schema.contains("const") && schema["const"] != value) {
      return path + ": expected " + schema["const"].dump();
    }
    if (schema.contains("minimum") && value.is_number() &&
        value.get<double>() < schema["minimum"].get<double>()) {
      return path + ": below minimum";
    }
    if (schema.contains("pattern") && value.is_string() &&
        !std::regex_search(value.get<std::string>(),
                           std::regex(schema["pattern"].get<std::string>()))) {
      return path + ": does not match " + schema["pattern"].get<std::string>();
    }
    if (value.is_object()) {
      if (schema.contains("required")) {
        for (const core::Json& r : schema["required"]) {
          if (!value.contains(r.get<std::string>()))
            return path + ": missing " + r.get<std::string>();
        }
      }
      const core::Json* props = schema.contains("properties") ? &schema["properties"] : nullptr;
      for (const auto& [k, v] : value.items()) {
        if (props && props->contains(k)) {
          std::string err = Validate((*props)[k], v, path + "." + k);
          if (!err.empty()) return err;
        } else if (schema.contains("additionalProperties")) {
          std::string err = Validate(schema["additionalProperties"], v, path + "." + k);
          if (!err.empty()) return err;
        }
      }
    }
    if (value.is_array() && schema.contains("items")) {
      for (size_t i = 0; i < value.size(); ++i) {
        std::string err = Validate(schema["items"], value[i], path + "[" + std::to_string(i) + "]");
        if (!err.empty()) return err;
      }
    }
    if (schema.contains("allOf")) {
      for (const core::Json& s : schema["allOf"]) {
        std::string err = Validate(s, value, path);
        if (!err.empty()) return err;
      }
    }
    if (schema.contains("anyOf")) {
      if (Matches(schema["anyOf"], value, path) == 0) return path + ": matches no anyOf branch";
    }
    if (schema.contains("oneOf")) {
      const int n = Matches(schema["oneOf"], value, path);
      if (n == 0)
        return path + ": matches no oneOf branch: " + FirstError(schema["oneOf"], value, path);
      if (strict_one_of_ && n > 1)
        return path + ": matches " + std::to_string(n) + " oneOf branches";
    }
    if (schema.contains("not") && Validate(schema["not"], value, path).empty()) {
      return path + ": matches a 'not' schema";
    }
    return "";
  }

  // The schema at a local reference like "#/components/schemas/key".
  const core::Json& Resolve(const core::Json& ref) const {
    return doc_.at(core::Json::json_pointer(ref.get<std::string>().substr(1)));
  }

 private:
  int Matches(const core::Json& branches, const core::Json& value, const std::string& path) const {
    int n = 0;
    for (const core::Json& s : branches) n += Validate(s, value, path).empty() ? 1 : 0;
    return n;
  }
  std::string FirstError(const core::Json& branches, const core::Json& value,
                         const std::string& path) const {
    std::string all;
    for (const core::Json& s : branches) all += "[" + Validate(s, value, path) + "] ";
    return all;
  }
  static bool TypeMatches(const core::Json& type, const core::Json& v) {
    if (type.is_array()) {
      for (const core::Json& t : type) {
        if (TypeMatches(t, v)) return true;
      }
      return false;
    }
    const std::string t = type.get<std::string>();
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    if (t == "integer") {
      return v.is_number_integer() ||
             (v.is_number_float() &&
              v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())));
    }
    if (t == "number") return v.is_number();
    return false;
  }

  const core::Json& doc_;
  bool strict_one_of_;
};

}  // namespace gov::api::testing
