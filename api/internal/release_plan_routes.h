#pragma once

#include <memory>

#include "api/internal/polled_streams.h"
#include "api/router.h"
#include "rollouts/release_plan_service.h"

namespace gov::api {

// Release plans and their templates (admin token, rate class "admin"):
// /api/v1/release-plans... with the actions start, pause, resume, advance and rollback, and
// /api/v1/release-plan-templates..., and a plan's live view (/api/v1/release-plans/{name}/
// stream, SSE, served by `plan_streams`).
void AddReleasePlanRoutes(Router& router, rollouts::ReleasePlanService& service,
                          std::shared_ptr<PolledStreams> plan_streams);

}  // namespace gov::api
