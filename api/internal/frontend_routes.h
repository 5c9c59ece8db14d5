#pragma once

#include <memory>

#include "api/http.h"
#include "api/internal/flag_api.h"
#include "api/router.h"
#include "core/status.h"
#include "flags/context.h"

namespace gov::api {

// The Unleash frontend API for browser and mobile SDKs (frontend tokens): GET /api/frontend
// (context from query parameters), POST /api/frontend (context in the body), POST
// /api/frontend/client/metrics, and CORS preflights per FlagApiOptions::cors_origins.
void AddFrontendRoutes(Router& router, const std::shared_ptr<FlagApi>& api);

// The evaluation context of GET /api/frontend: "properties[name]=v" parameters become
// properties, the standard fields keep their names, any other parameter is a property.
// remoteAddress defaults to the caller's address, as in Unleash.
core::StatusOr<flags::Context> FrontendContextFromQuery(const Request& req);

// {"toggles": [...]}: every flag enabled for `context`, with its variant and impressionData,
// in definition order. `tap` (optional) records the exposures of running experiments.
std::string FrontendToggles(const EnvironmentView& view, const flags::Context& context,
                            core::TimePoint now, const ExposureTap* tap = nullptr);

}  // namespace gov::api
