#pragma once

#include <string>
#include <string_view>

#include "core/json_util.h"
#include "core/status.h"

namespace gov::api {

// The text of api/openapi.yaml, embedded at build time: the one description of every route.
std::string_view OpenApiYaml();

// The document as JSON, with info.version set to `version`. Parses the YAML on every call:
// callers keep the result.
core::StatusOr<core::Json> OpenApiDocument(const std::string& version);

}  // namespace gov::api
