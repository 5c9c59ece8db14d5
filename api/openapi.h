#pragma once

#include <string>
#include <vector>

#include "api/router.h"
#include "core/json_util.h"

namespace gov::api {

// An OpenAPI 3.1 document describing every route in `routes`, with request and response
// schemas and the security each needs.
core::Json BuildOpenApi(const std::vector<Route>& routes, const std::string& version);

// Shared schemas for route docs.
core::Json ErrorSchema();
core::Json RefSchema(const std::string& component);

}  // namespace gov::api
