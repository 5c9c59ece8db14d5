#pragma once

#include "api/router.h"
#include "flags/scheduled_changes.h"

namespace gov::api {

// Scheduled flag changes (admin token, rate class "admin"):
// /api/v1/flags/{name}/environments/{env}/schedule... and /api/v1/scheduled-changes.
void AddScheduleRoutes(Router& router, flags::ScheduledChangeService& service);

}  // namespace gov::api
