#pragma once

#include "api/router.h"
#include "rollouts/release_plan_service.h"

namespace gov::api {

// Release plans and their templates (admin token, rate class "admin"):
// /api/v1/release-plans... with the actions start, pause, resume, advance and rollback, and
// /api/v1/release-plan-templates...
void AddReleasePlanRoutes(Router& router, rollouts::ReleasePlanService& service);

}  // namespace gov::api
