#pragma once

#include "api/router.h"
#include "experiments/experiment_service.h"

namespace gov::api {

// Experiments and metric definitions (admin token, rate class "admin"): /api/v1/experiments...
// with the lifecycle actions start, stop and conclude, and /api/v1/metrics...
void AddExperimentRoutes(Router& router, experiments::ExperimentService& service);

}  // namespace gov::api
