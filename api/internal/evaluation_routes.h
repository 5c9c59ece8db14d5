#pragma once

#include <memory>

#include "api/internal/flag_api.h"
#include "api/router.h"

namespace gov::api {

// Adds every flag evaluation route (Unleash client and frontend APIs, OFREP) backed by `api`,
// which the routes keep alive (they hold shared references).
void AddEvaluationRoutes(Router& router, const std::shared_ptr<FlagApi>& api);

}  // namespace gov::api
