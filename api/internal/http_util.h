#pragma once

#include <optional>
#include <string>

#include "api/http.h"
#include "core/json_util.h"
#include "core/status.h"

namespace gov::api {

// HTTP status for a Status code (kConflict -> 409, kResourceExhausted -> 429, ...).
int HttpStatusFor(core::StatusCode code);

// Writes `body` as application/json.
void WriteJson(Response& res, int status, const core::Json& body);

// Writes {"error": {"code", "message", "field"?}}. 5xx messages are replaced by a generic
// text so internals never leak; the request id lets an operator find the logged cause.
void WriteError(Response& res, const core::Status& status);

// Parses the request body as JSON; errors name the body and say what is wrong.
core::StatusOr<core::Json> ParseBody(const Request& req);

// Query parameter `name` as an integer within [min, max]; default when absent.
core::StatusOr<int> QueryInt(const Request& req, const std::string& name, int def, int min,
                             int max);

// The version in an If-Match header ("3" or "\"3\""); nullopt when absent.
core::StatusOr<std::optional<int64_t>> IfMatchVersion(const Request& req);

}  // namespace gov::api
