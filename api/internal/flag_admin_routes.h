#pragma once

#include "api/router.h"
#include "flags/flag_metrics.h"
#include "flags/flag_service.h"

namespace gov::api {

// The flags admin API (admin token, rate class "admin"): /api/v1/flags..., /api/v1/segments...
void AddFlagAdminRoutes(Router& router, flags::FlagService& service, flags::FlagMetrics& metrics);

}  // namespace gov::api
