#pragma once

#include "api/router.h"
#include "controller/target_service.h"

namespace gov::api {

// /api/v1/targets (admin), /api/v1/targets/{name}/metrics (client tokens, "ingest") and
// /api/v1/targets/{name}/scale (client tokens: what KEDA's metrics-api scaler polls).
void AddTargetRoutes(Router& router, controller::TargetService& service);

}  // namespace gov::api
