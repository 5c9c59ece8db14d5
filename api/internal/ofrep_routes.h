#pragma once

#include <memory>
#include <string>

#include "api/internal/flag_api.h"
#include "api/router.h"

namespace gov::api {

// OpenFeature Remote Evaluation Protocol v0.3.0 (client or frontend tokens):
// POST /ofrep/v1/evaluate/flags/{key}, POST /ofrep/v1/evaluate/flags (bulk, with ETag and an
// SSE eventStreams entry per ADR-0008), and GET /ofrep/v1/event-stream, which sends
// {"type": "refetchEvaluation"} messages when the token environment's revision changes.
void AddOfrepRoutes(Router& router, const std::shared_ptr<FlagApi>& api);

// The OFREP body for one flag of `view` evaluated for `ofrep_context` (the request's
// "context" member) and the HTTP status: 200 evaluation, 400 error (PARSE_ERROR,
// INVALID_CONTEXT, TARGETING_KEY_MISSING) or 404 FLAG_NOT_FOUND. `tap` (optional) records
// the exposure when the flag runs an experiment.
std::pair<int, std::string> OfrepEvaluateOne(const EnvironmentView& view, std::string_view key,
                                             const core::Json& request_body, core::TimePoint now,
                                             const ExposureTap* tap = nullptr);

}  // namespace gov::api
