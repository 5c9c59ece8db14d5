#pragma once

#include <memory>

#include "api/internal/polled_streams.h"
#include "api/router.h"
#include "controller/forecast_service.h"
#include "controller/target_service.h"

namespace gov::api {

// /api/v1/targets (admin), /api/v1/targets/{name}/metrics (client tokens, "ingest"),
// /api/v1/targets/{name}/scale (client tokens: what KEDA's metrics-api scaler polls), and the
// target's /forecast and /capacity (admin), and its live decisions (/decisions/stream, SSE,
// served by `decision_streams`).
void AddTargetRoutes(Router& router, controller::TargetService& service,
                     controller::ForecastService& forecasts,
                     std::shared_ptr<PolledStreams> decision_streams);

}  // namespace gov::api
