#pragma once

#include <string>
#include <string_view>

#include "core/json_util.h"

namespace gov::core {

// Parses YAML text into the equivalent JSON value. Scalars become numbers, booleans or
// null where YAML 1.2's core schema says so, else strings. Errors carry line and column.
StatusOr<Json> YamlToJson(std::string_view yaml_text);
// Reads and converts a YAML file.
StatusOr<Json> LoadYamlFile(const std::string& path);

}  // namespace gov::core
