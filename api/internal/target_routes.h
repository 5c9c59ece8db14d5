#pragma once

#include "api/router.h"
#include "controller/forecast_service.h"
#include "controller/target_service.h"

namespace gov::api {

// /api/v1/targets (admin), /api/v1/targets/{name}/metrics (client tokens, "ingest"),
// /api/v1/targets/{name}/scale (client tokens: what KEDA's metrics-api scaler polls), and the
// target's /forecast and /capacity (admin).
void AddTargetRoutes(Router& router, controller::TargetService& service,
                     controller::ForecastService& forecasts);

}  // namespace gov::api
